/**
 * `tandem migrate`'s files: after the records (postgres/data-move.ts), every file of every
 * document that the destination lacks is copied, each checked against its name (its SHA-256)
 * on the way. Files are content-addressed, so a file already there is the same file: an
 * interrupted run is simply run again.
 */
import type { BlobStore } from './blobs.js';
import { sha256Hex } from './blobs.js';

export interface BlobMoveReport {
  /** Files copied now. */
  files: number;
  bytes: number;
  problems: string[];
}

export async function copyBlobs(docs: readonly string[], from: BlobStore, to: BlobStore): Promise<BlobMoveReport> {
  const report: BlobMoveReport = { files: 0, bytes: 0, problems: [] };
  for (const doc of docs) await copyDocBlobs({ blobs: from, doc }, { blobs: to, doc }, report);
  return report;
}

/**
 * One document's files that the destination lacks, the document named in each store as it is
 * there (a deleted document's row in the database is named otherwise: trash-move.ts).
 */
export async function copyDocBlobs(from: { blobs: BlobStore; doc: string }, to: { blobs: BlobStore; doc: string }, report: BlobMoveReport): Promise<void> {
  for (const { sha256 } of await from.blobs.listBlobs(from.doc)) {
    if (await to.blobs.hasBlob(to.doc, sha256)) continue;
    const data = await from.blobs.readBlob(from.doc, sha256);
    if (!data || sha256Hex(data) !== sha256) {
      report.problems.push(`${JSON.stringify(from.doc)}: file ${sha256} not copied, it is ${data ? 'damaged (its bytes do not match its name)' : 'gone'}; run tandem verify`);
      continue;
    }
    await to.blobs.putBlob(to.doc, sha256, data);
    report.files += 1;
    report.bytes += data.byteLength;
  }
}
