/**
 * The database restarted under load (a crash as far as PostgreSQL knows: `pg_ctl stop -m
 * immediate`, then start): while it is down /healthz answers 503 naming the database, nothing
 * is relayed (nothing has committed), nothing is dropped; once it is back the server recovers
 * by itself, relays what waited, and the database holds every update any client saw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { DEADLINE_MS, sleep, waitFor } from '../helpers/wait.js';

let cluster: PgCluster;
let test: TestServer | null = null;
const clients: YClient[] = [];

beforeAll(async () => {
  cluster = await PgCluster.start();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  // The store waits for its records on close: the database must be up.
  await cluster.startServer();
  await test?.close();
  await cluster.destroy();
});

const tokens = (doc: Y.Doc): Set<string> => new Set(doc.getText('text').toString().match(/<[^>]+>/g) ?? []);

async function health(url: string): Promise<{ status: number; store: string }> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(DEADLINE_MS) });
  return { status: res.status, store: ((await res.json()) as { store: string }).store };
}

describe('the database restarted under load', () => {
  it('503 naming the database while it is down, nothing relayed or lost, recovery by itself', async () => {
    const url = await cluster.createDatabase('restart');
    const store = new PostgresStore(url, { retryMinMs: 20, retryMaxMs: 200, probeMs: 200, timeoutMs: 3000 });
    await store.ready();
    test = await startTestServer({ store, api: (server) => createApiRoutes(server, store) });
    const reader = yClient(test.wsUrl, 'busy');
    const writers = [yClient(test.wsUrl, 'busy'), yClient(test.wsUrl, 'busy')];
    clients.push(reader, ...writers);
    await Promise.all([reader, ...writers].map((c) => synced(c, 20_000)));
    let k = 0;
    const typing = writers.map((writer, i) =>
      setInterval(() => {
        const text = writer.doc.getText('text');
        text.insert(text.length, `<w${i}.${k++}>`);
      }, 20),
    );
    try {
      await waitFor(() => tokens(reader.doc).size > 20, 'updates to flow', 20_000);
      expect((await health(test.httpUrl)).status).toBe(200);

      await cluster.stop('immediate');
      await waitFor(() => !store.health().ok, 'the store to notice the outage', 30_000);
      const down = await health(test.httpUrl);
      expect(down.status).toBe(503);
      expect(down.store).toContain(`cannot commit to the database postgres://postgres@127.0.0.1:${cluster.port}/`);
      // Nothing commits, so nothing is relayed while writers keep typing.
      const seenWhileDown = tokens(reader.doc).size;
      await sleep(500);
      expect(tokens(reader.doc).size).toBe(seenWhileDown);
      expect(writers.every((w) => tokens(w.doc).size > seenWhileDown)).toBe(true);

      await cluster.startServer();
      await waitFor(() => store.health().ok, 'recovery once the database is back', 60_000);
      expect((await health(test.httpUrl)).status).toBe(200);
      await waitFor(() => tokens(reader.doc).size > seenWhileDown + 10, 'updates to flow again', 30_000);
    } finally {
      for (const timer of typing) clearInterval(timer);
    }
    // Everything typed reaches the reader (the writers' edits waited, were retried, committed).
    const typed = new Set([...writers.flatMap((w) => [...tokens(w.doc)])]);
    await waitFor(() => [...typed].every((t) => tokens(reader.doc).has(t)), 'every typed update to be relayed', 30_000);
    await test.close();
    test = null;
    const reopened = new PostgresStore(url);
    try {
      const loaded = new Y.Doc();
      Y.applyUpdate(loaded, (await reopened.load('busy')).state);
      const stored = tokens(loaded);
      expect([...typed].filter((t) => !stored.has(t))).toEqual([]);
      const history = await reopened.readHistory('busy');
      expect(history?.problems).toEqual([]);
    } finally {
      await reopened.close();
    }
  });
});
