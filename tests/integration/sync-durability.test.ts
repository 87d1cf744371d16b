/**
 * The durability promise at the room level, with a store whose writes the test releases by
 * hand: nothing about an update leaves the server — relayed or in a joiner's sync step 2 —
 * before its append resolved, and an update the store refuses is never relayed.
 */
import { afterEach, expect, it } from 'vitest';
import { GatedStore } from '../helpers/gated-store.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { sleep, waitFor } from '../helpers/wait.js';

let server: TestServer | undefined;
const clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
});

function client(s: TestServer, room: string): YClient {
  const c = yClient(s.wsUrl, room);
  clients.push(c);
  return c;
}

it('relays an update and answers a joiner only once the update is durable', async () => {
  const store = new GatedStore();
  const s = (server = await startTestServer({ store }));
  const writer = client(s, 'gated');
  const reader = client(s, 'gated');
  await Promise.all([synced(writer), synced(reader)]);

  writer.doc.getText('text').insert(0, 'not yet on disk');
  await waitFor(() => store.pending === 1, 'the append to reach the store');
  // A fresh joiner may be answered from the durable state at once; one with content of its
  // own gets a reply encoded from the room's document, which waits for the write.
  const joiner = client(s, 'gated');
  const another = yClient(s.wsUrl, 'gated', { connect: false });
  clients.push(another);
  another.doc.getText('other').insert(0, 'mine');
  another.provider.connect();
  await sleep(200); // time enough for any premature relay or sync reply to arrive
  expect(reader.doc.getText('text').toString()).toBe('');
  expect(joiner.doc.getText('text').toString()).toBe('');
  expect(another.provider.synced).toBe(false);
  expect(another.doc.getText('text').toString()).toBe('');

  store.release();
  await waitFor(() => reader.doc.getText('text').toString() === 'not yet on disk', 'the relay after the write');
  await Promise.all([synced(joiner), synced(another)]);
  await waitFor(() => joiner.doc.getText('text').toString() === 'not yet on disk', 'the fresh joiner to get it by relay');
  expect(another.doc.getText('text').toString()).toBe('not yet on disk');
});

it('never relays an update the store refused', async () => {
  const store = new GatedStore();
  const s = (server = await startTestServer({ store }));
  const writer = client(s, 'refused');
  const reader = client(s, 'refused');
  await Promise.all([synced(writer), synced(reader)]);
  store.failing = true;
  writer.doc.getText('text').insert(0, 'lost cause');
  await waitFor(() => s.logs.some((l) => l.msg === 'store append failed'), 'the failure to be logged');
  await sleep(100);
  expect(reader.doc.getText('text').toString()).toBe('');
});
