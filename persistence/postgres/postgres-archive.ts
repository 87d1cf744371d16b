/**
 * Documents' histories in the database, read-only: for the replay commands and `/api`, with a
 * server running or not. A history is read in one snapshot (database.ts `snapshot`), so it never
 * sees half a write cycle, nor half a compaction; checkpoints' states are read in it too (a
 * compaction may remove them right after).
 */
import type { CompactedHistory, DocArchive, DocHistory, DocSummary, HistoryCheckpoint } from '../archive.js';
import type { LogRecord, StoreProblem } from '../record.js';
import type { Database, Queryable } from './database.js';
import { CHECKPOINTS_OF, DOC_BY_NAME, LIST_DOCS, RECORDS_BETWEEN } from './sql.js';
import type { NamedVersion, VersionLister } from '../named-versions.js';
import { PostgresVersions } from './pg-versions.js';

/** Records read per query when reading a whole history. */
const PAGE = 5000;

export interface DocRow {
  id: number;
  /** For a deleted document, a name no document can have (sql.ts); its own is `deleted_name`. */
  name: string;
  deleted_name?: string | null;
  last_seq: number;
  last_ms: number;
  /** Records 1..compacted_before were dropped by `tandem compact` (0: never compacted). */
  compacted_before: number;
  compacted_at_ms: number | null;
}

export interface StoredCheckpoint {
  seq: number;
  /** Time of the record it was made at. */
  time_ms: number;
  state: Buffer;
}

export class PostgresArchive implements DocArchive, VersionLister {
  constructor(readonly db: Database) {}

  listVersions(name: string): Promise<NamedVersion[]> {
    return new PostgresVersions(this.db).listVersions(name);
  }

  /** Where a document's rows are, for problems and checkpoint descriptions. */
  describe(table: string, name: string, seq?: number): string {
    return `${this.db.label} ${table} (document ${JSON.stringify(name)}${seq === undefined ? '' : `, seq ${seq}`})`;
  }

  /** `describe` for a document's row: a deleted one by its own name, in the trash, with its id. */
  describeDoc(table: string, doc: DocRow, seq?: number): string {
    if (doc.deleted_name === undefined || doc.deleted_name === null) return this.describe(table, doc.name, seq);
    return `${this.db.label} ${table} (document ${JSON.stringify(doc.deleted_name)} in the trash, id ${doc.id}${seq === undefined ? '' : `, seq ${seq}`})`;
  }

  async listDocs(): Promise<DocSummary[]> {
    const { rows } = await this.db.pool.query<DocRow & { bytes: number; last_author: string | null }>(LIST_DOCS);
    return rows.map((r) => ({
      name: r.name,
      bytes: r.bytes,
      records: r.last_seq,
      lastChangeMs: r.last_seq > 0 ? r.last_ms : null,
      lastAuthor: r.last_author,
    }));
  }

  async findDoc(name: string, q: Queryable = this.db.pool): Promise<DocRow | null> {
    return (await q.query<DocRow>(DOC_BY_NAME, [name])).rows[0] ?? null;
  }

  async checkpointsOf(doc: DocRow, q: Queryable = this.db.pool): Promise<StoredCheckpoint[]> {
    return (await q.query<StoredCheckpoint>(CHECKPOINTS_OF, [doc.id])).rows;
  }

  /**
   * Records `after` < seq ≤ `upTo` in pages, in order; each page is handed over as it arrives.
   * Reports a gap (a record missing, which a database holding what Tandem wrote never has).
   */
  async eachRecordPage(doc: DocRow, after: number, upTo: number, onPage: (records: LogRecord[]) => void | Promise<void>, q: Queryable = this.db.pool): Promise<StoreProblem[]> {
    const problems: StoreProblem[] = [];
    let expected = after + 1;
    for (let from = after; from < upTo; ) {
      const { rows } = await q.query<{ seq: number; time_ms: number; author: string | null; yjs_update: Buffer }>(RECORDS_BETWEEN, [doc.id, from, upTo, PAGE]);
      if (rows.length === 0) break;
      const records = rows.map((r) => ({ seq: r.seq, timeMs: r.time_ms, author: r.author, update: new Uint8Array(r.yjs_update.buffer, r.yjs_update.byteOffset, r.yjs_update.byteLength) }));
      for (const record of records) {
        if (record.seq !== expected) problems.push({ path: this.describeDoc('tandem_records', doc), message: `records ${expected}–${record.seq - 1} are missing` });
        expected = record.seq + 1;
      }
      await onPage(records);
      from = records.at(-1)?.seq ?? upTo;
    }
    if (expected <= upTo) problems.push({ path: this.describeDoc('tandem_records', doc), message: `records ${expected}–${upTo} are missing (the document's last_seq is ${upTo})` });
    return problems;
  }

  /**
   * Where a compacted document's history starts: null when it never was. The checkpoint at the
   * cut is the only way to the states after it; its absence is reported in `problems`.
   */
  compactedOf(doc: DocRow, checkpoints: readonly StoredCheckpoint[], problems: StoreProblem[]): (CompactedHistory & { state: Buffer | null }) | null {
    if (doc.compacted_before === 0) return null;
    const base = checkpoints.find((c) => c.seq === doc.compacted_before);
    if (!base) {
      problems.push({
        path: this.describeDoc('tandem_checkpoints', doc, doc.compacted_before),
        message: `history before seq ${doc.compacted_before} was compacted, but the checkpoint kept there is missing: the states from it to the next checkpoint cannot be rebuilt`,
      });
    }
    const compactedAtMs = doc.compacted_at_ms ?? 0;
    return { seq: doc.compacted_before, timeMs: base?.time_ms ?? compactedAtMs, compactedAtMs, state: base?.state ?? null };
  }

  readHistory(name: string): Promise<DocHistory | null> {
    return this.db.snapshot(async (client) => {
      const doc = await this.findDoc(name, client);
      if (!doc) return null;
      const records: LogRecord[] = [];
      const problems = await this.eachRecordPage(doc, doc.compacted_before, doc.last_seq, (page) => void records.push(...page), client);
      const stored = await this.checkpointsOf(doc, client);
      const base = this.compactedOf(doc, stored, problems);
      const checkpoints: HistoryCheckpoint[] = stored.reverse().map((c) => ({
        seq: c.seq,
        path: this.describeDoc('tandem_checkpoints', doc, c.seq),
        load: () => Promise.resolve(new Uint8Array(c.state)),
      }));
      const compacted = base ? { seq: base.seq, timeMs: base.timeMs, compactedAtMs: base.compactedAtMs } : null;
      return { name, compacted, records, checkpoints, problems };
    });
  }
}
