/**
 * Lossy fan-out: one node's bus loses messages on purpose. The node sees the holes in the
 * sequence numbers and reads what is missing from the database, so its clients end with every
 * update — each once — and a hole with nothing after it is found by the periodic check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { nodeMetric, startTestNode, useCluster, type ClusterUrls, type TestNode } from '../helpers/cluster-node.js';
import { LossyBus } from '../helpers/lossy-bus.js';
import type { BusMessage } from '../../sync-server/cluster/bus-message.js';
import { prng, testSeed } from '../helpers/random.js';
import { waitFor } from '../helpers/wait.js';

const cluster = useCluster('gaps', 0);
const nodes: TestNode[] = [];
const clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const n of nodes.splice(0)) await n.close();
});

const tokens = (doc: Y.Doc): string[] => doc.getText('text').toString().match(/<[^>]+>/g) ?? [];

/** Node `steady` and node `lossy`, whose bus loses what `lose` picks (seeded). */
async function twoNodes(name: string, lose: (random: () => number) => (message: BusMessage) => boolean): Promise<{ lossy: LossyBus; a: TestNode; b: TestNode; seed: number }> {
  const urls: ClusterUrls = { databaseUrl: await cluster.pg.createDatabase(name), redisUrl: cluster.redis.url };
  const seed = testSeed();
  const random = prng(seed);
  let lossy: LossyBus | null = null;
  const a = await startTestNode(urls, 'steady');
  const b = await startTestNode(urls, 'lossy', (bus) => (lossy = new LossyBus(bus, lose(random))));
  nodes.push(a, b);
  return { lossy: lossy as unknown as LossyBus, a, b, seed };
}

/** `count` tokens typed by each writer, one every few milliseconds; resolves when all are typed. */
async function type(writers: YClient[], count: number, tag: string): Promise<string[]> {
  const typed: string[] = [];
  for (let k = 0; k < count; k += 1) {
    writers.forEach((w, i) => {
      const token = `<${tag}${i}.${k}>`;
      const text = w.doc.getText('text');
      text.insert(text.length, token);
      typed.push(token);
    });
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  return typed;
}

describe('a node whose bus loses messages', () => {
  it('detects the holes and fills them from the database: every update arrives, once', async () => {
    const { lossy, a, b, seed } = await twoNodes('gaps', (random) => (m) => m.kind === 'record' && random() < 0.3);
    const writers = [yClient(a.wsUrl, 'doc'), yClient(a.wsUrl, 'doc'), yClient(b.wsUrl, 'doc')];
    const reader = yClient(b.wsUrl, 'doc');
    clients.push(...writers, reader);
    await Promise.all([...writers, reader].map((c) => synced(c)));
    const typed = await type(writers, 80, 'g');
    await waitFor(() => tokens(reader.doc).length >= typed.length, `seed ${seed}: the reader on the lossy node to get every update`, 60_000);
    expect(lossy.dropped, `seed ${seed}`).toBeGreaterThan(0);
    expect(await nodeMetric(b.httpUrl, 'tandem_cluster_catch_ups_total', 'reason="gap"'), `seed ${seed}`).toBeGreaterThan(0);
    // Each once, and the same everywhere.
    expect(tokens(reader.doc).sort()).toEqual([...typed].sort());
    await waitFor(() => writers.every((w) => w.doc.getText('text').toString() === reader.doc.getText('text').toString()), 'every client to converge');
  });

  it('with nothing after the last hole, the periodic check finds it', async () => {
    // The lossy node hears no record at all: only the check against the database brings them.
    const { lossy, a, b } = await twoNodes('silent', () => (m) => m.kind === 'record');
    const writer = yClient(a.wsUrl, 'doc');
    const reader = yClient(b.wsUrl, 'doc');
    clients.push(writer, reader);
    await Promise.all([synced(writer), synced(reader)]);
    const typed = await type([writer], 10, 's');
    await waitFor(() => tokens(reader.doc).length === typed.length, 'the periodic check to bring the updates', 60_000);
    expect(lossy.dropped).toBeGreaterThan(0);
    expect(await nodeMetric(b.httpUrl, 'tandem_cluster_catch_ups_total', 'reason="check"')).toBeGreaterThan(0);
    expect(tokens(reader.doc)).toEqual(typed);
  });
});
