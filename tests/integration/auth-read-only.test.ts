/**
 * Read-only viewers: they receive the document and everyone's presence, their own presence
 * reaches the others, but their document edits never reach another client or the store — and
 * the refusal is logged once per connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { MessageType, encodeUpdate } from '../../sync-server/protocol.js';
import type { TestServer } from '../helpers/server.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';
import { RecordingStore, mint, startAuthServer, tryUpgrade } from './auth-fixtures.js';

let server: TestServer;
let store: RecordingStore;
let writer: YClient;
let viewer: YClient;

beforeAll(async () => {
  store = new RecordingStore();
  server = await startAuthServer({ store });
  writer = yClient(server.wsUrl, 'notes', { params: { token: await mint({ sub: 'writer', docs: ['notes'], role: 'write' }) } });
  await synced(writer);
  writer.doc.getText('text').insert(0, 'before the viewer came');
  viewer = yClient(server.wsUrl, 'notes', { params: { token: await mint({ sub: 'viewer', name: 'Vi', docs: ['notes'], role: 'read' }) } });
  await synced(viewer);
});

afterAll(async () => {
  writer.destroy();
  viewer.destroy();
  await server.close();
});

const textOf = (client: YClient): string => client.doc.getText('text').toString();
const refusalLines = (): number => server.logs.filter((l) => l.msg === 'update from a read-only connection ignored').length;

describe('a read-only viewer', () => {
  it('receives the document and later edits', async () => {
    await waitFor(() => textOf(viewer) === 'before the viewer came', 'the viewer to receive the document');
    writer.doc.getText('text').insert(0, 'live: ');
    await waitFor(() => textOf(viewer) === 'live: before the viewer came', 'the viewer to receive a live edit');
  });

  it('shows up in the others’ presence, and sees theirs', async () => {
    viewer.provider.awareness.setLocalStateField('user', { name: 'Vi', color: '#3366ff' });
    writer.provider.awareness.setLocalStateField('user', { name: 'Wri', color: '#ff6633' });
    await waitFor(() => writer.provider.awareness.getStates().get(viewer.doc.clientID)?.user?.name === 'Vi', 'the viewer’s presence at the writer');
    await waitFor(() => viewer.provider.awareness.getStates().get(writer.doc.clientID)?.user?.name === 'Wri', 'the writer’s presence at the viewer');
  });

  it('cannot change the document for anyone else or on disk', async () => {
    const appendsBefore = store.appends.length;
    viewer.doc.getText('text').insert(0, 'VANDAL ');
    viewer.doc.getText('text').insert(0, 'AGAIN ');
    // Presence sent after the edits on the same socket: once it arrived, the edits were handled.
    viewer.provider.awareness.setLocalStateField('marker', 'after-edits');
    await waitFor(() => writer.provider.awareness.getStates().get(viewer.doc.clientID)?.marker === 'after-edits', 'the marker presence');
    // And a round trip through the room after that.
    writer.doc.getText('text').insert(0, 'ok ');
    // The viewer keeps its own refused edits locally; where 'ok ' lands among them depends on client ids.
    await waitFor(() => textOf(viewer).includes('ok '), 'the writer’s next edit at the viewer');
    await server.server.rooms.loadedRooms().then((rooms) => Promise.all(rooms.map((r) => r.whenDurable())));

    expect(textOf(writer)).toBe('ok live: before the viewer came');
    const room = (await server.server.rooms.loadedRooms()).find((r) => r.name === 'notes');
    expect(room?.doc.getText('text').toString()).toBe('ok live: before the viewer came');
    const newAppends = store.appends.slice(appendsBefore);
    expect(newAppends.map((a) => a.author)).toEqual(['writer']);
    expect(store.appends.some((a) => a.author === 'viewer')).toBe(false);
    const onDisk = new Y.Doc();
    for (const a of store.appends.filter((r) => r.name === 'notes')) Y.applyUpdate(onDisk, a.update);
    expect(onDisk.getText('text').toString()).toBe('ok live: before the viewer came');
    // Two refused edits, one log line for the connection.
    expect(refusalLines()).toBe(1);
  });

  it('is told once, in the protocol’s own permission-denied message, and stays connected', async () => {
    const token = await mint({ sub: 'raw-viewer', docs: ['notes'], role: 'read' });
    const outcome = await tryUpgrade(`${server.wsUrl}/notes?token=${token}`);
    if (!('socket' in outcome)) throw new Error(`upgrade refused with ${outcome.status}`);
    const { ws, received } = outcome.socket;
    const edit = new Y.Doc();
    edit.getText('text').insert(0, 'raw vandal');
    const update = encodeUpdate(Y.encodeStateAsUpdate(edit));
    ws.send(update);
    ws.send(update);
    const isAuth = (m: Buffer): boolean => decoding.readVarUint(decoding.createDecoder(m)) === MessageType.auth;
    await waitFor(() => received.some(isAuth), 'a permission-denied message');
    expect(received.filter(isAuth)).toHaveLength(1);
    expect(ws.readyState).toBe(ws.OPEN);
    expect(refusalLines()).toBe(2);
    expect(textOf(writer)).not.toContain('raw vandal');
    ws.close();
  });
});
