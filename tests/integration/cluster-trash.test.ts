/**
 * The trash in a cluster: two nodes over one PostgreSQL database and one Redis. A delete made
 * through one node closes the document's clients on the other with 4410 too, and moves the
 * document only once that node has let go of it (its clients' last records committed into the
 * deleted document, none into a new one); a restore made through one node reaches a client
 * waiting on the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { toText } from '../../persistence/export-format.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { RedisBus } from '../../sync-server/cluster/redis-bus.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { RedisServer } from '../helpers/redis-server.js';
import { memoryLogger, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let pg: PgCluster;
let redis: RedisServer;
const nodes: TestServer[] = [];
const clients: YClient[] = [];

async function startNode(databaseUrl: string, nodeId: string): Promise<TestServer> {
  const store = new PostgresStore(databaseUrl, { retryMinMs: 20, retryMaxMs: 500 });
  await store.ready();
  const bus = new RedisBus(redis.url, { clientName: `tandem:${nodeId}`, logger: memoryLogger().logger });
  bus.start();
  return startTestServer({ store, trash: store, api: (server) => createApiRoutes(server, store), cluster: { nodeId, bus, log: store } });
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([PgCluster.start(), RedisServer.start()]);
  const url = await pg.createDatabase('cluster_trash');
  nodes.push(await startNode(url, 'node-1'));
  nodes.push(await startNode(url, 'node-2'));
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const node of nodes) await node.close();
  await Promise.all([pg?.destroy(), redis?.destroy()]);
});

function client(node: TestServer, room: string): YClient & { closes: number[] } {
  const c = Object.assign(yClient(node.wsUrl, room), { closes: [] as number[] });
  c.provider.on('connection-close', (event) => {
    if (event) c.closes.push(event.code);
  });
  clients.push(c);
  return c;
}

function paragraph(doc: Y.Doc, text: string): void {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  const fragment = doc.getXmlFragment('default');
  fragment.insert(fragment.length, [p]);
}

async function api(node: TestServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${node.httpUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('the trash in a cluster', () => {
  it('a delete through one node closes the clients of the other and moves the whole document', { timeout: 120_000 }, async () => {
    const [one, two] = nodes as [TestServer, TestServer];
    const writer = client(two, 'shared');
    await synced(writer);
    paragraph(writer.doc, 'first');
    paragraph(writer.doc, 'second');
    await waitFor(() => writer.provider.synced, 'synced');
    const store = one.store as PostgresStore;
    const deadline = Date.now() + 30_000;
    while (((await store.readHistory('shared'))?.records.length ?? 0) < 2) {
      if (Date.now() > deadline) throw new Error('the writes were not committed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const deleted = await api(one, 'DELETE', '/api/docs/shared');
    expect(deleted.status).toBe(200);
    await waitFor(() => writer.closes.includes(4410), 'the client on the other node closed with 4410');
    expect(deleted.json['deleted']).toMatchObject({ name: 'shared', records: 2 });
    expect(await store.readHistory('shared')).toBeNull();

    // A client waiting on the other node for the name gets the document when it is restored.
    const waiter = client(two, 'shared');
    await synced(waiter);
    expect(waiter.doc.getXmlFragment('default').length).toBe(0);
    expect((await api(one, 'POST', '/api/docs/shared/undelete', {})).status).toBe(200);
    await waitFor(() => waiter.closes.includes(1012), 'the waiting client closed with 1012');
    await waitFor(() => toText(waiter.doc) === 'first\n\nsecond\n', 'the restored document at the waiting client');
  });
});
