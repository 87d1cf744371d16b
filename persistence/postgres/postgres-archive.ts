/**
 * Documents' histories in the database, read-only: for the replay commands and `/api`, with a
 * server running or not. Reads only what has committed, so it never sees half a write cycle.
 */
import type { DocArchive, DocHistory, DocSummary, HistoryCheckpoint } from '../archive.js';
import type { LogRecord, StoreProblem } from '../record.js';
import type { Database } from './database.js';
import { CHECKPOINT_SEQS, CHECKPOINT_STATE, DOC_BY_NAME, LIST_DOCS, RECORDS_BETWEEN } from './sql.js';

/** Records read per query when reading a whole history. */
const PAGE = 5000;

export interface DocRow {
  id: number;
  name: string;
  last_seq: number;
  last_ms: number;
}

export class PostgresArchive implements DocArchive {
  constructor(readonly db: Database) {}

  /** Where a document's rows are, for problems and checkpoint descriptions. */
  describe(table: string, name: string, seq?: number): string {
    return `${this.db.label} ${table} (document ${JSON.stringify(name)}${seq === undefined ? '' : `, seq ${seq}`})`;
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

  async findDoc(name: string): Promise<DocRow | null> {
    return (await this.db.pool.query<DocRow>(DOC_BY_NAME, [name])).rows[0] ?? null;
  }

  /**
   * Records `after` < seq ≤ `upTo` in pages, in order; each page is handed over as it arrives.
   * Reports a gap (a record missing, which a database holding what Tandem wrote never has).
   */
  async eachRecordPage(doc: DocRow, after: number, upTo: number, onPage: (records: LogRecord[]) => void | Promise<void>): Promise<StoreProblem[]> {
    const problems: StoreProblem[] = [];
    let expected = after + 1;
    for (let from = after; from < upTo; ) {
      const { rows } = await this.db.pool.query<{ seq: number; time_ms: number; author: string | null; yjs_update: Buffer }>(RECORDS_BETWEEN, [doc.id, from, upTo, PAGE]);
      if (rows.length === 0) break;
      const records = rows.map((r) => ({ seq: r.seq, timeMs: r.time_ms, author: r.author, update: new Uint8Array(r.yjs_update.buffer, r.yjs_update.byteOffset, r.yjs_update.byteLength) }));
      for (const record of records) {
        if (record.seq !== expected) problems.push({ path: this.describe('tandem_records', doc.name), message: `records ${expected}–${record.seq - 1} are missing` });
        expected = record.seq + 1;
      }
      await onPage(records);
      from = records.at(-1)?.seq ?? upTo;
    }
    if (expected <= upTo) problems.push({ path: this.describe('tandem_records', doc.name), message: `records ${expected}–${upTo} are missing (the document's last_seq is ${upTo})` });
    return problems;
  }

  async readHistory(name: string): Promise<DocHistory | null> {
    const doc = await this.findDoc(name);
    if (!doc) return null;
    const records: LogRecord[] = [];
    const problems = await this.eachRecordPage(doc, 0, doc.last_seq, (page) => void records.push(...page));
    const seqs = (await this.db.pool.query<{ seq: number }>(CHECKPOINT_SEQS, [doc.id])).rows.map((r) => r.seq);
    const checkpoints: HistoryCheckpoint[] = seqs.map((seq) => ({
      seq,
      path: this.describe('tandem_checkpoints', name, seq),
      load: async () => {
        const row = (await this.db.pool.query<{ state: Buffer }>(CHECKPOINT_STATE, [doc.id, seq])).rows[0];
        return row ? new Uint8Array(row.state) : null;
      },
    }));
    return { name, compacted: null, records, checkpoints, problems };
  }
}
