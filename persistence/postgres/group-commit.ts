/**
 * One write cycle against the database: one statement (sql.ts COMMIT_BATCH: sequence numbers
 * allocated and every record inserted), sent on its own so that it is its own transaction. Its
 * answer comes only once it has committed — node-postgres resolves a query at the server's
 * ReadyForQuery, which follows the commit — so one round trip makes a cycle durable.
 *
 * What can happen, and why a retry never writes a record twice:
 * - Nothing was sent (no connection, the database down or restarting): nothing committed; the
 *   records are retried as a new statement, which allocates seqs afresh.
 * - The server answered with an error (a constraint, a check at commit, a statement timeout):
 *   the statement's transaction was rolled back — an error that reaches us after a commit is
 *   a PANIC or FATAL, never a plain ERROR — and the records are retried.
 * - Anything else once the statement was sent (the connection lost, no answer in time, a FATAL
 *   error): the outcome is unknown. The statement may have committed, may still be running or
 *   waiting for a row lock, or may never have arrived. Settling it takes two steps on a new
 *   connection. First its transaction must be over: if the session that ran it is still there
 *   (found by the pid and start time asked when the connection was new), it is terminated —
 *   which rolls the statement back unless its commit is already under way, which then
 *   completes — and the question is asked again later. Then the statement committed if and
 *   only if its records are there: each document's records of the batch, after the last seq
 *   this server knew before sending, at consecutive seqs, with the very bytes sent. Found: the
 *   records resolve with those seqs. Not found: they are retried.
 *
 * The bytes cannot be mistaken for something else: a Yjs update carries its client id and
 * clock, so another writer's record has other bytes — and were the same bytes ever stored by
 * another writer, the seqs named still hold exactly what the records say. Transaction ids could
 * not serve: a crash can lose a transaction whose WAL never reached the disk, and after recovery
 * the database hands its id out again.
 */
import pg from 'pg';
import type { Database, Session } from './database.js';
import { BATCH_STORED, COMMIT_BATCH, COMMIT_BATCH_NAME, END_SESSION } from './sql.js';

export interface QueuedRecord {
  update: Uint8Array;
  author: string | null;
  timeMs: number;
}

export interface BatchDoc {
  name: string;
  records: readonly QueuedRecord[];
  /** A seq the batch's records certainly come after: the last one this server knows committed. */
  afterSeq: number;
}

/** A batch sent without an answer that says how it ended. */
export interface UncertainCommit {
  /** The session that ran it. */
  session: Session;
  docs: readonly BatchDoc[];
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
 * An error the server answered with: the statement's transaction was rolled back. The severity
 * is the server's localized one (node-postgres keeps no other): under an `lc_messages` in
 * another language no error passes, and each is settled like a lost answer — slower, as exact.
 */
function rolledBack(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity === 'ERROR';
}

/**
 * Runs one batch on the write cycle's own connection; never throws (every failure is an
 * outcome). It cannot hang: connecting and every query are bounded by the pool's timeouts, and
 * a connection that failed is dropped, never reused.
 */
export async function commitBatch(db: Database, docs: readonly BatchDoc[]): Promise<CommitOutcome> {
  // Set once the statement is about to be sent: from then on a failure may leave the outcome unknown.
  const sent: { on: Session | null } = { on: null };
  try {
    const lastSeqs = await db.withWriter(async (client) => {
      sent.on = await db.session(client);
      // Named: parsed once per connection, and its plan may be kept (sql.ts COMMIT_BATCH_NAME).
      const { rows } = await client.query<{ name: string; last_seq: number }>({ name: COMMIT_BATCH_NAME, text: COMMIT_BATCH, values: batchParams(docs) });
      const lastSeqs = new Map(rows.map((r) => [r.name, r.last_seq]));
      // Never (every document gets a row); it committed all the same, and settling finds out where.
      if (docs.some((doc) => !lastSeqs.has(doc.name))) throw new Error(`the batch returned seqs for ${rows.length} of ${docs.length} documents`);
      return lastSeqs;
    });
    return { kind: 'committed', lastSeqs };
  } catch (error) {
    if (!sent.on || rolledBack(error)) return { kind: 'failed', error };
    return { kind: 'uncertain', error, commit: { session: sent.on, docs } };
  }
}

/**
 * Whether an uncertain batch committed: each document's last seq once it is known that it did,
 * null once it is known that it did not; throws while that cannot be known yet (the database
 * unreachable, the session still there), to be asked again later.
 */
export async function settleCommit(db: Database, commit: UncertainCommit): Promise<Map<string, number> | null> {
  return db.withClient(async (client) => {
    const { pid, started } = commit.session;
    const ended = await client.query(END_SESSION, [pid, started]);
    if (ended.rows.length > 0) throw new Error(`session ${pid} that ran the batch was still there; ended it, asking again`);
    const records = commit.docs.flatMap((doc) => doc.records.map((record, i) => ({ name: doc.name, k: i + 1, update: toBuffer(record.update) })));
    const { rows } = await client.query<{ name: string; last_seq: number }>(BATCH_STORED, [
      records.map((r) => r.name), records.map((r) => r.k), records.map((r) => r.update),
      commit.docs.map((d) => d.name), commit.docs.map((d) => d.afterSeq), commit.docs.map((d) => d.records.length),
    ]);
    const found = new Map(rows.map((r) => [r.name, r.last_seq]));
    // One transaction: all there, or none of it is ours.
    return commit.docs.every((doc) => found.has(doc.name)) ? found : null;
  });
}
