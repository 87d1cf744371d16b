/**
 * `tandem migrate`'s trash: every deleted document goes along — its whole history, its named
 * versions, its files, when and by whom it was deleted — so it can still be restored (or is purged on time) after
 * the move. Each is copied as data-move.ts copies a live document (resumable, verified
 * record by record; files checked against their SHA-256), under the name it is kept by there:
 *
 *   data dir → database   trash entry `trash/<id>/` → a deleted row named `\x01trash:dir:<id>`
 *                         (no document name can hold a control character: sql.ts), made and
 *                         marked deleted before any record goes in, so no server ever lists it
 *                         as a live document; run again, the same row is found and continued.
 *   database → data dir   deleted row <row id> → entry `trash/<deletion ms>-<row id, 8 hex>/`
 *                         (as `tandem backup` names it), its document written through a file
 *                         store rooted there and its marker written last: a server lists (or
 *                         purges) the entry only once it is whole; run again, the same entry
 *                         is continued.
 *
 * A deleted document restored in the destination since it was copied there is copied again
 * by a later run, as another deleted document.
 */
import { join } from 'node:path';
import type { DocHistory } from '../archive.js';
import { copyDocBlobs, type BlobMoveReport } from '../blob-move.js';
import { lastSeq } from '../replay.js';
import { DataDirArchive } from '../file/data-dir.js';
import { FileBlobs } from '../file/file-blobs.js';
import { FileStore } from '../file/file-store.js';
import { FileTrash, TRASH_DIR, TRASH_MARKER, trashEntryId, writeTrashMarker } from '../file/file-trash.js';
import { nodeFs } from '../file/store-fs.js';
import { copyIntoDataDir, copyIntoDatabase, type Archive, type MoveOptions, type MoveReport } from './data-move.js';
import type { Database } from './database.js';
import { PostgresArchive } from './postgres-archive.js';
import { PostgresBlobs } from './pg-blobs.js';
import { TRASHED_NAMES, ts } from './sql.js';

export interface TrashMoveReport {
  /** Deleted documents copied or found up to date. */
  docs: number;
  records: number;
  files: number;
  fileBytes: number;
  problems: string[];
}

/** The trash entry id the file store gives a deleted row of the database (tandem backup's too). */
export function entryIdOfRow(deletedMs: number, rowId: number | string): string {
  return trashEntryId(deletedMs, (Number(rowId) % 2 ** 32).toString(16).padStart(8, '0'));
}

/** The row a data dir's trash entry becomes: a name no document can have, telling entries apart. */
function rowNameOfEntry(entryId: string): string {
  return `\u0001trash:dir:${entryId}`;
}

/** A deleted row made ready for its records: listed only as trashed from the start. $1 row name, $2 deleted at (ms), $3 by, $4 name. */
const ENSURE_TRASHED = `
  INSERT INTO tandem_documents (name, last_seq, last_time, deleted_at, deleted_by, deleted_name)
  VALUES ($1, 0, ${ts('$2::int8')}, ${ts('$2::int8')}, $3, $4)
  ON CONFLICT (name) DO NOTHING`;

/** One document of `archive`, stored as `stored` there, seen under the name `as`. */
function oneDoc(archive: Archive, stored: string, as: string): Archive {
  const read = async (): Promise<DocHistory | null> => {
    const history = await archive.readHistory(stored);
    return history ? { ...history, name: as } : null;
  };
  return {
    async listDocs() {
      const history = await read();
      const last = history?.records.at(-1);
      return history ? [{ name: as, bytes: 0, records: lastSeq(history), lastChangeMs: last?.timeMs ?? null, lastAuthor: last?.author ?? null }] : [];
    },
    readHistory: async (name) => (name === as ? read() : null),
    listVersions: async (name) => (name === as ? archive.listVersions(stored) : []),
  };
}

function emptyReport(): TrashMoveReport {
  return { docs: 0, records: 0, files: 0, fileBytes: 0, problems: [] };
}

function add(report: TrashMoveReport, moved: MoveReport, files: BlobMoveReport): void {
  report.docs += moved.docs;
  report.records += moved.records;
  report.files += files.files;
  report.fileBytes += files.bytes;
  report.problems.push(...moved.problems.map((p) => `in the trash: ${p}`), ...files.problems.map((p) => `in the trash: ${p}`));
}

/** Data dir → database: each entry of `dataDir`'s trash as a deleted document of the database. */
export async function copyTrashIntoDatabase(dataDir: string, db: Database, options: MoveOptions = {}): Promise<TrashMoveReport> {
  const report = emptyReport();
  const trash = new FileTrash(dataDir, nodeFs);
  for (const entry of await trash.list()) {
    options.signal?.throwIfAborted();
    const row = rowNameOfEntry(entry.id);
    await db.pool.query(ENSURE_TRASHED, [row, entry.deletedAtMs, entry.deletedBy, entry.name]);
    const root = join(trash.trashDir, entry.id);
    const source = oneDoc(new DataDirArchive(root, nodeFs, undefined, { journal: false }), entry.name, row);
    const moved = await copyIntoDatabase(source, db, { ...options, onDoc: (_name, copied, total) => options.onDoc?.(`${entry.name} (deleted)`, copied, total) });
    const files: BlobMoveReport = { files: 0, bytes: 0, problems: [] };
    await copyDocBlobs({ blobs: new FileBlobs(root), doc: entry.name }, { blobs: new PostgresBlobs(db), doc: row }, files);
    add(report, moved, files);
  }
  return report;
}

/** Database → data dir: each deleted document of the database as an entry of `dataDir`'s trash. */
export async function copyTrashIntoDataDir(db: Database, dataDir: string, options: MoveOptions = {}): Promise<TrashMoveReport> {
  const report = emptyReport();
  const { rows } = await db.pool.query<{ stored: string; name: string; id: string; deleted_ms: number; deleted_by: string | null }>(TRASHED_NAMES);
  for (const row of rows) {
    options.signal?.throwIfAborted();
    const root = join(dataDir, TRASH_DIR, entryIdOfRow(Number(row.deleted_ms), row.id));
    await nodeFs.mkdir(root);
    const store = new FileStore(root, { journal: false });
    let moved: MoveReport;
    try {
      const source = oneDoc(new PostgresArchive(db), row.stored, row.name);
      moved = await copyIntoDataDir(db, store, { ...options, onDoc: (_name, copied, total) => options.onDoc?.(`${row.name} (deleted)`, copied, total) }, source);
    } finally {
      await store.close();
    }
    const files: BlobMoveReport = { files: 0, bytes: 0, problems: [] };
    await copyDocBlobs({ blobs: new PostgresBlobs(db), doc: row.stored }, { blobs: new FileBlobs(root), doc: row.name }, files);
    // Last: the entry is a deleted document (listed, restorable, purged on time) once whole.
    if (moved.problems.length === 0 && files.problems.length === 0 && (await nodeFs.sizeOf(join(root, TRASH_MARKER))) === null) {
      await writeTrashMarker(nodeFs, root, row.name, Number(row.deleted_ms), row.deleted_by);
    }
    add(report, moved, files);
  }
  return report;
}
