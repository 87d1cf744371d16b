/**
 * A COMMIT that never reached the database, its connection gone: the store cannot know whether
 * the batch committed, and must find out before it retries — exactly, whatever happened since.
 * - The database stays up: the batch's session is still open inside its transaction; the store
 *   ends that session and retries.
 * - The database crashes before anything of that transaction reached its WAL on disk: after
 *   recovery the transaction never happened, and its transaction id was never given out as far
 *   as the database knows. It hands that id out again: the id is first "in the future", later
 *   someone else's (committed) transaction. Neither may stall the store or pass for a commit.
 *
 * The WAL writer is slowed down (its longest delay, 10 s) so that nothing of the open
 * transaction is written before the crash; autovacuum is off for the same reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import * as Y from 'yjs';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { within } from '../helpers/clients.js';
import { CommitCutter } from '../helpers/commit-cutter.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { captureLogger } from '../helpers/store-logger.js';
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { waitFor } from '../helpers/wait.js';

let cluster: PgCluster;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  cluster = await PgCluster.start({ settings: { wal_writer_delay: '10000ms', autovacuum: 'off' } });
});
afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await cluster.destroy();
});

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

type Aftermath = 'database up' | 'crash' | 'crash, id reused';

/**
 * Appends "b" and "c" after "a" while their COMMIT is lost, then lets `aftermath` happen before
 * the store can look ("id reused": other transactions take the lost transaction id, and go past
 * it). Both appends must resolve with seqs 2 and 3 and be stored exactly once.
 */
async function loseCommit(aftermath: Aftermath): Promise<void> {
  const url = await cluster.createDatabase('lost');
  const cutter = await CommitCutter.start(cluster.port);
  cleanup.push(() => cutter.close());
  const logger = captureLogger();
  const store = new PostgresStore(url.replace(`:${cluster.port}/`, `:${cutter.port}/`), { logger, retryMinMs: 10, retryMaxMs: 100 });
  // A store whose records never committed would wait for them forever.
  cleanup.push(() => within(store.close(), 20_000, 'the store to close'));
  const doc = new Y.Doc();
  expect(await store.append('lost', appendTextUpdate(doc, 'a'), { author: null })).toBe(1);

  cutter.arm('commit');
  cutter.refusing = true;
  const appended = Promise.all(['b', 'c'].map((t) => store.append('lost', appendTextUpdate(doc, t), { author: null })));
  await waitFor(() => cutter.cuts === 1, 'the COMMIT to be lost', 20_000);
  // The batch's session, still inside its transaction.
  const lostXid = await withClient(url, async (c) => {
    const { rows } = await c.query<{ xid: string }>("SELECT backend_xid::text AS xid FROM pg_stat_activity WHERE state = 'idle in transaction'");
    return Number(rows[0]?.xid);
  });
  expect(lostXid).toBeGreaterThan(0);
  if (aftermath !== 'database up') {
    await cluster.stop('immediate');
    await cluster.startServer();
  }
  if (aftermath === 'crash, id reused') {
    await withClient(url, async (c) => {
      for (let i = 0; i < 1000; i += 1) {
        const { rows } = await c.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
        if (Number(rows[0]?.xid) > lostXid) return;
      }
    });
  }
  cutter.refusing = false;

  expect(await within(appended, 30_000, 'the lost batch to be retried and committed')).toEqual([2, 3]);
  expect(logger.lines.filter((l) => l.includes('commit outcome unknown'))).toHaveLength(1);
  if (aftermath === 'database up') expect(logger.lines.some((l) => l.includes(`transaction ${lostXid} is still open; ended its session`))).toBe(true);
  const rows = await withClient(url, async (c) => (await c.query<{ seq: number }>('SELECT seq::int FROM tandem_records ORDER BY seq')).rows);
  expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
  expect(textOf((await store.load('lost')).state)).toBe('abc');
  expect((await store.readHistory('lost'))?.problems).toEqual([]);
}

describe('a lost COMMIT', () => {
  it('ends the session still holding its transaction, then retries', () => loseCommit('database up'));
  it('is retried when a crash made the database forget its transaction id', () => loseCommit('crash'));
  it('is retried when its forgotten transaction id has been given to other transactions since', () => loseCommit('crash, id reused'));
});
