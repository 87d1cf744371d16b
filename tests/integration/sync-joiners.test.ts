/**
 * Clients that have nothing yet (a state vector of one 0 byte) share one encoded state: after
 * edits they get it followed by the updates relayed since, in order, instead of a new encode;
 * past a bound on those updates they get a fresh encode. Either way they end up with the
 * whole document.
 */
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeClientMessage, encodeSyncStep1, type ClientMessage } from '../../sync-server/protocol.js';
import { rawSocket, synced, yClient, type YClient } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer | undefined;
const clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
});

/** Joins with an empty document and returns the sync and update messages the server sent. */
async function freshJoin(s: TestServer, room: string): Promise<{ messages: ClientMessage[]; doc: Y.Doc }> {
  const raw = await rawSocket(s.wsUrl, room);
  raw.ws.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
  const isSync = (m: ClientMessage): boolean => m.type === 'sync-step2' || m.type === 'update';
  await waitFor(() => raw.received.map((b) => decodeClientMessage(b)).some((m) => m.type === 'sync-step2'), 'the sync step 2');
  // Whatever follows the reply was sent with it, in the same turn of the server's event loop.
  await new Promise((r) => setTimeout(r, 100));
  raw.ws.close();
  const messages = raw.received.map((b) => decodeClientMessage(b)).filter(isSync);
  const doc = new Y.Doc();
  for (const m of messages) if (m.type === 'sync-step2' || m.type === 'update') Y.applyUpdate(doc, m.update);
  return { messages, doc };
}

it('answers fresh joiners with the shared state plus the updates since, then with a fresh encode once they outgrow it', async () => {
  const s = (server = await startTestServer());
  const writer = yClient(s.wsUrl, 'shared');
  clients.push(writer);
  await synced(writer);
  const text = writer.doc.getText('text');
  text.insert(0, 'a large document');
  await waitFor(() => s.server.rooms.size === 1, 'the room');
  for (const room of await s.server.rooms.loadedRooms()) await room.whenDurable();

  // The state the room was loaded with (empty here), then the update made since.
  const first = await freshJoin(s, 'shared');
  expect(first.messages.map((m) => m.type)).toEqual(['sync-step2', 'update']);
  expect(first.doc.getText('text').toString()).toBe('a large document');

  // Three edits later: the same state, then all four updates in order.
  for (const word of [' with', ' three', ' edits']) text.insert(text.length, word);
  const watcher = yClient(s.wsUrl, 'shared');
  clients.push(watcher);
  await synced(watcher);
  await waitFor(() => watcher.doc.getText('text').toString() === text.toString(), 'the edits to be relayed');
  const second = await freshJoin(s, 'shared');
  expect(second.messages.map((m) => m.type)).toEqual(['sync-step2', 'update', 'update', 'update', 'update']);
  expect(second.messages[0]).toEqual(first.messages[0]);
  expect(second.doc.getText('text').toString()).toBe('a large document with three edits');

  // Once the updates since the shared state outgrow it (and 64 KiB), the next fresh joiner
  // gets a new encode...
  text.insert(text.length, '.'.repeat(70_000));
  await waitFor(() => watcher.doc.getText('text').toString() === text.toString(), 'the large edit to be relayed');
  const third = await freshJoin(s, 'shared');
  expect(third.messages.map((m) => m.type)).toEqual(['sync-step2']);
  expect(third.doc.getText('text').toString()).toBe(text.toString());

  // ...which is kept for the joiners after it.
  text.insert(0, '!');
  await waitFor(() => watcher.doc.getText('text').toString() === text.toString(), 'the last edit to be relayed');
  const fourth = await freshJoin(s, 'shared');
  expect(fourth.messages.map((m) => m.type)).toEqual(['sync-step2', 'update']);
  expect(fourth.messages[0]).toEqual(third.messages[0]);
  expect(fourth.doc.getText('text').toString()).toBe(text.toString());
});
