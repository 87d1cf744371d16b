/**
 * A document's files (the images it shows), kept in the document's own store beside its
 * history: content-addressed by the SHA-256 of their bytes, so a file is stored once per
 * document however often it is added, and its name says whether its bytes are intact.
 *
 * Files are never deleted while their document exists: any version in the history may show
 * them, and a restore must find them again. Implementations:
 *   file-blobs.ts      `<data-dir>/docs/<doc dir>/files/<sha256>`, written crash-safely
 *   pg-blobs.ts        the `tandem_files` table, keyed by (document, sha256)
 *   memory-blobs.ts    process memory, beside the memory store
 */
import { createHash } from 'node:crypto';
import type { ImageType } from './image-type.js';

import { fileSha256, ownFileUrl } from '../document-schema/image-policy.js';

export { documentFileUrl as fileUrl } from '../document-schema/image-policy.js';

export interface BlobInfo {
  sha256: string;
  bytes: number;
}

export interface BlobStore {
  /**
   * Stores `data` (whose SHA-256 is `sha256`) for `doc`; resolves once it is durable.
   * `created` is false when the document already held it (nothing was written).
   */
  putBlob(doc: string, sha256: string, data: Uint8Array): Promise<{ created: boolean }>;
  /** The file's bytes, or null when the document holds no such file. */
  readBlob(doc: string, sha256: string): Promise<Uint8Array | null>;
  hasBlob(doc: string, sha256: string): Promise<boolean>;
  /** The document's files, by name. */
  listBlobs(doc: string): Promise<BlobInfo[]>;
  /** Bytes of all the document's files: they count toward its size limit. */
  blobBytes(doc: string): Promise<number>;
}

/** A file's name in every store: its SHA-256, 64 lowercase hex digits. */
export const SHA256_RE = /^[0-9a-f]{64}$/;

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What an upload answers and what the editor puts into the document. */
export interface StoredFile {
  /** Root-relative: `/api/docs/<encodeURIComponent(doc)>/files/<sha256>`. */
  url: string;
  type: ImageType;
  bytes: number;
  sha256: string;
}

/**
 * Reads `doc`'s files by the address its image nodes hold: only that document's own files,
 * by the SHA-256 the address names — whichever document it names, as content restored under
 * another name still names the old one (image-policy.ts); any other address reads as null.
 */
export function documentFileReader(blobs: BlobStore, doc: string): (src: string) => Promise<Uint8Array | null> {
  return async (src) => {
    const sha256 = fileSha256(src);
    return sha256 === null ? null : blobs.readBlob(doc, sha256);
  };
}

/**
 * The address each image of `doc` is exported as: `doc`'s own address of the file when `doc`
 * holds it (restored under another name, its content names the old document), else as stored.
 */
export async function documentFileAddresses(blobs: BlobStore, doc: string): Promise<(src: string) => string> {
  const held = new Set((await blobs.listBlobs(doc)).map((file) => file.sha256));
  return (src) => {
    const sha256 = fileSha256(src);
    return sha256 !== null && held.has(sha256) ? (ownFileUrl(doc, src) ?? src) : src;
  };
}
