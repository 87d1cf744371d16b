/**
 * A consistent copy of every document in the database as a data dir (the file store's formats,
 * record-format.ts), for `tandem backup --database-url` and `GET /api/backup` on a server using
 * a database. Everything is read in one snapshot (a read-only REPEATABLE READ transaction): the
 * copy holds every transaction committed before it began and nothing of any later one, across
 * all documents, while servers go on writing.
 *
 * Per document: `docs/<dir>/log` with every record, seq, time and author kept (a compacted
 * document's log starts with its base, the state at the cut: log format version 2), and a
 * checkpoint file for each checkpoint past the cut, made to name the offsets of its record in
 * that log, so loading the copy starts from the newest as it does in the database, its named
 * versions as `docs/<dir>/versions` (file/versions-format.ts), and its files (images) as `docs/<dir>/files/<sha256>`: the snapshot holds every image its records
 * show, as an image is stored before any record shows it. Documents in the trash go into the
 * copy's trash as the file store keeps it (`trash/<id>/trashed.json` and the document's
 * directory), so they can still be restored from the copy.
 *
 * The copy is a data dir of its own: `tandem verify --data-dir` checks it, `tandem serve
 * --data-dir` serves it, `tandem migrate --from-data-dir` loads it into a database again.
 * It is no substitute for the database's own backups (pg_dump, base backups with WAL archiving
 * for point-in-time recovery), which also keep the tables' other contents.
 */
import type { BackupSink } from '../file/backup-stream.js';
import type { BackupSummary } from '../file/backup.js';
import { DOCS_DIR } from '../file/data-dir.js';
import { FILES_DIR } from '../file/blob-files.js';
import { LOG_FILE, checkpointFileName } from '../file/doc-files.js';
import { docDirName } from '../file/file-names.js';
import { TRASH_DIR, TRASH_MARKER, trashMarker } from '../file/file-trash.js';
import { encodeCheckpoint, encodeLogHeader, encodeRecord } from '../file/record-format.js';
import { VERSIONS_FILE } from '../file/file-versions.js';
import { encodeVersions } from '../file/versions-format.js';
import { versionsOfDocId } from './pg-versions.js';
import type { StoreProblem } from '../record.js';
import type { Database, Queryable } from './database.js';
import { PostgresArchive, type DocRow } from './postgres-archive.js';
import { DOC_NAMES } from './sql.js';
import { entryIdOfRow } from './trash-move.js';

export interface DatabaseBackupSummary extends BackupSummary {
  /** Damage found in the database (records missing): the copy holds what is there. */
  problems: StoreProblem[];
}

/** Where a record sits in the log being written: what a checkpoint file names. */
const FILE_NAMES = 'SELECT sha256 FROM tandem_files WHERE doc_id = $1 ORDER BY sha256';
const FILE_DATA = 'SELECT data FROM tandem_files WHERE doc_id = $1 AND sha256 = $2';
/** Documents in the trash: the row's own name (`\x01trash:<id>`) and what it was. */
const TRASHED = `
  SELECT name AS stored, deleted_name AS name, (extract(epoch FROM deleted_at) * 1000)::int8 AS deleted_ms, deleted_by
  FROM tandem_documents WHERE deleted_at IS NOT NULL AND deleted_name IS NOT NULL ORDER BY id`;

interface Placed {
  offset: number;
  end: number;
  crc: number;
  timeMs: number;
}

export function writeDatabaseBackup(db: Database, sink: BackupSink): Promise<DatabaseBackupSummary> {
  const archive = new PostgresArchive(db);
  return db.snapshot(async (client) => {
    const summary: DatabaseBackupSummary = { docs: 0, files: 0, bytes: 0, problems: [] };
    const { rows } = await client.query<{ name: string }>(DOC_NAMES);
    for (const { name } of rows) {
      const doc = await archive.findDoc(name, client);
      if (!doc || doc.last_seq === 0) continue;
      await writeDoc(client, archive, doc, name, `${DOCS_DIR}/${docDirName(name)}`, sink, summary);
      summary.docs += 1;
    }
    const trashed = await client.query<{ stored: string; name: string; deleted_ms: number; deleted_by: string | null }>(TRASHED);
    for (const entry of trashed.rows) {
      const doc = await archive.findDoc(entry.stored, client);
      if (!doc || doc.last_seq === 0) continue;
      // The row's id tells entries deleted in the same millisecond apart.
      const base = `${TRASH_DIR}/${entryIdOfRow(entry.deleted_ms, doc.id)}`;
      const marker = trashMarker(entry.name, entry.deleted_ms, entry.deleted_by);
      const out = await sink.file(`${base}/${TRASH_MARKER}`);
      await out.write(marker);
      await out.end();
      summary.files += 1;
      summary.bytes += marker.length;
      await writeDoc(client, archive, doc, entry.name, `${base}/${DOCS_DIR}/${docDirName(entry.name)}`, sink, summary);
    }
    return summary;
  });
}

/** Document `doc`, named `name`, as a document directory `dir`: its log, checkpoints and files. */
async function writeDoc(client: Queryable, archive: PostgresArchive, doc: DocRow, name: string, dir: string, sink: BackupSink, summary: DatabaseBackupSummary): Promise<void> {
  const checkpoints = await archive.checkpointsOf(doc, client);
  const base = archive.compactedOf(doc, checkpoints, summary.problems);
  const header = encodeLogHeader(name, base?.state ? { seq: base.seq, timeMs: base.timeMs, compactedAtMs: base.compactedAtMs, state: base.state } : null);
  const wanted = new Set(checkpoints.filter((c) => c.seq > doc.compacted_before).map((c) => c.seq));
  const placed = new Map<number, Placed>();
  const log = await sink.file(`${dir}/${LOG_FILE}`);
  await log.write(header);
  let at = header.length;
  const gaps = await archive.eachRecordPage(doc, doc.compacted_before, doc.last_seq, async (page) => {
    const frames = page.map((record) => {
      const frame = encodeRecord(record);
      if (wanted.has(record.seq)) placed.set(record.seq, { offset: at, end: at + frame.length, crc: frame.readUInt32BE(4), timeMs: record.timeMs });
      at += frame.length;
      return frame;
    });
    await log.write(Buffer.concat(frames));
  }, client);
  await log.end();
  summary.problems.push(...gaps);
  summary.bytes += at;
  summary.files += 1;
  for (const checkpoint of checkpoints) {
    const record = placed.get(checkpoint.seq);
    if (!record) continue;
    const bytes = encodeCheckpoint({
      name, seq: checkpoint.seq, timeMs: record.timeMs, recordOffset: record.offset, logEnd: record.end, recordCrc: record.crc, state: checkpoint.state,
    });
    const out = await sink.file(`${dir}/${checkpointFileName(checkpoint.seq)}`);
    await out.write(bytes);
    await out.end();
    summary.bytes += bytes.length;
    summary.files += 1;
  }
  const versions = await versionsOfDocId(client, doc.id);
  if (versions.length > 0) {
    const bytes = encodeVersions(versions);
    const out = await sink.file(`${dir}/${VERSIONS_FILE}`);
    await out.write(bytes);
    await out.end();
    summary.bytes += bytes.length;
    summary.files += 1;
  }
  // One at a time: an image may be megabytes.
  for (const { sha256 } of (await client.query<{ sha256: string }>(FILE_NAMES, [doc.id])).rows) {
    const data = (await client.query<{ data: Buffer }>(FILE_DATA, [doc.id, sha256])).rows[0]?.data;
    if (!data) continue;
    const out = await sink.file(`${dir}/${FILES_DIR}/${sha256}`);
    await out.write(data);
    await out.end();
    summary.bytes += data.length;
    summary.files += 1;
  }
}
