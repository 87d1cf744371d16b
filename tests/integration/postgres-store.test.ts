/**
 * What the PostgreSQL store promises beyond the shared contract: sequence numbers allocated
 * in the database (two stores on one document never collide), group commit, background
 * checkpoints (by one server at a time per document), migrations that servers starting
 * together take turns at (and that bring an earlier version's database up to date), refusing a
 * database that acknowledges commits before they are durable, batches whose answer is lost, and
 * batches the server refused.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import * as Y from 'yjs';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { CHECKPOINT_TRY_LOCK } from '../../persistence/postgres/sql.js';
import { MIGRATIONS } from '../../persistence/postgres/schema.js';
import { docAt } from '../../persistence/replay.js';
import { CommitCutter } from '../helpers/commit-cutter.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { captureLogger } from '../helpers/store-logger.js';
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';

let cluster: PgCluster;
const stores: PostgresStore[] = [];

beforeAll(async () => {
  cluster = await PgCluster.start();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await cluster.destroy();
});

function open(url: string, options: ConstructorParameters<typeof PostgresStore>[1] = {}): PostgresStore {
  const store = new PostgresStore(url, options);
  stores.push(store);
  return store;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgresStore', () => {
  it('gives two stores appending to one document at once consecutive seqs, none twice', async () => {
    const url = await cluster.createDatabase();
    const [a, b] = [open(url), open(url)];
    await Promise.all([a.ready(), b.ready()]);
    const docA = new Y.Doc();
    const docB = new Y.Doc();
    const seqsA: Promise<number>[] = [];
    const seqsB: Promise<number>[] = [];
    for (let round = 0; round < 20; round += 1) {
      for (let i = 0; i < 10; i += 1) {
        seqsA.push(a.append('shared', appendTextUpdate(docA, 'a'), { author: 'A' }));
        seqsB.push(b.append('shared', appendTextUpdate(docB, 'b'), { author: 'B' }));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const gotA = await Promise.all(seqsA);
    const gotB = await Promise.all(seqsB);
    // Each store's appends resolve in order, and together they are 1..400 exactly once.
    expect(gotA).toEqual([...gotA].sort((x, y) => x - y));
    expect(gotB).toEqual([...gotB].sort((x, y) => x - y));
    expect([...gotA, ...gotB].sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    const history = await a.readHistory('shared');
    expect(history?.problems).toEqual([]);
    expect(history?.records.filter((r) => r.author === 'A').map((r) => r.seq)).toEqual(gotA);
    const text = textOf((await open(url).load('shared')).state);
    expect(text.replace(/b/g, '')).toBe('a'.repeat(200));
    expect(text.replace(/a/g, '')).toBe('b'.repeat(200));
  });

  it('commits the updates of many documents that arrive together in one transaction', async () => {
    const store = open(await cluster.createDatabase());
    await store.ready();
    const pending: Promise<number>[] = [];
    for (let d = 0; d < 50; d += 1) {
      const doc = new Y.Doc();
      for (let i = 0; i < 4; i += 1) pending.push(store.append(`doc-${d}`, appendTextUpdate(doc, String(i)), { author: null }));
    }
    await Promise.all(pending);
    expect(store.stats()).toMatchObject({ cycles: 1, batches: 50, records: 200 });
  });

  it('writes checkpoints in the background, keeps the newest three, and loads from them', async () => {
    const url = await cluster.createDatabase();
    const store = open(url, { checkpointEvery: 10 });
    const doc = new Y.Doc();
    for (let i = 0; i < 45; i += 1) await store.append('cp', appendTextUpdate(doc, String(i % 10)), { author: 'u' });
    await waitFor(() => store.stats().checkpoints >= 4, 'four checkpoints', 20_000);
    await store.flush();
    const rows = await query<{ seq: number }>(url, 'SELECT seq::int FROM tandem_checkpoints ORDER BY seq');
    expect(rows.map((r) => r.seq)).toEqual([20, 30, 40]);
    const history = await store.readHistory('cp');
    if (!history) throw new Error('no history');
    for (const checkpoint of history.checkpoints) {
      const fromCheckpoint = new Y.Doc();
      Y.applyUpdate(fromCheckpoint, (await checkpoint.load()) ?? new Uint8Array());
      const replayed = await docAt({ ...history, checkpoints: [] }, checkpoint.seq);
      expect(fromCheckpoint.getText('text').toString()).toBe(replayed.getText('text').toString());
    }
    // Loading needs only the newest checkpoint and the five records after it.
    await query(url, 'DELETE FROM tandem_checkpoints WHERE seq < 40');
    const loaded = await open(url).load('cp');
    expect(loaded.seq).toBe(45);
    expect(textOf(loaded.state)).toBe(textOf(Y.encodeStateAsUpdate(doc)));
  });

  it('leaves a document\'s checkpoint to the server already writing one, and commits on meanwhile', async () => {
    const url = await cluster.createDatabase();
    // Two servers (cluster nodes) writing one document, each due for checkpoints every 5 records.
    const nodes = [open(url, { checkpointEvery: 5 }), open(url, { checkpointEvery: 5 })];
    await Promise.all(nodes.map((s) => s.ready()));
    // A third server is writing this document's checkpoint: it holds the document's lock.
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    try {
      expect((await writer.query(CHECKPOINT_TRY_LOCK, ['busy'])).rows).toEqual([{ locked: true }]);
      const docs = [new Y.Doc(), new Y.Doc()];
      const seqs: number[] = [];
      for (let i = 0; i < 30; i += 1) {
        const n = i % 2;
        seqs.push(await (nodes[n] as PostgresStore).append('busy', appendTextUpdate(docs[n] as Y.Doc, String(n)), { author: null }));
      }
      expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      // Closing waits for every checkpoint the servers began: each found the document taken.
      await Promise.all(nodes.map((s) => s.close()));
      expect(nodes.map((s) => s.stats().checkpoints)).toEqual([0, 0]);
      expect(await query(url, 'SELECT seq FROM tandem_checkpoints')).toEqual([]);
    } finally {
      await writer.end();
    }
    // Once the lock is free, the next server due writes it.
    const next = open(url, { checkpointEvery: 5 });
    expect((await next.load('busy')).seq).toBe(30);
    await next.close();
    expect(next.stats().checkpoints).toBe(1);
    expect(await query<{ seq: number }>(url, 'SELECT seq::int FROM tandem_checkpoints')).toEqual([{ seq: 30 }]);
  });

  it('migrates an empty database once when several stores start at the same moment', async () => {
    const url = await cluster.createDatabase();
    const racing = Array.from({ length: 4 }, () => open(url));
    await Promise.all(racing.map((s) => s.ready()));
    expect(await query(url, 'SELECT version FROM tandem_schema_migrations ORDER BY version')).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    const again = open(url);
    await again.ready();
    expect(await again.append('after', appendTextUpdate(new Y.Doc(), 'x'), { author: null })).toBe(1);
  });

  it('brings a database an earlier version made up to date, its documents untouched', async () => {
    const url = await cluster.createDatabase();
    const [first] = MIGRATIONS;
    if (!first) throw new Error('no migrations');
    await query(url, first.sql);
    await query(url, 'CREATE TABLE tandem_schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    await query(url, 'INSERT INTO tandem_schema_migrations (version, description) VALUES (1, $1)', [first.description]);
    const doc = new Y.Doc();
    const update = appendTextUpdate(doc, 'kept');
    const [row] = await query<{ id: number }>(url, "INSERT INTO tandem_documents (name, last_seq, last_time, record_bytes) VALUES ('old', 1, now(), $1) RETURNING id", [update.byteLength]);
    await query(url, 'INSERT INTO tandem_records (doc_id, seq, recorded_at, author, yjs_update) VALUES ($1, 1, now(), NULL, $2)', [row?.id, Buffer.from(update)]);

    const store = open(url);
    await store.ready();
    expect((await query<{ version: number }>(url, 'SELECT max(version) AS version FROM tandem_schema_migrations'))[0]?.version).toBe(MIGRATIONS.at(-1)?.version);
    expect(textOf((await store.load('old')).state)).toBe('kept');
    expect((await store.readHistory('old'))?.compacted).toBeNull();
    expect(await store.append('old', appendTextUpdate(doc, '!'), { author: null })).toBe(2);
  });

  it('refuses a database whose commits would be acknowledged before they are durable', async () => {
    const url = await cluster.createDatabase();
    const name = new URL(url).pathname.slice(1);
    await query(cluster.adminUrl, `ALTER DATABASE ${pg.escapeIdentifier(name)} SET synchronous_commit = off`);
    const store = open(url);
    await expect(store.ready()).rejects.toThrow(/synchronous_commit = off/);
  });

  it('settles a batch whose answer was lost: resolved once, never written twice', async () => {
    const url = await cluster.createDatabase();
    const cutter = await CommitCutter.start(cluster.port);
    try {
      const logger = captureLogger();
      const viaCutter = url.replace(`:${cluster.port}/`, `:${cutter.port}/`);
      const store = open(viaCutter, { logger, retryMinMs: 10, retryMaxMs: 50 });
      const doc = new Y.Doc();
      expect(await store.append('cut', appendTextUpdate(doc, 'a'), { author: null })).toBe(1);
      cutter.arm();
      const seqs = await Promise.all(['b', 'c'].map((t) => store.append('cut', appendTextUpdate(doc, t), { author: null })));
      expect(cutter.cuts).toBe(1);
      expect(seqs).toEqual([2, 3]);
      expect(logger.lines.some((l) => l.includes('commit outcome unknown'))).toBe(true);
      expect(await store.append('cut', appendTextUpdate(doc, 'd'), { author: null })).toBe(4);
      const rows = await query<{ seq: number }>(url, 'SELECT seq::int FROM tandem_records ORDER BY seq');
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      expect(store.health()).toEqual({ ok: true });
    } finally {
      await cutter.close();
    }
  });

  it('replaces its write connection when the session is ended, idle or mid-statement, without losing or repeating a record', async () => {
    const url = await cluster.createDatabase();
    const logger = captureLogger();
    const store = open(url, { logger, retryMinMs: 10, retryMaxMs: 50 });
    const doc = new Y.Doc();
    // The write connection is the session whose statement inserts records (the pool's ran other queries).
    const writerPids = async (): Promise<number[]> =>
      (await query<{ pid: number }>(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%INSERT INTO tandem_records%'")).map((r) => r.pid);
    expect(await store.append('w', appendTextUpdate(doc, 'a'), { author: null })).toBe(1);
    const [first] = await writerPids();
    expect(first).toBeTypeOf('number');

    // Ended while idle: the store notices, and the next commit opens another connection.
    await query(url, 'SELECT pg_terminate_backend($1)', [first]);
    await waitFor(() => logger.lines.some((l) => l.includes('connection lost (the writer)')), 'the writer to be dropped');
    expect(await store.append('w', appendTextUpdate(doc, 'b'), { author: null })).toBe(2);
    const [second] = await writerPids();
    expect(second).toBeTypeOf('number');
    expect(second).not.toBe(first);

    // Ended while its statement waits for the document's row lock: the outcome is settled (not
    // committed), and the records go again on a new connection.
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      await locker.query("BEGIN; SELECT 1 FROM tandem_documents WHERE name = 'w' FOR UPDATE");
      const appended = Promise.all(['c', 'd'].map((t) => store.append('w', appendTextUpdate(doc, t), { author: null })));
      let waiting: number | undefined;
      await waitForAsync(async () => {
        waiting = (await query<{ pid: number }>(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))[0]?.pid;
        return waiting !== undefined;
      }, 'the statement to wait for the lock');
      expect(waiting).toBe(second);
      await query(url, 'SELECT pg_terminate_backend($1)', [waiting]);
      await locker.query('COMMIT');
      expect(await appended).toEqual([3, 4]);
    } finally {
      await locker.end();
    }
    const [third] = await writerPids();
    expect([first, second]).not.toContain(third);
    expect(logger.lines.some((l) => l.includes('commit outcome unknown'))).toBe(true);
    const rows = await query<{ seq: number }>(url, 'SELECT seq::int FROM tandem_records ORDER BY seq');
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(textOf((await store.load('w')).state)).toBe('abcd');
    expect(store.health()).toEqual({ ok: true });
  });

  it('retries a batch the server refused at commit (rolled back), without settling, losing or repeating a record', async () => {
    const url = await cluster.createDatabase();
    const logger = captureLogger();
    const store = open(url, { logger, retryMinMs: 10, retryMaxMs: 50 });
    await store.ready();
    // A deferred check fails at COMMIT while the switch is on: the commit errors and is rolled back.
    await query(url, `CREATE TABLE refuse (on_ boolean NOT NULL);
      INSERT INTO refuse VALUES (true);
      CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF (SELECT on_ FROM refuse) THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON tandem_records DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION refuse_commit();`);
    const doc = new Y.Doc();
    const appended = store.append('r', appendTextUpdate(doc, 'x'), { author: null });
    await waitFor(() => !store.health().ok, 'the failure to show', 20_000);
    expect(store.health().reason).toMatch(/cannot commit to the database postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: refused for the test; 1 records kept in memory/);
    await query(url, 'UPDATE refuse SET on_ = false');
    expect(await appended).toBe(1);
    expect(await query(url, 'SELECT seq::int FROM tandem_records')).toEqual([{ seq: 1 }]);
    await waitFor(() => store.health().ok, 'recovery', 20_000);
    // An error the server answered with is a rollback, known as such: nothing to settle.
    expect(logger.lines.filter((l) => l.includes('commit outcome unknown'))).toEqual([]);
    expect(logger.lines.some((l) => l.includes('database commit failed'))).toBe(true);
  });
});
