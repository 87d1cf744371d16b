/**
 * Redis killed and restarted under load. While it is down every node keeps serving its own
 * clients, reports itself degraded (200: a proxy must keep it) with the bus down, and documents
 * open on both nodes still converge through the database (a node's own commits show it the
 * holes; the periodic check finds the rest); after a while, no other node's presence shows.
 * Once Redis is back, fan-out and presence resume and each node catches up: every typed update
 * everywhere, each once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { nodeHealth, nodeMetric, startTestNode, useCluster, type TestNode } from '../helpers/cluster-node.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';

const cluster = useCluster('redis_loss', 0);
const nodes: TestNode[] = [];
const clients: YClient[] = [];

afterAll(async () => {
  for (const c of clients) c.destroy();
  // The nodes close cleanly with Redis there (their goodbyes); the fixture then removes it.
  await cluster.redis?.startServer();
  for (const n of nodes) await n.close();
});

const tokens = (doc: Y.Doc): string[] => doc.getText('text').toString().match(/<[^>]+>/g) ?? [];
const from = (doc: Y.Doc, prefix: string): string[] => tokens(doc).filter((t) => t.startsWith(prefix));

describe('Redis killed and restarted under load', () => {
  it('nodes serve alone and say so, then fan-out resumes and nothing is lost or doubled', { timeout: 180_000 }, async () => {
    const { redis } = cluster;
    const { databaseUrl } = cluster.urls;
    const urls = cluster.urls;
    const [a, b] = [await startTestNode(urls, 'a'), await startTestNode(urls, 'b')];
    nodes.push(a, b);
    const writerA = yClient(a.wsUrl, 'doc');
    const writerB = yClient(b.wsUrl, 'doc');
    const readerA = yClient(a.wsUrl, 'doc');
    const readerB = yClient(b.wsUrl, 'doc');
    clients.push(writerA, writerB, readerA, readerB);
    await Promise.all(clients.map((c) => synced(c)));
    writerA.provider.awareness.setLocalStateField('user', { name: 'on a' });
    const seesWriterA = (): boolean => readerB.provider.awareness.getStates().has(writerA.doc.clientID);
    await waitFor(seesWriterA, 'presence to cross nodes');

    const typed: string[] = [];
    let k = 0;
    const typing = setInterval(() => {
      for (const [tag, writer] of [['a', writerA], ['b', writerB]] as const) {
        const token = `<${tag}${k}>`;
        writer.doc.getText('text').insert(writer.doc.getText('text').length, token);
        typed.push(token);
      }
      k += 1;
      // Bounded: the test ends typing itself well before this.
      if (k > 20_000) clearInterval(typing);
    }, 10);
    try {
      await waitFor(() => from(readerB.doc, '<a').length > 20 && from(readerA.doc, '<b').length > 20, 'updates to cross nodes');

      await redis.kill();
      for (const node of nodes) {
        await waitFor(() => !node.server.cluster?.health().up, 'the node to notice');
        const { status, body } = await nodeHealth(node.httpUrl);
        expect(status).toBe(200);
        expect(body).toMatchObject({ status: 'degraded', bus: 'down', store: 'ok', node: node.nodeId });
        expect(String(body.busError)).toContain(`cannot reach Redis at ${redis.url}`);
      }
      // Each node serves its own clients...
      const localBefore = from(readerA.doc, '<a').length;
      await waitFor(() => from(readerA.doc, '<a').length > localBefore + 20, 'a node to keep serving its own clients');
      // ...and what the other node commits arrives through the database.
      const typedBeforeCheck = k;
      await waitFor(() => tokens(readerB.doc).includes(`<a${typedBeforeCheck}>`), 'a document open on both nodes to converge through the database');
      expect(await nodeMetric(b.httpUrl, 'tandem_bus_up')).toBe(0);
      // Cut off for longer than a node's group membership lasts, a node shows no other node's presence.
      await waitFor(() => !seesWriterA(), 'presence from the other node to go');

      await redis.startServer();
      for (const node of nodes) await waitFor(() => node.server.cluster?.health().up === true, 'the node to reconnect');
      expect((await nodeHealth(b.httpUrl)).body).toMatchObject({ status: 'ok', bus: 'up' });
      await waitFor(seesWriterA, 'presence to cross nodes again');
      const receivedBefore = await nodeMetric(b.httpUrl, 'tandem_bus_received_total', 'kind="record"');
      await waitForAsync(async () => (await nodeMetric(b.httpUrl, 'tandem_bus_received_total', 'kind="record"')) >= receivedBefore + 20, 'records to cross the bus again');
      await waitForAsync(async () => (await nodeMetric(b.httpUrl, 'tandem_cluster_catch_ups_total', 'reason="reconnect"')) > 0, 'the node to read back what the bus missed');
    } finally {
      clearInterval(typing);
    }
    const all = [...typed].sort();
    for (const reader of [readerA, readerB, writerA, writerB]) {
      await waitFor(() => tokens(reader.doc).length >= all.length, 'every typed update everywhere', 60_000);
      expect([...tokens(reader.doc)].sort()).toEqual(all);
    }
    // And in the database.
    const store = new PostgresStore(databaseUrl);
    try {
      const loaded = new Y.Doc();
      Y.applyUpdate(loaded, (await store.load('doc')).state);
      expect(tokens(loaded).sort()).toEqual(all);
    } finally {
      await store.close();
    }
  });
});
