/**
 * One write cycle against the database: BEGIN, the batch (sql.ts COMMIT_BATCH: sequence
 * numbers allocated and every record inserted in one statement), COMMIT.
 *
 * What can happen, and why a retry never writes a record twice:
 * - BEGIN or the batch fails (the database is down, restarting, a timeout): nothing committed —
 *   a transaction that never reached COMMIT is rolled back by the server, whatever happened to
 *   the connection. The records are retried as a new transaction, which allocates seqs afresh.
 * - COMMIT fails: the outcome is unknown (the server may have committed and lost the connection
 *   before answering). The batch's transaction id was read inside the transaction, so on a new
 *   connection `pg_xact_status` tells: committed (the records are in, with the seqs the batch
 *   returned: resolve them), aborted (retry), or in progress (the old session still holds it:
 *   terminate that session, which aborts it unless its commit is under way, and ask again).
 *   Deciding by transaction id, not by looking for the records, stays exact when other servers
 *   append to the same documents meanwhile.
 */
import type pg from 'pg';
import type { Database } from './database.js';
import { COMMIT_BATCH, TERMINATE_BACKEND, XACT_STATUS } from './sql.js';

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
  xid: string;
  pid: number;
  /** Each document's last seq, if the transaction did commit. */
  lastSeqs: Map<string, number>;
}

export type CommitOutcome =
  | { kind: 'committed'; lastSeqs: Map<string, number> }
  | { kind: 'failed'; error: unknown }
  | { kind: 'uncertain'; error: unknown; commit: UncertainCommit };

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
      recUpdate.push(Buffer.from(record.update.buffer, record.update.byteOffset, record.update.byteLength));
    });
    bytes.push(size);
    lastMs.push(doc.records.at(-1)?.timeMs ?? Date.now());
  }
  return [names, counts, bytes, lastMs, recName, recK, recMs, recAuthor, recUpdate];
}

/**
 * Runs one batch; never throws (every failure is an outcome). A batch still unsettled after
 * `deadlineMs` (a connection that hangs past every driver timeout) is abandoned: its connection
 * is destroyed and it never sends COMMIT afterwards, so "failed" stays true; if COMMIT was
 * already sent, the outcome is "uncertain" and settled by transaction id like any other.
 */
export async function commitBatch(db: Database, docs: readonly BatchDoc[], deadlineMs: number): Promise<CommitOutcome> {
  const state: { client: pg.PoolClient | null; released: boolean; abandoned: boolean; uncertain: UncertainCommit | null } = {
    client: null, released: false, abandoned: false, uncertain: null,
  };
  const release = (error?: Error): void => {
    if (!state.client || state.released) return;
    state.released = true;
    state.client.release(error);
  };
  const work = runBatch(db, docs, state, release);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CommitOutcome>((resolve) => {
    timer = setTimeout(() => {
      state.abandoned = true;
      const error = new Error(`no answer from the database in ${deadlineMs} ms`);
      release(error);
      resolve(state.uncertain ? { kind: 'uncertain', error, commit: state.uncertain } : { kind: 'failed', error });
    }, deadlineMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function runBatch(
  db: Database,
  docs: readonly BatchDoc[],
  state: { client: pg.PoolClient | null; abandoned: boolean; uncertain: UncertainCommit | null },
  release: (error?: Error) => void,
): Promise<CommitOutcome> {
  try {
    state.client = await db.pool.connect();
  } catch (error) {
    return { kind: 'failed', error };
  }
  const client = state.client;
  const ignore = (): void => {};
  client.on('error', ignore);
  try {
    if (state.abandoned) throw new Error('abandoned');
    await client.query('BEGIN');
    const { rows } = await client.query<{ name: string; last_seq: number; xid: string; pid: number }>(COMMIT_BATCH, batchParams(docs));
    const first = rows[0];
    if (!first) throw new Error('the batch returned no rows');
    // Past its deadline the batch is reported failed: it must never commit after that.
    if (state.abandoned) throw new Error('abandoned');
    const lastSeqs = new Map(rows.map((r) => [r.name, r.last_seq]));
    state.uncertain = { xid: first.xid, pid: first.pid, lastSeqs };
    await client.query('COMMIT');
    client.off('error', ignore);
    release();
    return { kind: 'committed', lastSeqs };
  } catch (error) {
    client.off('error', ignore);
    // Never reused: its state (an open or aborted transaction) is unknown.
    release(error instanceof Error ? error : new Error(String(error)));
    return state.uncertain ? { kind: 'uncertain', error, commit: state.uncertain } : { kind: 'failed', error };
  }
}

/**
 * Whether an uncertain commit happened: true or false once known; throws while the database
 * cannot tell (unreachable), to be asked again later.
 */
export async function settleCommit(db: Database, commit: UncertainCommit): Promise<boolean> {
  return db.withClient(async (client) => {
    const { rows } = await client.query<{ status: string | null }>(XACT_STATUS, [commit.xid]);
    const status = rows[0]?.status ?? null;
    if (status === 'committed') return true;
    // null: too old for the commit log to remember — not reachable within a retry's time. Were it
    // ever, retrying is the safe side: a record written twice only repeats a Yjs update, which
    // applies as a no-op, while a record wrongly taken as committed could be lost.
    if (status === 'aborted' || status === null) return false;
    // In progress: our old session is still open (its client side is gone). Terminating it
    // aborts the transaction, unless its commit is already under way; either way, ask again.
    await client.query(TERMINATE_BACKEND, [commit.pid]);
    throw new Error(`transaction ${commit.xid} is still in progress; ended its session, asking again`);
  });
}

/** `promise`, or a rejection once `ms` have passed: for reads that are safe to ask again. */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
