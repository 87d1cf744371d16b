/**
 * Three `tandem serve` nodes over one PostgreSQL database and one Redis: stock providers spread
 * over the nodes co-edit live, presence crosses nodes, and a client leaving any node — cleanly
 * or not — disappears from every other node's presence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { ChildServer } from '../helpers/child-server.js';
import { rawSocket, synced, yClient, type YClient } from '../helpers/clients.js';
import { awarenessEntries, awarenessUpdate, frames, readServerMessage, type AwarenessEntry } from '../helpers/protocol-frames.js';
import { nodeMetric, useCluster } from '../helpers/cluster-node.js';
import { contentOf, randomTextEdit, randomXmlEdit } from '../helpers/edits.js';
import { prng, randomInt, testSeed } from '../helpers/random.js';
import { sleep, waitFor } from '../helpers/wait.js';

const { nodes } = useCluster('cluster_sync', 3);
const clients: YClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

function client(node: number, room: string): YClient {
  const c = yClient((nodes[node] as ChildServer).wsUrl, room);
  clients.push(c);
  return c;
}

const othersSeenBy = (c: YClient): number[] => [...c.provider.awareness.getStates().keys()].filter((id) => id !== c.doc.clientID);

describe('a cluster of three nodes', () => {
  it('reports itself: /healthz names the node and its bus', async () => {
    const health = (await (await fetch(`${nodes[1]?.httpUrl}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', node: 'node-2', bus: 'up', store: 'ok' });
    const metrics = await (await fetch(`${nodes[1]?.httpUrl}/metrics`)).text();
    expect(metrics).toContain('tandem_bus_up{node="node-2"} 1');
  });

  it('stock providers spread over the nodes converge on a Y.Text and a Y.XmlFragment', async () => {
    const seed = testSeed();
    const random = prng(seed);
    const context = `seed ${seed} (replay with TEST_SEED=${seed})`;
    const editors = [0, 1, 2, 0, 1, 2].map((node) => client(node, 'shared-doc'));
    await Promise.all(editors.map((c) => synced(c)));
    for (let step = 0; step < 40; step += 1) {
      for (let edits = 1 + randomInt(random, 5); edits > 0; edits -= 1) {
        const c = editors[randomInt(random, editors.length)] as YClient;
        if (random() < 0.5) randomTextEdit(c.doc, random);
        else randomXmlEdit(c.doc, random);
      }
      await sleep(randomInt(random, 20));
    }
    const reference = editors[0] as YClient;
    await waitFor(() => editors.every((c) => contentOf(c.doc) === contentOf(reference.doc)), `convergence, ${context}`, 60_000);
    expect(reference.doc.getText('text').length + reference.doc.getXmlFragment('default').length, context).toBeGreaterThan(0);
    // Carried by the bus (not only by the periodic check against the database).
    const received = await Promise.all(nodes.map((node) => nodeMetric(node.httpUrl, 'tandem_bus_received_total', 'kind="record"')));
    expect(received.every((n) => n > 0), `records received per node: ${received.join(', ')}`).toBe(true);
    // A newcomer on any node loads the same document.
    const late = client(2, 'shared-doc');
    await synced(late);
    await waitFor(() => contentOf(late.doc) === contentOf(reference.doc), `the newcomer to match, ${context}`);
  });

  it('presence crosses nodes, and a client leaving cleanly or abruptly disappears everywhere', async () => {
    const watchers = [client(1, 'presence-doc'), client(2, 'presence-doc')];
    const leaving = client(0, 'presence-doc');
    const dropped = client(0, 'presence-doc');
    await Promise.all([...watchers, leaving, dropped].map((c) => synced(c)));
    leaving.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#3366ff' });
    dropped.provider.awareness.setLocalStateField('user', { name: 'Bo', color: '#33aa66' });
    for (const watcher of watchers) {
      await waitFor(() => othersSeenBy(watcher).includes(leaving.doc.clientID) && othersSeenBy(watcher).includes(dropped.doc.clientID), 'presence from another node');
      expect(watcher.provider.awareness.getStates().get(leaving.doc.clientID)).toEqual({ user: { name: 'Ada', color: '#3366ff' } });
    }
    // And the other way: node 0's clients see node 1's.
    watchers[0]?.provider.awareness.setLocalStateField('user', { name: 'Cy', color: '#aa3377' });
    await waitFor(() => othersSeenBy(leaving).includes(watchers[0]?.doc.clientID ?? -1), 'presence back the other way');

    leaving.destroy();
    for (const watcher of watchers) await waitFor(() => !othersSeenBy(watcher).includes(leaving.doc.clientID), 'a clean leave to cross nodes');

    // Abruptly: the socket is cut without a close frame (and the provider must not come back).
    dropped.provider.shouldConnect = false;
    (dropped.provider.ws as unknown as WebSocket).terminate();
    for (const watcher of watchers) await waitFor(() => !othersSeenBy(watcher).includes(dropped.doc.clientID), 'an abrupt leave to cross nodes');
    expect(othersSeenBy(watchers[1] as YClient)).toContain(watchers[0]?.doc.clientID);
  });

  it('no connection changes the presence of another node\'s client', async () => {
    const [onNode0, onNode1, onNode2] = [client(0, 'spoof-doc'), client(1, 'spoof-doc'), client(2, 'spoof-doc')];
    await Promise.all([synced(onNode0), synced(onNode1), synced(onNode2)]);
    onNode1.provider.awareness.setLocalStateField('user', { name: 'Real' });
    const victim = onNode1.doc.clientID;

    // A raw connection on node 0 waits until it has the victim's state (so the id is another node's there).
    const mallory = await rawSocket((nodes[0] as ChildServer).wsUrl, 'spoof-doc');
    const entriesSeen = (): AwarenessEntry[] => mallory.received.flatMap((bytes) => {
      const message = readServerMessage(bytes);
      return message.kind === 'awareness' ? awarenessEntries(message.payload) : [];
    });
    await waitFor(() => entriesSeen().some((e) => e.clientId === victim), 'the victim\'s presence on node 0');
    const clock = Math.max(...entriesSeen().filter((e) => e.clientId === victim).map((e) => e.clock));
    mallory.ws.send(frames.awareness(awarenessUpdate([
      { clientId: victim, clock: clock + 5, state: { user: { name: 'Spoofed' } } },
      { clientId: 4242, clock: 1, state: { user: { name: 'Mallory' } } },
    ])));
    mallory.ws.send(frames.awareness(awarenessUpdate([{ clientId: victim, clock: clock + 6, state: null }, { clientId: 4242, clock: 2, state: { user: { name: 'Mallory', done: true } } }])));
    // Mallory's own entry goes through (after the spoof, from the same connection)...
    const malloryDone = (c: YClient): boolean => (c.provider.awareness.getStates().get(4242) as { user?: { done?: boolean } } | undefined)?.user?.done === true;
    await waitFor(() => malloryDone(onNode0) && malloryDone(onNode2), 'mallory\'s own presence here and across nodes');
    // ...the victim's does not change, on any node.
    for (const watcher of [onNode0, onNode2]) expect(watcher.provider.awareness.getStates().get(victim)).toEqual({ user: { name: 'Real' } });
    expect(entriesSeen().filter((e) => e.clientId === victim && e.state !== null).every((e) => JSON.stringify(e.state) === '{"user":{"name":"Real"}}')).toBe(true);
    mallory.ws.close();
  });
});
