/**
 * `tandem migrate`: every document with its whole history, from a data dir into a database or
 * back, keeping each record's seq, server time and author, so nobody is locked in.
 *
 * Resumable: a document's records are copied in chunks, each committed (database) or fsync'd
 * (data dir) on its own, after whatever the destination already holds; an interrupted run is
 * simply run again. Before copying, the destination's last record must equal the source's at
 * that seq, so a destination holding something else is reported, never overwritten. The
 * database side guards each chunk with the document's last_seq, so a server appending to the
 * same document meanwhile makes the copy of that document fail instead of interleave.
 * Verifiable: afterwards both sides' records are compared by digest, document by document.
 */
import { createHash } from 'node:crypto';
import type { DocArchive } from '../archive.js';
import type { FileStore } from '../file/file-store.js';
import type { LogRecord } from '../record.js';
import { describeProblem } from '../record.js';
import type { Database } from './database.js';
import { PostgresArchive } from './postgres-archive.js';
import { ts } from './sql.js';

/**
 * One chunk of a document's records, with the document row moved on from `$5` (the last_seq
 * the copy expects: nothing else may have written meanwhile). $1 name, $2 new last_seq,
 * $3 time of the last record (ms), $4 bytes; per record $6 seq, $7 time, $8 author, $9 update.
 */
const IMPORT_CHUNK = `
  WITH doc AS (
    INSERT INTO tandem_documents AS d (name, last_seq, last_time, record_bytes) VALUES ($1, $2, ${ts('$3::int8')}, $4)
    ON CONFLICT (name) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_time = EXCLUDED.last_time,
      record_bytes = d.record_bytes + EXCLUDED.record_bytes
    WHERE d.last_seq = $5
    RETURNING d.id
  )
  INSERT INTO tandem_records (doc_id, seq, recorded_at, author, yjs_update)
  SELECT doc.id, r.seq, ${ts('r.time_ms')}, r.author, r.yjs_update
  FROM doc, unnest($6::int8[], $7::int8[], $8::text[], $9::bytea[]) AS r(seq, time_ms, author, yjs_update)`;

const IMPORT_CHECKPOINT = `
  INSERT INTO tandem_checkpoints (doc_id, seq, recorded_at, state)
  SELECT d.id, $2, r.recorded_at, $3 FROM tandem_documents d JOIN tandem_records r ON r.doc_id = d.id AND r.seq = $2
  WHERE d.name = $1
  ON CONFLICT (doc_id, seq) DO NOTHING`;

export interface MoveOptions {
  /** Records per chunk (default 1000). */
  chunkRecords?: number;
  /** Called after each document; `copied` records were copied now. */
  onDoc?(name: string, copied: number, total: number): void;
  /** Called after each chunk (an interrupted run stops after one). */
  onChunk?(): void;
  signal?: AbortSignal;
}

export interface MoveReport {
  docs: number;
  records: number;
  /** Per document, what could not be copied or does not match. */
  problems: string[];
}

/** Where a document stands in the destination. */
interface Destination {
  lastSeq(name: string): Promise<number>;
  /** The record at `seq`, to check that the destination's history is a prefix of the source's. */
  recordAt(name: string, seq: number): Promise<LogRecord | null>;
  write(name: string, records: readonly LogRecord[], expectedLast: number): Promise<void>;
  checkpoint?(name: string, seq: number, state: Uint8Array): Promise<void>;
}

const sameRecord = (a: LogRecord, b: LogRecord): boolean =>
  a.seq === b.seq && a.timeMs === b.timeMs && a.author === b.author && Buffer.compare(Buffer.from(a.update), Buffer.from(b.update)) === 0;

/** A digest of a document's records (seq, time, author, update), for the comparison at the end. */
function digest(records: readonly LogRecord[]): string {
  const hash = createHash('sha256');
  for (const r of records) hash.update(`${r.seq}\0${r.timeMs}\0${r.author ?? '\u0001'}\0`).update(r.update);
  return hash.digest('hex');
}

async function move(source: DocArchive, destination: Destination, readBack: DocArchive, options: MoveOptions): Promise<MoveReport> {
  const chunk = options.chunkRecords ?? 1000;
  const report: MoveReport = { docs: 0, records: 0, problems: [] };
  const refused = new Set<string>();
  for (const summary of await source.listDocs()) {
    options.signal?.throwIfAborted();
    const name = summary.name;
    const history = await source.readHistory(name);
    if (!history) continue;
    if (history.problems.length > 0 || history.records.some((r, i) => r.seq !== i + 1)) {
      const found = history.problems.map(describeProblem).join('; ') || 'records are missing';
      report.problems.push(`${JSON.stringify(name)}: not copied, its history is damaged (${found}); run tandem verify`);
      refused.add(name);
      continue;
    }
    const last = await destination.lastSeq(name);
    const sourceLast = history.records.at(-1)?.seq ?? 0;
    const theirs = last > 0 ? await destination.recordAt(name, last) : null;
    const ours = history.records[last - 1];
    if (last > sourceLast || (last > 0 && (!theirs || !ours || !sameRecord(theirs, ours)))) {
      report.problems.push(`${JSON.stringify(name)}: not copied, the destination holds a different history (${last} records)`);
      refused.add(name);
      continue;
    }
    let done = last;
    while (done < sourceLast) {
      options.signal?.throwIfAborted();
      const records = history.records.slice(done, done + chunk);
      await destination.write(name, records, done);
      done += records.length;
      report.records += records.length;
      options.onChunk?.();
    }
    for (const checkpoint of destination.checkpoint ? history.checkpoints : []) {
      const state = await checkpoint.load();
      if (state) await destination.checkpoint?.(name, checkpoint.seq, state);
    }
    report.docs += 1;
    options.onDoc?.(name, done - last, sourceLast);
  }
  // Verify: every document of the source, record for record, in the destination.
  for (const summary of await source.listDocs()) {
    if (refused.has(summary.name)) continue;
    const [a, b] = [await source.readHistory(summary.name), await readBack.readHistory(summary.name)];
    if (a && b && digest(a.records) !== digest(b.records)) report.problems.push(`${JSON.stringify(summary.name)}: the copy differs from the source`);
    if (a && !b && a.records.length > 0) report.problems.push(`${JSON.stringify(summary.name)}: missing from the destination`);
  }
  return report;
}

/** Data dir → database. */
export function copyIntoDatabase(source: DocArchive, db: Database, options: MoveOptions = {}): Promise<MoveReport> {
  const archive = new PostgresArchive(db);
  return move(source, {
    lastSeq: async (name) => (await archive.findDoc(name))?.last_seq ?? 0,
    recordAt: async (name, seq) => {
      const doc = await archive.findDoc(name);
      if (!doc) return null;
      let found: LogRecord | null = null;
      await archive.eachRecordPage(doc, seq - 1, seq, (page) => void (found = page[0] ?? null));
      return found;
    },
    write: async (name, records, expectedLast) => {
      const lastRecord = records.at(-1);
      if (!lastRecord) return;
      const bytes = records.reduce((sum, r) => sum + r.update.byteLength, 0);
      const result = await db.pool.query(IMPORT_CHUNK, [
        name, lastRecord.seq, lastRecord.timeMs, bytes, expectedLast,
        records.map((r) => r.seq), records.map((r) => r.timeMs), records.map((r) => r.author), records.map((r) => Buffer.from(r.update)),
      ]);
      if (result.rowCount !== records.length) throw new Error(`${JSON.stringify(name)} changed in ${db.label} while it was being copied (is a server writing to it?)`);
    },
    checkpoint: async (name, seq, state) => {
      await db.pool.query(IMPORT_CHECKPOINT, [name, seq, Buffer.from(state)]);
    },
  }, archive, options);
}

/** Database → data dir (through a file store, which writes its own checkpoints as it goes). */
export function copyIntoDataDir(db: Database, store: FileStore, options: MoveOptions = {}): Promise<MoveReport> {
  return move(new PostgresArchive(db), {
    lastSeq: (name) => store.durableSeq(name),
    recordAt: async (name, seq) => (await store.readHistory(name))?.records.find((r) => r.seq === seq) ?? null,
    write: (name, records) => store.appendRecords(name, records),
  }, store, options);
}
