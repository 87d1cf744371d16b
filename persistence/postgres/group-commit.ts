/**
 * One write cycle against the database: BEGIN, the batch (sql.ts COMMIT_BATCH: sequence
 * numbers allocated and every record inserted in one statement), COMMIT.
 *
 * What can happen, and why a retry never writes a record twice:
 * - BEGIN or the batch fails (the database is down, restarting, a timeout): nothing committed —
 *   a transaction that never reached COMMIT is rolled back by the server, whatever happened to
 *   the connection. The records are retried as a new transaction, which allocates seqs afresh.
 * - COMMIT fails: the outcome is unknown (the server may have committed and lost the connection
 *   before answering). Settling it takes two steps on a new connection. First the transaction
 *   must be over: if the old session still holds it (found by pid and transaction id), that
 *   session is terminated — which aborts the transaction unless its commit is already under
 *   way — and the question is asked again later. Then a finished transaction committed if and
 *   only if its records are there: each document's last record of the batch, at the seq the
 *   batch returned, with the very bytes sent. Committed: the records resolve with those seqs;
 *   not: they are retried.
 *
 * Why not ask `pg_xact_status(xid)`: a crash can lose a transaction whose WAL never reached the
 * disk, and with it the transaction id itself. After recovery the database hands that id out
 * again, so its status is at first "in the future" (an error, for as long as nothing else
 * commits) and later that of someone else's transaction — possibly "committed", for records
 * that were never stored. The records themselves cannot be mistaken: a seq holds one record,
 * and another writer's record there has other bytes (a Yjs update carries its client id and
 * clock).
 */
import type { Database } from './database.js';
import { COMMIT_BATCH, END_TRANSACTION_HOLDER, RECORDS_PRESENT } from './sql.js';

export interface QueuedRecord {
  update: Uint8Array;
  author: string | null;
  timeMs: number;
}

export interface BatchDoc {
  name: string;
  records: readonly QueuedRecord[];
}

/** A batch whose COMMIT went unanswered. */
export interface UncertainCommit {
  /** The transaction and the session that ran it. */
  xid: string;
  pid: number;
  /** Each document's last seq, if the transaction did commit. */
  lastSeqs: Map<string, number>;
  /** Each document's last record of the batch, stored at that seq if and only if the batch committed. */
  lastRecords: { name: string; seq: number; update: Uint8Array }[];
}

export type CommitOutcome =
  | { kind: 'committed'; lastSeqs: Map<string, number> }
  | { kind: 'failed'; error: unknown }
  | { kind: 'uncertain'; error: unknown; commit: UncertainCommit };

/** The bytes as a Buffer without copying (pg sends Buffers as bytea). */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function batchParams(docs: readonly BatchDoc[]): unknown[] {
  const names: string[] = [];
  const counts: number[] = [];
  const bytes: number[] = [];
  const lastMs: number[] = [];
  const recName: string[] = [];
  const recK: number[] = [];
  const recMs: number[] = [];
  const recAuthor: (string | null)[] = [];
  const recUpdate: Buffer[] = [];
  for (const doc of docs) {
    names.push(doc.name);
    counts.push(doc.records.length);
    let size = 0;
    doc.records.forEach((record, i) => {
      size += record.update.byteLength;
      recName.push(doc.name);
      recK.push(i + 1);
      recMs.push(record.timeMs);
      recAuthor.push(record.author);
      recUpdate.push(toBuffer(record.update));
    });
    bytes.push(size);
    lastMs.push(doc.records.at(-1)?.timeMs ?? Date.now());
  }
  return [names, counts, bytes, lastMs, recName, recK, recMs, recAuthor, recUpdate];
}

/**
 * Runs one batch; never throws (every failure is an outcome). It cannot hang: connecting and
 * every query are bounded by the pool's timeouts, and a connection that failed is dropped, never
 * reused — a transaction it left open is rolled back by the server.
 */
export async function commitBatch(db: Database, docs: readonly BatchDoc[]): Promise<CommitOutcome> {
  // Set once the COMMIT is about to be sent: from then on a failure leaves the outcome unknown.
  const sent: { commit: UncertainCommit | null } = { commit: null };
  try {
    const lastSeqs = await db.withClient(async (client) => {
      await client.query('BEGIN');
      const { rows } = await client.query<{ name: string; last_seq: number; xid: string; pid: number }>(COMMIT_BATCH, batchParams(docs));
      const first = rows[0];
      const lastSeqs = new Map(rows.map((r) => [r.name, r.last_seq]));
      if (!first || docs.some((doc) => !lastSeqs.has(doc.name))) throw new Error(`the batch returned seqs for ${rows.length} of ${docs.length} documents`);
      const lastRecords = docs.flatMap((doc) => {
        const last = doc.records.at(-1);
        const seq = lastSeqs.get(doc.name);
        return last && seq !== undefined ? [{ name: doc.name, seq, update: last.update }] : [];
      });
      sent.commit = { xid: first.xid, pid: first.pid, lastSeqs, lastRecords };
      await client.query('COMMIT');
      return lastSeqs;
    });
    return { kind: 'committed', lastSeqs };
  } catch (error) {
    return sent.commit ? { kind: 'uncertain', error, commit: sent.commit } : { kind: 'failed', error };
  }
}

/**
 * Whether an uncertain commit happened: true or false once known; throws while that cannot be
 * known yet (the database unreachable, the transaction still open), to be asked again later.
 */
export async function settleCommit(db: Database, commit: UncertainCommit): Promise<boolean> {
  return db.withClient(async (client) => {
    const holder = await client.query(END_TRANSACTION_HOLDER, [commit.pid, commit.xid]);
    if (holder.rows.length > 0) throw new Error(`transaction ${commit.xid} is still open; ended its session, asking again`);
    const records = commit.lastRecords;
    const { rows } = await client.query<{ present: number }>(RECORDS_PRESENT, [
      records.map((r) => r.name), records.map((r) => r.seq), records.map((r) => toBuffer(r.update)),
    ]);
    return rows[0]?.present === records.length;
  });
}
