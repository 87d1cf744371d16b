/**
 * Any node can die: three `tandem serve` nodes, clients on every node typing into one document,
 * and a random node killed with SIGKILL at a random moment, round after round. After each kill:
 * the survivors' clients converge, the dead node's presence leaves every survivor (no ghost
 * cursors), and once the node is restarted it rejoins — and every update any client had received
 * from any node is in the document, as each node loads it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ChildServer } from '../helpers/child-server.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { useCluster } from '../helpers/cluster-node.js';
import { prng, randomInt, testSeed } from '../helpers/random.js';
import { sleep, waitFor } from '../helpers/wait.js';

const ROUNDS = 3;
const WRITERS_PER_NODE = 2;
const DOC = 'crash-doc';

const cluster = useCluster('node_death', 3);
const { nodes } = cluster;
const clients: YClient[] = [];

afterAll(() => {
  for (const c of clients) c.destroy();
});

const tokens = (doc: Y.Doc): string[] => doc.getText('text').toString().match(/<[^>]+>/g) ?? [];

interface Writer {
  node: number;
  client: YClient;
  own: Set<string>;
  timer: NodeJS.Timeout | null;
}

function connect(node: number): YClient {
  const c = yClient((nodes[node] as ChildServer).wsUrl, DOC);
  clients.push(c);
  return c;
}

const othersSeenBy = (c: YClient): number[] => [...c.provider.awareness.getStates().keys()].filter((id) => id !== c.doc.clientID);

describe('kill -9 of a random node while clients on every node type', () => {
  it('loses no update any client received, survivors converge, no ghost presence, the node rejoins', { timeout: 600_000 }, async () => {
    const seed = testSeed();
    const random = prng(seed);
    const context = `seed ${seed} (replay with TEST_SEED=${seed})`;
    const seen = new Set<string>();

    for (let round = 0; round < ROUNDS; round += 1) {
      const writers: Writer[] = [];
      for (let node = 0; node < nodes.length; node += 1) {
        for (let i = 0; i < WRITERS_PER_NODE; i += 1) writers.push({ node, client: connect(node), own: new Set(), timer: null });
      }
      // One presence per node, and a watcher of presence per node.
      const presenters = nodes.map((_, node) => connect(node));
      const watchers = nodes.map((_, node) => connect(node));
      await Promise.all([...writers.map((w) => w.client), ...presenters, ...watchers].map((c) => synced(c)));
      presenters.forEach((p, node) => p.provider.awareness.setLocalStateField('user', { name: `on node ${node}` }));
      for (const watcher of watchers) {
        await waitFor(() => presenters.every((p) => p === presenters[watchers.indexOf(watcher)] || othersSeenBy(watcher).includes(p.doc.clientID)), `${context}: presence from every node`);
      }

      let k = 0;
      for (const writer of writers) {
        writer.timer = setInterval(() => {
          const token = `<r${round}.n${writer.node}.${k++}>`;
          const text = writer.client.doc.getText('text');
          writer.own.add(token);
          text.insert(text.length, token);
        }, 5 + randomInt(random, 10));
      }
      await sleep(300 + randomInt(random, 1200));
      const victim = randomInt(random, nodes.length);
      const dead = nodes[victim] as ChildServer;
      dead.process.kill('SIGKILL');
      await dead.exited;
      for (const writer of writers) if (writer.timer) clearInterval(writer.timer);

      const onVictim = writers.filter((w) => w.node === victim);
      const survivors = writers.filter((w) => w.node !== victim);
      // What the dead node sent before it died has been read once its clients see it gone.
      await waitFor(() => onVictim.every((w) => !w.client.provider.wsconnected), `${context}: the dead node's clients to notice`);
      const reference = survivors[0] as Writer;
      await waitFor(
        () => survivors.every((w) => w.client.doc.getText('text').toString() === reference.client.doc.getText('text').toString()),
        `${context}, round ${round}: the survivors to converge`, 60_000,
      );
      for (const writer of writers) {
        for (const token of tokens(writer.client.doc)) if (!writer.own.has(token)) seen.add(token);
      }
      // No ghost: the dead node's presence leaves every survivor.
      const ghost = (presenters[victim] as YClient).doc.clientID;
      for (const [node, watcher] of watchers.entries()) {
        if (node !== victim) await waitFor(() => !othersSeenBy(watcher).includes(ghost), `${context}: node ${victim}'s presence to leave node ${node}`);
      }
      for (const c of [...writers.map((w) => w.client), ...presenters, ...watchers]) c.destroy();

      // The node comes back under its name and rejoins; every node holds everything seen.
      await cluster.restart(victim);
      const verifiers = nodes.map((_, node) => connect(node));
      await Promise.all(verifiers.map((v) => synced(v)));
      for (const [node, verifier] of verifiers.entries()) {
        await waitFor(() => tokens(verifier.doc).length >= seen.size, `${context}, round ${round}: node ${node} to hold what was seen`);
        const present = new Set(tokens(verifier.doc));
        expect([...seen].filter((t) => !present.has(t)), `${context}, round ${round}, node ${node}: updates clients had received are gone`).toEqual([]);
      }
      const first = verifiers[0] as YClient;
      await waitFor(() => verifiers.every((v) => v.doc.getText('text').toString() === first.doc.getText('text').toString()), `${context}: every node to agree`);
      // Live again across the restarted node.
      const probe = `<probe${round}>`;
      (verifiers[victim] as YClient).doc.getText('text').insert(0, probe);
      for (const verifier of verifiers) await waitFor(() => tokens(verifier.doc).includes(probe), `${context}: an edit on the restarted node to reach every node`);
      for (const v of verifiers) v.destroy();
    }
    // The test means something only if clients received updates from the nodes before the kills.
    expect(seen.size, context).toBeGreaterThan(100);
  });
});
