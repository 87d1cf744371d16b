/** Rooms load once, however many clients arrive together, and never answer a sync before that. */
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryStore } from '../../persistence/memory-store.js';
import type { LoadedDoc } from '../../persistence/store.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

/** A store whose loads take a while and are counted. */
class SlowStore extends MemoryStore {
  loads = 0;
  override async load(name: string): Promise<LoadedDoc> {
    this.loads += 1;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return super.load(name);
  }
}

let server: TestServer | undefined;
const clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
});

it('loads a room once for many simultaneous joiners and syncs them only after the load', async () => {
  const store = new SlowStore();
  const seed = new Y.Doc();
  seed.getText('text').insert(0, 'already on disk');
  await store.append('busy', Y.encodeStateAsUpdate(seed), { author: null });
  server = await startTestServer({ store });
  const s = server;

  for (let i = 0; i < 10; i++) clients.push(yClient(s.wsUrl, 'busy'));
  await Promise.all(clients.map((c) => synced(c)));
  expect(store.loads).toBe(1);
  // A provider reports synced on the server's sync step 2: it must already hold the stored content.
  for (const c of clients) expect(c.doc.getText('text').toString()).toBe('already on disk');
});

it('reloads a room after it was unloaded, with everything written before', async () => {
  const store = new SlowStore();
  server = await startTestServer({ store });
  const s = server;
  const first = yClient(s.wsUrl, 'cycle');
  await synced(first);
  first.doc.getText('text').insert(0, 'kept across unloads');
  await waitFor(() => first.provider.ws?.bufferedAmount === 0, 'the edit to be sent');
  await waitFor(() => s.server.rooms.size === 1, 'room loaded');
  // Give the server the update before leaving.
  await new Promise((resolve) => setTimeout(resolve, 50));
  first.destroy();
  await waitFor(() => s.server.rooms.size === 0, 'the room to unload');
  const second = yClient(s.wsUrl, 'cycle');
  clients.push(second);
  await synced(second);
  expect(second.doc.getText('text').toString()).toBe('kept across unloads');
  expect(store.loads).toBe(2);
});
