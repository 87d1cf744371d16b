/**
 * An update that brings nothing new is neither stored nor relayed: a stock client that
 * reconnects sends its whole delete set again, and that must not add a record to the history
 * (nor make that client the document's last author). Updates that only wait for what they build
 * on are new, and are stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { rawSocket, synced, yClient, type YClient } from '../helpers/clients.js';
import { frames } from '../helpers/protocol-frames.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { useTempDataDirs } from '../helpers/temp-data-dirs.js';
import { waitFor } from '../helpers/wait.js';

const { tempDir } = useTempDataDirs('unchanged');

let server: TestServer | null = null;
const clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
  server = null;
});

/** A server on a file store, whose history API counts the records. */
async function startServer(): Promise<TestServer> {
  const store = new FileStore(tempDir());
  server = await startTestServer({ store, api: (s) => createApiRoutes(s, store) });
  return server;
}

async function recordsOf(s: TestServer, doc: string): Promise<number> {
  const res = await fetch(`${s.httpUrl}/api/docs/${encodeURIComponent(doc)}/history`);
  return ((await res.json()) as { records: number }).records;
}

describe('updates that change nothing', () => {
  it('a reconnecting client adds no record, and its resent state is not relayed', async () => {
    const s = await startServer();
    const writer = yClient(s.wsUrl, 'notes');
    const watcher = yClient(s.wsUrl, 'notes');
    clients.push(writer, watcher);
    await Promise.all([synced(writer), synced(watcher)]);
    const text = writer.doc.getText('t');
    text.insert(0, 'hello, world');
    text.delete(5, 7); // a delete set the writer will send again on every reconnect
    await waitFor(() => watcher.doc.getText('t').toString() === 'hello', 'the edits to reach the watcher');
    await expect.poll(() => recordsOf(s, 'notes')).toBe(2);

    let relayed = 0;
    watcher.doc.on('update', () => (relayed += 1));
    writer.provider.disconnect();
    writer.provider.connect();
    await synced(writer);
    // The whole state again, over a raw connection: known items and deletions only.
    const raw = await rawSocket(s.wsUrl, 'notes');
    raw.ws.send(frames.update(Y.encodeStateAsUpdate(writer.doc)));
    // A real change after them: once it is stored, everything sent before it was handled.
    text.insert(5, '!');
    await waitFor(() => watcher.doc.getText('t').toString() === 'hello!', 'the change to reach the watcher');
    expect(await recordsOf(s, 'notes')).toBe(3);
    expect(relayed).toBe(1);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    raw.ws.close();
  });

  it('stores an update that waits for what it builds on, and then the part it waited for', async () => {
    const s = await startServer();
    const author = new Y.Doc();
    const updates: Uint8Array[] = [];
    author.on('update', (u: Uint8Array) => updates.push(u));
    author.getText('t').insert(0, 'first');
    author.getText('t').insert(5, ' second');
    const raw = await rawSocket(s.wsUrl, 'gaps');
    // The second edit alone: the room cannot integrate it yet, but it is new and kept.
    raw.ws.send(frames.update(updates[1]!));
    await expect.poll(() => recordsOf(s, 'gaps')).toBe(1);
    raw.ws.send(frames.update(updates[0]!));
    await expect.poll(() => recordsOf(s, 'gaps')).toBe(2);
    const reader = yClient(s.wsUrl, 'gaps');
    clients.push(reader);
    await synced(reader);
    await waitFor(() => reader.doc.getText('t').toString() === 'first second', 'the whole text');
    raw.ws.close();
  });
});
