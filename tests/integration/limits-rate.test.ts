/**
 * The per-connection message rate limit (token bucket): a flooding client is closed with 1008
 * and one log line, while the other clients in the same room keep editing undisturbed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, encodeQueryAwareness } from '../../sync-server/protocol.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { synced, within, yClient, type YClient } from '../helpers/clients.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { tryUpgrade, type OpenedSocket } from './auth-fixtures.js';

const RATE = 50;
const BURST = 100;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { messagesPerSecond: RATE, messageBurst: BURST } });
});
afterAll(async () => {
  await server.close();
});

async function raw(room: string): Promise<OpenedSocket> {
  const outcome = await tryUpgrade(`${server.wsUrl}/${room}`);
  if (!('socket' in outcome)) throw new Error(`upgrade refused with ${outcome.status}`);
  return outcome.socket;
}

describe('message rate limit', () => {
  it('closes a flooding client with 1008 while the others in its room go on', async () => {
    const alice = yClient(server.wsUrl, 'busy');
    const bob = yClient(server.wsUrl, 'busy');
    try {
      await Promise.all([synced(alice), synced(bob)]);
      let drops = 0;
      for (const c of [alice, bob]) c.provider.on('connection-close', () => (drops += 1));

      const flooder = await raw('busy');
      const query = encodeQueryAwareness();
      for (let i = 0; i < 5000; i++) flooder.ws.send(query);
      // Meanwhile, the others edit at a human pace.
      for (let i = 0; i < 20; i++) {
        (i % 2 === 0 ? alice : bob).doc.getText('text').insert(0, `${i};`);
        await sleep(25);
      }
      const closed = await within(flooder.closed, 5000, 'the flooder to be closed');
      expect(closed).toEqual({ code: CloseCode.policyViolation, reason: 'message rate limit exceeded' });
      expect(server.logs.filter((l) => l.msg === 'closing connection over its message rate limit')).toHaveLength(1);

      await waitFor(
        () => alice.doc.getText('text').toString() === bob.doc.getText('text').toString() && alice.doc.getText('text').length > 0,
        'alice and bob to converge',
      );
      expect(alice.doc.getText('text').toString().split(';').filter(Boolean)).toHaveLength(20);
      expect(drops).toBe(0);
      expect(alice.provider.wsconnected && bob.provider.wsconnected).toBe(true);
    } finally {
      alice.destroy();
      bob.destroy();
    }
  });

  it('lets a burst within the bucket through and refills over time', async () => {
    const client = await raw('bursty');
    const query = encodeQueryAwareness();
    for (let i = 0; i < BURST - 10; i++) client.ws.send(query);
    // Every query is answered: none was dropped and the connection stayed open.
    await waitFor(() => client.received.length >= BURST - 10, 'answers to the burst');
    await sleep((20 / RATE) * 1000 + 100);
    for (let i = 0; i < 25; i++) client.ws.send(query);
    await waitFor(() => client.received.length >= BURST + 15, 'answers after the refill');
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.close();
  });
});
