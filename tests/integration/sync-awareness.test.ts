import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawSocket, synced, yClient, type YClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';
import { encodeAwareness } from '../../sync-server/protocol.js';

let server: TestServer;
const clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
});

function client(room: string): YClient {
  const c = yClient(server.wsUrl, room);
  clients.push(c);
  return c;
}

const othersSeenBy = (c: YClient): number[] =>
  [...c.provider.awareness.getStates().keys()].filter((id) => id !== c.doc.clientID);

/** A presence message for a client id that a raw socket claims. */
function presence(name: string): { clientId: number; message: Uint8Array } {
  const doc = new Y.Doc();
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState({ user: { name, color: '#aa3377' } });
  const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
  awareness.destroy();
  return { clientId: doc.clientID, message };
}

describe('awareness', () => {
  it('relays presence to the others in the room', async () => {
    server = await startTestServer();
    const a = client('presence');
    const b = client('presence');
    await Promise.all([synced(a), synced(b)]);
    a.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#3366ff' });
    await waitFor(() => othersSeenBy(b).includes(a.doc.clientID), 'b to see a');
    expect(b.provider.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Ada', color: '#3366ff' } });
  });

  it('sends the presence already in the room to a newcomer', async () => {
    server = await startTestServer();
    const a = client('presence');
    await synced(a);
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' });
    const b = client('presence');
    await waitFor(() => othersSeenBy(b).includes(a.doc.clientID), 'newcomer to see existing presence');
  });

  it('removes a cleanly closed client from the others', async () => {
    server = await startTestServer();
    const watcher = client('presence');
    await synced(watcher);
    const raw = await rawSocket(server.wsUrl, 'presence');
    const { clientId, message } = presence('Leaving cleanly');
    raw.ws.send(message);
    await waitFor(() => othersSeenBy(watcher).includes(clientId), 'watcher to see the raw client');
    // A close that does not first clear its presence (as a crashed tab would not).
    raw.ws.close(1000);
    await waitFor(() => !othersSeenBy(watcher).includes(clientId), 'presence removed after clean close');
  });

  it('removes an abruptly destroyed client from the others', async () => {
    server = await startTestServer();
    const watcher = client('presence');
    await synced(watcher);
    const raw = await rawSocket(server.wsUrl, 'presence');
    const { clientId, message } = presence('Vanishing');
    raw.ws.send(message);
    await waitFor(() => othersSeenBy(watcher).includes(clientId), 'watcher to see the raw client');
    raw.ws.terminate(); // TCP reset, no close frame
    await waitFor(() => !othersSeenBy(watcher).includes(clientId), 'presence removed after abrupt drop');
    expect(server.server.connectionCount).toBe(1);
  });

  it('answers query-awareness with everyone present', async () => {
    server = await startTestServer();
    const a = client('presence');
    await synced(a);
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' });
    await waitFor(() => a.provider.ws?.bufferedAmount === 0, 'a to send presence');
    const raw = await rawSocket(server.wsUrl, 'presence');
    // On joining: sync step 1, then the presence already there. Only then ask again.
    await waitFor(() => raw.received.length >= 2, 'the join messages');
    const before = raw.received.length;
    raw.ws.send(new Uint8Array([3]));
    await waitFor(() => raw.received.slice(before).some((m) => m[0] === 1), 'an awareness reply');
    raw.ws.close();
  });
});
