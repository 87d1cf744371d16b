/**
 * Keeps a document within its size limit without encoding it on every update. A document's
 * size is its Yjs content plus its files (images, stored beside it and never deleted while it
 * exists: blobs.ts).
 *
 * The content's size is estimated as the loaded state plus every update applied since: merged
 * Yjs state is rarely larger than the updates it came from, so the estimate runs ahead of the
 * truth. Only when the estimate says an update (or a file) would cross the limit is the real
 * encoded size measured (one `encodeStateAsUpdate`) and the estimate corrected; an update is
 * refused only when the measured size plus the files plus the update exceed the limit.
 */
export class DocumentSizeBudget {
  private estimate: number;

  constructor(
    readonly maxBytes: number,
    initialBytes: number,
    /** Bytes of the document's files, and of those being stored right now. */
    private fileBytes = 0,
  ) {
    this.estimate = initialBytes;
  }

  /** True when applying `update` keeps the document within the limit. */
  admits(update: Uint8Array, measure: () => number): boolean {
    return this.fits(update.byteLength, measure);
  }

  /** Records an applied update. */
  grew(bytes: number): void {
    this.estimate += bytes;
  }

  /**
   * Counts a file of `bytes` about to be stored, when it fits; false when it would take the
   * document past its limit. A file that is not stored after all is given back (`releaseFile`).
   */
  reserveFile(bytes: number, measure: () => number): boolean {
    if (!this.fits(bytes, measure)) return false;
    this.fileBytes += bytes;
    return true;
  }

  releaseFile(bytes: number): void {
    this.fileBytes -= bytes;
  }

  private fits(bytes: number, measure: () => number): boolean {
    if (this.estimate + this.fileBytes + bytes <= this.maxBytes) return true;
    this.estimate = measure();
    return this.estimate + this.fileBytes + bytes <= this.maxBytes;
  }
}
