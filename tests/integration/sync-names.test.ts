/**
 * Document names as stock clients send them (PROTOCOL.md, "Connecting"), against a real server
 * with the file store: for every awkward room, two stock providers converge on one document;
 * providers of different request paths never see each other's content; the HTTP API lists
 * the readable names; and export by readable name — over HTTP and with `tandem export` —
 * returns that document's content.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../bin/commands/export.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { AWKWARD_NAMES, AWKWARD_ROOMS } from '../helpers/awkward-names.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sleep } from '../helpers/wait.js';

let dataDir: string;
let store: FileStore;
let test: TestServer;
const clients: YClient[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tandem-names-'));
  store = new FileStore(dataDir);
  test = await startTestServer({ store, api: (server) => createApiRoutes(server, store) });
});

afterAll(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await test?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const contentOf = (name: string): string => `the document ${JSON.stringify(name)}`;
const textOf = (client: YClient): string => client.doc.getText('text').toString();

async function joinRoom(room: string): Promise<YClient> {
  const client = yClient(test.wsUrl, room);
  clients.push(client);
  await synced(client, 30_000);
  return client;
}

/** Waits until every client holds exactly its document's content; the diff shows otherwise. */
async function expectContents(joined: { client: YClient; room: string; name: string }[], timeoutMs = 30_000): Promise<void> {
  const actual = (): Record<string, string> => Object.fromEntries(joined.map((j, i) => [`${i} ${j.room}`, textOf(j.client)]));
  const expected = Object.fromEntries(joined.map((j, i) => [`${i} ${j.room}`, contentOf(j.name)]));
  const deadline = Date.now() + timeoutMs;
  while (JSON.stringify(actual()) !== JSON.stringify(expected) && Date.now() < deadline) await sleep(20);
  expect(actual()).toEqual(expected);
}

describe('names as stock clients send them', () => {
  it('every room reaches its own document, by its readable name everywhere', { timeout: 120_000 }, async () => {
    // Two providers per room, joined one after another so the server sees each path on its own.
    const joined: { client: YClient; room: string; name: string }[] = [];
    for (const { room, name } of AWKWARD_ROOMS) {
      for (let i = 0; i < 2; i++) joined.push({ client: await joinRoom(room), room, name });
    }
    // One writer per document: if two paths shared a document, its clients would hold both texts.
    const writers = new Map<string, YClient>();
    for (const { client, name } of joined) if (!writers.has(name)) writers.set(name, client);
    for (const [name, client] of writers) client.doc.getText('text').insert(0, contentOf(name));
    await expectContents(joined);

    // A late joiner of each room sees exactly its document too (nothing stray arrived since).
    const late = await Promise.all(AWKWARD_ROOMS.map(async ({ room, name }) => ({ client: await joinRoom(room), room, name })));
    await expectContents([...joined, ...late]);
    const rooms = (await test.server.rooms.loadedRooms()).map((r) => r.name);
    expect(rooms.sort()).toEqual([...AWKWARD_NAMES].sort());

    await store.flush();
    const list = (await (await fetch(`${test.httpUrl}/api/docs`)).json()) as { docs: { name: string }[] };
    expect(list.docs.map((d) => d.name).sort()).toEqual([...AWKWARD_NAMES].sort());

    for (const name of AWKWARD_NAMES) {
      const res = await fetch(`${test.httpUrl}/api/docs/${encodeURIComponent(name)}/export?format=text`);
      expect(`${res.status} ${await res.text()}`, name).toBe(`200 ${contentOf(name)}\n`);

      const out = join(dataDir, 'export.txt');
      expect(await exportCommand.run([name, '--format', 'text', '--out', out, '--data-dir', dataDir], {}), name).toBe(0);
      expect(readFileSync(out, 'utf8'), name).toBe(`${contentOf(name)}\n`);
    }
  });

  it('reads a name typed with escapes as the stock client\'s path does', async () => {
    // `x%20y` typed in the CLI or the API is the document a stock client's room `x%20y` joins.
    const writer = await joinRoom('x%20y');
    writer.doc.getText('text').insert(0, contentOf('x y'));
    await store.flush();
    await expectContents([{ client: await joinRoom('x y'), room: 'x y', name: 'x y' }]);
    const res = await fetch(`${test.httpUrl}/api/docs/${encodeURIComponent('x%20y')}/export?format=text`);
    expect(await res.text()).toBe(`${contentOf('x y')}\n`);
    const refused = await fetch(`${test.httpUrl}/api/docs/${encodeURIComponent('a/../b')}/history`);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/"\." or "\.\."/);
  });
});
