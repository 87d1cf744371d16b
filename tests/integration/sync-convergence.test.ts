/**
 * Seeded randomized convergence: clients edit at random, drop off and come back at random;
 * once everyone is connected again, every document must be identical. A failure prints the seed;
 * replay it with TEST_SEED=<seed>.
 */
import { afterEach, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { contentOf, randomTextEdit, randomXmlEdit } from '../helpers/edits.js';
import { prng, randomInt, testSeed } from '../helpers/random.js';

let server: TestServer | undefined;
const clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
});

it('converges under random edits, disconnects and reconnects', async () => {
  const seed = testSeed();
  const rand = prng(seed);
  const context = `seed ${seed} (replay with TEST_SEED=${seed})`;
  server = await startTestServer();
  const s = server;
  for (let i = 0; i < 6; i++) clients.push(yClient(s.wsUrl, 'chaos'));
  await Promise.all(clients.map((c) => synced(c)));

  // 30 steps, each a burst of edits with random connectivity changes in between.
  for (let step = 0; step < 30; step++) {
    for (let edits = randomInt(rand, 8); edits > 0; edits--) {
      const c = clients[randomInt(rand, clients.length)]!;
      if (rand() < 0.5) randomTextEdit(c.doc, rand);
      else randomXmlEdit(c.doc, rand);
    }
    const c = clients[randomInt(rand, clients.length)]!;
    const roll = rand();
    if (roll < 0.15 && c.provider.shouldConnect) c.provider.disconnect();
    else if (roll < 0.3 && !c.provider.shouldConnect) c.provider.connect();
    await sleep(randomInt(rand, 15));
  }

  for (const c of clients) if (!c.provider.shouldConnect) c.provider.connect();
  try {
    await waitFor(() => clients.every((c) => c.provider.synced), `all clients to resync, ${context}`);
    const reference = clients[0]!;
    await waitFor(() => clients.every((c) => contentOf(c.doc) === contentOf(reference.doc)), `convergence, ${context}`);
  } catch (error) {
    console.error(`sync-convergence failed with ${context}`);
    throw error;
  }
  // And a newcomer sees the same document.
  const newcomer = yClient(s.wsUrl, 'chaos');
  clients.push(newcomer);
  await synced(newcomer);
  await waitFor(() => contentOf(newcomer.doc) === contentOf(clients[0]!.doc), `newcomer to match, ${context}`);
  expect(contentOf(newcomer.doc)).toBe(contentOf(clients[0]!.doc));
});
