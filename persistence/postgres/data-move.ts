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
 * A compacted history moves as it is: its base (the state kept at the cut) first — a
 * checkpoint in the database, a compacted log's header in a data dir — then the records after.
 * Named versions follow a document's records, each with its id, name, seq, time and author:
 * those the destination lacks (by id) are added, and the check at the end compares them too.
 */
import { createHash } from 'node:crypto';
import type { DocArchive, DocHistory } from '../archive.js';
import type { FileStore } from '../file/file-store.js';
import type { LogBase } from '../file/record-format.js';
import type { LogRecord } from '../record.js';
import { VersionError, sameVersions, type NamedVersion, type VersionLister } from '../named-versions.js';
import { PostgresVersions } from './pg-versions.js';
import { lastSeq } from '../replay.js';
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

/**
 * A compacted history's start: the document row, compacted before $2 and holding nothing else
 * yet (a row without records may be there: files came first, or a deleted document's row made
 * ready for its records, trash-move.ts), and its base as the checkpoint at $2. $3 time of record $2, $4 when it was compacted (ms).
 */
const IMPORT_BASE = `
  WITH doc AS (
    INSERT INTO tandem_documents AS d (name, last_seq, last_time, record_bytes, compacted_before, compacted_at)
    VALUES ($1, $2, ${ts('$3::int8')}, 0, $2, ${ts('$4::int8')})
    ON CONFLICT (name) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_time = EXCLUDED.last_time,
      compacted_before = EXCLUDED.compacted_before, compacted_at = EXCLUDED.compacted_at
    WHERE d.last_seq = 0 AND d.compacted_before = 0
    RETURNING d.id
  )
  INSERT INTO tandem_checkpoints (doc_id, seq, recorded_at, state) SELECT doc.id, $2, ${ts('$3::int8')}, $5 FROM doc`;

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
  /** Where the destination's history of the document was compacted (0: never). */
  compactedBefore(name: string): Promise<number>;
  /** The record at `seq`, to check that the destination's history is a prefix of the source's. */
  recordAt(name: string, seq: number): Promise<LogRecord | null>;
  /** Starts a document the destination has nothing of from a compacted history's base. */
  writeBase(name: string, base: LogBase): Promise<void>;
  write(name: string, records: readonly LogRecord[], expectedLast: number): Promise<void>;
  checkpoint?(name: string, seq: number, state: Uint8Array): Promise<void>;
  /** Adds a named version as it is (its id and time kept). */
  addVersion(name: string, version: NamedVersion): Promise<void>;
}

/** Where documents are read from, and read back from once copied: their histories and named versions. */
export type Archive = DocArchive & VersionLister;

/** The source's named versions of `name` that `readBack` lacks, added to `destination`; what failed, for the report. */
async function copyVersions(name: string, source: Archive, destination: Destination, readBack: Archive, problems: string[]): Promise<void> {
  const theirs = new Set((await readBack.listVersions(name)).map((v) => v.id));
  for (const version of await source.listVersions(name)) {
    if (theirs.has(version.id)) continue;
    try {
      await destination.addVersion(name, version);
    } catch (error) {
      if (!(error instanceof VersionError)) throw error;
      problems.push(`${JSON.stringify(name)}: the version named ${JSON.stringify(version.name)} was not copied: ${error.message}`);
    }
  }
}

const sameRecord = (a: LogRecord, b: LogRecord): boolean =>
  a.seq === b.seq && a.timeMs === b.timeMs && a.author === b.author && Buffer.compare(Buffer.from(a.update), Buffer.from(b.update)) === 0;

/** A compacted history's base: the state kept at the cut (the checkpoint there). Null when it is not compacted. */
async function baseOf(history: DocHistory): Promise<LogBase | null> {
  const compacted = history.compacted;
  if (!compacted) return null;
  const state = await history.checkpoints.find((c) => c.seq === compacted.seq)?.load();
  if (!state) throw new Error(`the state kept where ${JSON.stringify(history.name)} was compacted (seq ${compacted.seq}) cannot be read`);
  return { ...compacted, state };
}

/** A digest of a document's history (its base, then each record's seq, time, author, update), for the comparison at the end. */
async function digest(history: DocHistory): Promise<string> {
  const hash = createHash('sha256');
  const base = await baseOf(history);
  if (base) hash.update(`base ${base.seq}\0${base.timeMs}\0`).update(base.state);
  for (const r of history.records) hash.update(`${r.seq}\0${r.timeMs}\0${r.author ?? '\u0001'}\0`).update(r.update);
  return hash.digest('hex');
}

async function move(source: Archive, destination: Destination, readBack: Archive, options: MoveOptions): Promise<MoveReport> {
  const chunk = options.chunkRecords ?? 1000;
  const report: MoveReport = { docs: 0, records: 0, problems: [] };
  const refused = new Set<string>();
  const refuse = (name: string, why: string): void => {
    report.problems.push(`${JSON.stringify(name)}: not copied, ${why}`);
    refused.add(name);
  };
  for (const summary of await source.listDocs()) {
    options.signal?.throwIfAborted();
    const name = summary.name;
    const history = await source.readHistory(name);
    if (!history) continue;
    // Records run on from the cut of a compacted history (1 for one never compacted).
    const first = (history.compacted?.seq ?? 0) + 1;
    let base: LogBase | null;
    try {
      base = await baseOf(history);
    } catch (error) {
      history.problems.push({ path: name, message: (error as Error).message });
      base = null;
    }
    if (history.problems.length > 0 || history.records.some((r, i) => r.seq !== first + i)) {
      const found = history.problems.map(describeProblem).join('; ') || 'records are missing';
      refuse(name, `its history is damaged (${found}); run tandem verify`);
      continue;
    }
    const last = await destination.lastSeq(name);
    const sourceLast = lastSeq(history);
    const theirBase = last > 0 ? await destination.compactedBefore(name) : first - 1;
    const theirs = last >= first ? await destination.recordAt(name, last) : null;
    const ours = history.records[last - first];
    if (last > sourceLast || theirBase !== first - 1 || (last >= first && (!theirs || !ours || !sameRecord(theirs, ours)))) {
      refuse(name, `the destination holds a different history (${last} records${theirBase > 0 ? `, compacted before seq ${theirBase}` : ''})`);
      continue;
    }
    if (last === 0 && base) await destination.writeBase(name, base);
    let done = Math.max(last, first - 1);
    while (done < sourceLast) {
      options.signal?.throwIfAborted();
      const records = history.records.slice(done - first + 1, done - first + 1 + chunk);
      await destination.write(name, records, done);
      done += records.length;
      report.records += records.length;
      options.onChunk?.();
    }
    for (const checkpoint of destination.checkpoint ? history.checkpoints : []) {
      const state = await checkpoint.load();
      if (state) await destination.checkpoint?.(name, checkpoint.seq, state);
    }
    await copyVersions(name, source, destination, readBack, report.problems);
    report.docs += 1;
    options.onDoc?.(name, done - Math.max(last, first - 1), sourceLast);
  }
  // Verify: every document of the source, record for record, in the destination.
  for (const summary of await source.listDocs()) {
    if (refused.has(summary.name)) continue;
    const [a, b] = [await source.readHistory(summary.name), await readBack.readHistory(summary.name)];
    if (a && b && (await digest(a)) !== (await digest(b))) report.problems.push(`${JSON.stringify(summary.name)}: the copy differs from the source`);
    if (a && !b && lastSeq(a) > 0) report.problems.push(`${JSON.stringify(summary.name)}: missing from the destination`);
    if (a && b && !sameVersions(await source.listVersions(summary.name), await readBack.listVersions(summary.name))) {
      report.problems.push(`${JSON.stringify(summary.name)}: its named versions in the destination differ from the source's`);
    }
  }
  return report;
}

/** Data dir → database. */
export function copyIntoDatabase(source: Archive, db: Database, options: MoveOptions = {}): Promise<MoveReport> {
  const archive = new PostgresArchive(db);
  const versions = new PostgresVersions(db);
  return move(source, {
    lastSeq: async (name) => (await archive.findDoc(name))?.last_seq ?? 0,
    compactedBefore: async (name) => (await archive.findDoc(name))?.compacted_before ?? 0,
    writeBase: async (name, base) => {
      const result = await db.pool.query(IMPORT_BASE, [name, base.seq, base.timeMs, base.compactedAtMs, Buffer.from(base.state)]);
      if (result.rowCount !== 1) throw new Error(`${JSON.stringify(name)} changed in ${db.label} while it was being copied (is a server writing to it?)`);
    },
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
    addVersion: async (name, version) => void (await versions.addVersion(name, version)),
  }, archive, options);
}

/**
 * Database → data dir (through a file store, which writes its own checkpoints as it goes).
 * `source` is what to copy: by default every live document of the database.
 */
export function copyIntoDataDir(db: Database, store: FileStore, options: MoveOptions = {}, source: Archive = new PostgresArchive(db)): Promise<MoveReport> {
  return move(source, {
    lastSeq: (name) => store.durableSeq(name),
    compactedBefore: async (name) => (await store.readHistory(name))?.compacted?.seq ?? 0,
    writeBase: (name, base) => store.startFromBase(name, base),
    recordAt: async (name, seq) => (await store.readHistory(name))?.records.find((r) => r.seq === seq) ?? null,
    write: (name, records) => store.appendRecords(name, records),
    addVersion: async (name, version) => void (await store.addVersion(name, version)),
  }, store, options);
}
