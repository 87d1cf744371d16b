/**
 * A write cycle's statement whose answer never came back: the store cannot know whether it
 * committed, and must find out before it retries — exactly, whatever happened since. Each case
 * appends "b" and "c" after "a", and "x" to another document, in one batch whose connection is
 * cut, lets something happen before the store can look (new connections are refused
 * meanwhile), and then expects the appends to resolve with seqs 2, 3 and 1, stored exactly once:
 * - the statement never reached the database: its session is still there, idle; the store ends
 *   it and retries;
 * - the statement reached the database and waits for the document's row lock: the store ends
 *   its session mid-statement, so it never commits, and retries;
 * - the statement committed with nobody listening: the store ends the idle session and finds
 *   the records by their bytes, without writing them again;
 * - the database crashed while the statement waited: after recovery nothing of it is there;
 * - the database crashed after the statement committed: after recovery its records are found.
 * And a record with the very bytes of an earlier one is not mistaken for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import * as Y from 'yjs';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { within } from '../helpers/clients.js';
import { CommitCutter, type Cut } from '../helpers/commit-cutter.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { captureLogger } from '../helpers/store-logger.js';
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { DEADLINE_MS, waitFor, waitForAsync } from '../helpers/wait.js';

let cluster: PgCluster;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  cluster = await PgCluster.start();
});
afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await cluster.destroy();
});

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = await connect(url);
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The store's write sessions (application_name 'tandem') on its database, as the server lists
 * them: those whose last statement was a write cycle's (its pool's sessions ran other queries).
 */
const storeSessions = (url: string): Promise<{ pid: number; state: string; wait: string | null }[]> =>
  query(url, `SELECT pid, state, wait_event_type AS wait FROM pg_stat_activity
    WHERE application_name = 'tandem' AND datname = current_database() AND query LIKE '%INSERT INTO tandem_records%' ORDER BY pid`);

/** Every record as document:seq. */
const recordsStored = async (url: string): Promise<string[]> =>
  (await query<{ at: string }>(url, "SELECT d.name || ':' || r.seq AS at FROM tandem_records r JOIN tandem_documents d ON d.id = r.doc_id ORDER BY d.name, r.seq")).map((r) => r.at);

/** A store whose connections go through a commit cutter, on a fresh database. */
async function storeBehindCutter(): Promise<{ url: string; cutter: CommitCutter; store: PostgresStore; logger: ReturnType<typeof captureLogger> }> {
  const url = await cluster.createDatabase('lost');
  const cutter = await CommitCutter.start(cluster.port);
  cleanup.push(() => cutter.close());
  const logger = captureLogger();
  const store = new PostgresStore(url.replace(`:${cluster.port}/`, `:${cutter.port}/`), { logger, retryMinMs: 10, retryMaxMs: 100 });
  // A store whose records never committed would wait for them forever.
  cleanup.push(() => within(store.close(), DEADLINE_MS, 'the store to close'));
  return { url, cutter, store, logger };
}

interface Case {
  cut: Cut;
  /** The document's row is locked by another session until the store has settled. */
  locked?: boolean;
  crash?: boolean;
  /** What the store must find when it looks: the session, and whether the records are stored. */
  sessionLeft: 'idle' | 'waiting for a lock' | 'gone';
  stored: boolean;
}

async function loseAnswer(c: Case): Promise<void> {
  const { url, cutter, store, logger } = await storeBehindCutter();
  const doc = new Y.Doc();
  const other = new Y.Doc();
  expect(await store.append('lost', appendTextUpdate(doc, 'a'), { author: null })).toBe(1);

  const locker = c.locked ? await connect(url) : null;
  // A client whose server crashed may never see its end: bounded.
  if (locker) cleanup.push(() => within(locker.end(), 5000, 'the lock holder to disconnect').catch(() => undefined));
  await locker?.query("BEGIN; SELECT 1 FROM tandem_documents WHERE name = 'lost' FOR UPDATE");

  cutter.arm(c.cut);
  cutter.refusing = true;
  // One batch: two records of one document, the first of another.
  const appended = Promise.all([
    ...['b', 'c'].map((t) => store.append('lost', appendTextUpdate(doc, t), { author: null })),
    store.append('other', appendTextUpdate(other, 'x'), { author: null }),
  ]);
  await waitFor(() => cutter.cuts === 1, 'the statement to be cut off', DEADLINE_MS);

  let lostPid = 0;
  if (c.sessionLeft !== 'gone') {
    const left = (s: { state: string; wait: string | null }): boolean =>
      c.sessionLeft === 'idle' ? s.state === 'idle' : s.state === 'active' && s.wait === 'Lock';
    await waitForAsync(async () => (await storeSessions(url)).some(left), `the cut session to be ${c.sessionLeft}`, DEADLINE_MS);
    const sessions = await storeSessions(url);
    expect(sessions).toHaveLength(1);
    lostPid = sessions[0]?.pid ?? 0;
  }
  const all = ['lost:1', 'lost:2', 'lost:3', 'other:1'];
  if (c.stored) await waitForAsync(async () => (await recordsStored(url)).length === all.length, 'the statement to commit', DEADLINE_MS);
  if (c.crash) {
    await cluster.stop('immediate');
    await cluster.startServer();
  }
  expect(await recordsStored(url)).toEqual(c.stored ? all : ['lost:1']);
  cutter.refusing = false;

  if (locker && !c.crash) {
    // The settle ends the waiting session first; only then may the lock go.
    await waitFor(() => logger.lines.some((l) => l.includes(`session ${lostPid} that ran the batch was still there; ended it`)), 'the store to end the session', DEADLINE_MS);
    await locker.query('COMMIT');
  }
  expect(await within(appended, DEADLINE_MS, 'the lost batch to be settled')).toEqual([2, 3, 1]);
  expect(logger.lines.filter((l) => l.includes('commit outcome unknown'))).toHaveLength(1);
  const ended = logger.lines.some((l) => l.includes(`session ${lostPid} that ran the batch was still there; ended it`));
  // A crash ended the session itself.
  expect(ended).toBe(lostPid > 0 && !c.crash);
  // Stored once, in one transaction: by the cut statement if it committed, else by the retry.
  const stored = await query<{ records: number; transactions: number }>(url, `SELECT count(*)::int AS records, count(DISTINCT r.xmin::text)::int AS transactions
    FROM tandem_records r JOIN tandem_documents d ON d.id = r.doc_id WHERE NOT (d.name = 'lost' AND r.seq = 1)`);
  expect(stored).toEqual([{ records: 3, transactions: 1 }]);
  expect(await recordsStored(url)).toEqual(all);
  expect(textOf((await store.load('lost')).state)).toBe('abc');
  expect(textOf((await store.load('other')).state)).toBe('x');
  expect((await store.readHistory('lost'))?.problems).toEqual([]);
  expect(await store.append('lost', appendTextUpdate(doc, 'd'), { author: null })).toBe(4);
}

describe('a write cycle whose answer was lost', () => {
  it('ends the idle session when the statement never arrived, then retries', () =>
    loseAnswer({ cut: 'unsent', sessionLeft: 'idle', stored: false }));
  it('ends the session while its statement waits for a row lock, so it never commits, then retries', () =>
    loseAnswer({ cut: 'sent', locked: true, sessionLeft: 'waiting for a lock', stored: false }));
  it('finds the records of a statement that committed with nobody listening, and does not write them again', () =>
    loseAnswer({ cut: 'sent', sessionLeft: 'idle', stored: true }));
  it('retries a statement the database crashed under before it could commit', () =>
    loseAnswer({ cut: 'sent', locked: true, crash: true, sessionLeft: 'waiting for a lock', stored: false }));
  it('finds the records of a statement that committed before the database crashed', () =>
    loseAnswer({ cut: 'answer', crash: true, sessionLeft: 'gone', stored: true }));

  it('does not take an earlier record with the same bytes for the lost one', async () => {
    const { url, cutter, store } = await storeBehindCutter();
    const update = appendTextUpdate(new Y.Doc(), 'a');
    expect(await store.append('same', update, { author: null })).toBe(1);
    cutter.arm('unsent');
    const again = store.append('same', update, { author: null });
    await waitFor(() => cutter.cuts === 1, 'the statement to be cut off', DEADLINE_MS);
    expect(await within(again, DEADLINE_MS, 'the lost batch to be settled')).toBe(2);
    expect(await recordsStored(url)).toEqual(['same:1', 'same:2']);
  });
});
