/**
 * Keeps a document within its size limit without encoding it on every update.
 *
 * The size is estimated as the loaded state plus every update applied since: merged Yjs state
 * is rarely larger than the updates it came from, so the estimate runs ahead of the truth.
 * Only when the estimate says an update would cross the limit is the real encoded size
 * measured (one `encodeStateAsUpdate`) and the estimate corrected; an update is refused only
 * when the measured size plus the update exceeds the limit.
 */
export class DocumentSizeBudget {
  private estimate: number;

  constructor(
    readonly maxBytes: number,
    initialBytes: number,
  ) {
    this.estimate = initialBytes;
  }

  /** True when applying `update` keeps the document within the limit. */
  admits(update: Uint8Array, measure: () => number): boolean {
    if (this.estimate + update.byteLength <= this.maxBytes) return true;
    this.estimate = measure();
    return this.estimate + update.byteLength <= this.maxBytes;
  }

  /** Records an applied update. */
  grew(bytes: number): void {
    this.estimate += bytes;
  }
}
