/**
 * The trash on a real server, with the file store and with PostgreSQL: deleting closes the
 * document's connections with 4410 and frees its name for a new, different document; the trash
 * lists it; restoring brings back its whole history (someone on the empty name meanwhile is
 * closed with 1012 and gets it on reconnecting), is refused into a name a document holds again,
 * and works under another name; a purge removes only what was deleted longer ago than
 * the trash period (the server's clock is moved, not waited for); the trash survives a restart,
 * and a deleted document's records never come back from the journal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DAY_MS, type DocTrash } from '../../persistence/trash.js';
import type { DocArchive } from '../../persistence/archive.js';
import { toText } from '../../persistence/export-format.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { readJournal } from '../../persistence/file/journal.js';
import { nodeFs } from '../../persistence/file/store-fs.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import type { Store } from '../../persistence/store.js';
import { createTokenAccess } from '../../sync-server/access/auth.js';
import { createApiRoutes, type ApiStore } from '../../sync-server/http/api-routes.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { hsKey, mint } from './auth-fixtures.js';

type TrashStore = Store & ApiStore & DocTrash;

interface StoreKind {
  open(): Promise<{ store: TrashStore; reopen(): Promise<TrashStore>; dispose(): void }>;
}

let cluster: PgCluster | null = null;

const KINDS: Record<string, StoreKind> = {
  file: {
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'tandem-trash-'));
      return { store: new FileStore(dir), reopen: async () => new FileStore(dir), dispose: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  postgres: {
    async open() {
      cluster ??= await PgCluster.start();
      const url = await cluster.createDatabase('trash');
      const store = new PostgresStore(url);
      await store.ready();
      return { store, reopen: async () => new PostgresStore(url), dispose: () => undefined };
    },
  },
};

afterAll(async () => {
  await cluster?.destroy();
});

function paragraph(doc: Y.Doc, text: string): void {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  const fragment = doc.getXmlFragment('default');
  fragment.insert(fragment.length, [p]);
}

describe.each(Object.keys(KINDS))('the trash with the %s store', (kind) => {
  let opened: Awaited<ReturnType<StoreKind['open']>>;
  let store: TrashStore;
  let test: TestServer;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const clients: YClient[] = [];

  async function start(): Promise<void> {
    test = await startTestServer({ store, trash: store, now: () => clock, api: (server) => createApiRoutes(server, store) });
  }

  async function stop(): Promise<void> {
    for (const c of clients.splice(0)) c.destroy();
    await test.close();
  }

  beforeAll(async () => {
    opened = await KINDS[kind]!.open();
    store = opened.store;
    await start();
  }, 120_000);

  afterAll(async () => {
    await stop();
    opened.dispose();
  });

  async function client(name: string): Promise<YClient & { closes: number[] }> {
    const c = Object.assign(yClient(test.wsUrl, encodeURIComponent(name)), { closes: [] as number[] });
    c.provider.on('connection-close', (event) => {
      if (event) c.closes.push(event.code);
    });
    clients.push(c);
    await synced(c);
    return c;
  }

  async function write(name: string, text: string): Promise<void> {
    const writer = await client(name);
    const before = (await store.readHistory(name))?.records.length ?? 0;
    paragraph(writer.doc, text);
    await waitFor(() => writer.provider.synced, 'synced');
    await store.flush(name);
    // Stored once the history has the new record (the archive reads what is durable).
    const deadline = Date.now() + 30_000;
    while (((await store.readHistory(name))?.records.length ?? 0) <= before) {
      if (Date.now() > deadline) throw new Error(`${name}: the write was not stored`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    writer.destroy();
  }

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${test.httpUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  const docPath = (name: string): string => `/api/docs/${encodeURIComponent(name)}`;
  const listed = async (): Promise<string[]> => ((await api('GET', '/api/docs')).json['docs'] as { name: string }[]).map((d) => d.name);
  const trashed = async (): Promise<{ id: string; name: string; deletedAt: string; purgeAfter: string; records: number }[]> =>
    (await api('GET', '/api/trash')).json['docs'] as { id: string; name: string; deletedAt: string; purgeAfter: string; records: number }[];
  const textOf = async (name: string): Promise<string> => {
    const history = await store.readHistory(name);
    if (!history) return '';
    const doc = new Y.Doc();
    for (const record of history.records) Y.applyUpdate(doc, record.update);
    const text = toText(doc);
    doc.destroy();
    return text;
  };

  it('deletes a document: its clients are closed with 4410, its name is free, its history kept in the trash', async () => {
    await write('notes', 'old text');
    await write('notes', 'more old text');
    const reader = await client('notes');
    const deleted = await api('DELETE', docPath('notes'));
    expect(deleted.status).toBe(200);
    expect(deleted.json['deleted']).toMatchObject({ name: 'notes', deletedBy: null, records: 2, deletedAt: new Date(clock).toISOString(), purgeAfter: new Date(clock + 30 * DAY_MS).toISOString() });
    await waitFor(() => reader.closes.includes(4410), 'the reader closed with 4410');
    expect(reader.provider.wsconnected).toBe(false);
    expect(await listed()).not.toContain('notes');
    expect((await trashed()).map((d) => [d.name, d.records])).toEqual([['notes', 2]]);
    expect((await api('DELETE', docPath('notes'))).status).toBe(404);

    // The name is free: a new document of that name starts empty and is another document.
    const fresh = await client('notes');
    expect(fresh.doc.getXmlFragment('default').length).toBe(0);
    await write('notes', 'new text');
    expect(await textOf('notes')).toBe('new text\n');

    // Restoring into the name a document holds again is refused; under another name it works.
    const refused = await api('POST', `${docPath('notes')}/undelete`, {});
    expect(refused.status).toBe(409);
    expect(String(refused.json['error'])).toMatch(/never merged/);
    const restored = await api('POST', `${docPath('notes')}/undelete`, { as: 'notes (old)' });
    expect(restored.status).toBe(200);
    expect(restored.json['restored']).toMatchObject({ name: 'notes (old)', records: 2 });
    expect(await textOf('notes (old)')).toBe('old text\n\nmore old text\n');
    expect((await store.readHistory('notes (old)'))?.records.map((r) => r.seq)).toEqual([1, 2]);
    expect(await textOf('notes')).toBe('new text\n');
    expect(await trashed()).toEqual([]);
    expect((await api('POST', `${docPath('notes')}/undelete`, {})).status).toBe(404);
  });

  it('restores into its own name once free, and purges only what was deleted longer ago than the trash period', async () => {
    await write('plan', 'v1');
    await write('plan', 'v2');
    expect((await api('DELETE', docPath('plan'))).status).toBe(200);
    // Someone opens the name meanwhile (an empty document): the restore replaces it under them.
    const watcher = await client('plan');
    expect((await api('POST', `${docPath('plan')}/undelete`, {})).status).toBe(200);
    expect(await textOf('plan')).toBe('v1\n\nv2\n');
    await waitFor(() => watcher.closes.includes(1012), 'the watcher closed with 1012');
    await waitFor(() => toText(watcher.doc) === 'v1\n\nv2\n', 'the restored document at the reconnected watcher');
    watcher.destroy();
    expect(await listed()).toContain('plan');

    expect((await api('DELETE', docPath('plan'))).status).toBe(200);
    clock += 10 * DAY_MS;
    await write('later', 'x');
    expect((await api('DELETE', docPath('later'))).status).toBe(200);
    clock += 20 * DAY_MS - 1;
    expect(await test.server.trash?.purge()).toEqual([]);
    clock += 2;
    expect((await test.server.trash?.purge())?.map((d) => d.name)).toEqual(['plan']);
    expect((await trashed()).map((d) => d.name)).toEqual(['later']);
    expect((await api('POST', `${docPath('plan')}/undelete`, {})).status).toBe(404);
    expect(await store.readHistory('plan')).toBeNull();
  });

  it('keeps the trash across a restart, and never brings a deleted document back', { timeout: 60_000 }, async () => {
    await write('kept', 'in the trash');
    expect((await api('DELETE', docPath('kept'))).status).toBe(200);
    if (store instanceof FileStore) {
      // Nothing of it is left in the journal for recovery to copy back.
      const journal = await readJournal(nodeFs, join(store.dataDir, 'journal'));
      expect(journal.entries.filter((e) => e.name === 'kept')).toEqual([]);
    }
    await stop();
    store = await opened.reopen();
    await start();
    expect(await listed()).not.toContain('kept');
    expect((await trashed()).map((d) => d.name)).toContain('kept');
    expect((await api('POST', `${docPath('kept')}/undelete`, {})).status).toBe(200);
    expect(await textOf('kept')).toBe('in the trash\n');
  });
});

describe('the trash with access tokens', () => {
  it('needs write access to delete and restore, lists only readable documents, and records who deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-trash-auth-'));
    const store = new FileStore(dir);
    const access = createTokenAccess(hsKey);
    const test = await startTestServer({ store, trash: store, api: (server) => createApiRoutes(server, store), authorize: access.authorize, authenticate: access.authenticate });
    try {
      const call = async (method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(`${test.httpUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(30_000) });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      const ada = await mint({ sub: 'u-ada', docs: ['team/*'], role: 'write' });
      const viewer = await mint({ sub: 'u-bob', docs: ['*'], role: 'read' });
      const outsider = await mint({ sub: 'u-eve', docs: ['other/*'], role: 'write' });
      for (const name of ['team/plan', 'team/notes']) {
        const res = await fetch(`${test.httpUrl}/api/docs/${encodeURIComponent(name)}/import?format=markdown`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ada}`, 'content-type': 'text/markdown' },
          body: `# ${name}\n`,
        });
        expect(res.status).toBe(201);
      }
      expect((await call('DELETE', '/api/docs/team%2Fplan', viewer)).status).toBe(403);
      expect((await call('DELETE', '/api/docs/team%2Fplan', outsider)).status).toBe(403);
      const deleted = await call('DELETE', '/api/docs/team%2Fplan', ada);
      expect(deleted.json['deleted']).toMatchObject({ name: 'team/plan', deletedBy: 'u-ada' });
      expect(((await call('GET', '/api/trash', viewer)).json['docs'] as { name: string }[]).map((d) => d.name)).toEqual(['team/plan']);
      expect((await call('GET', '/api/trash', outsider)).json['docs']).toEqual([]);
      expect((await call('POST', '/api/docs/team%2Fplan/undelete', viewer, {})).status).toBe(403);
      // Restoring under another name needs write access to that name too.
      expect((await call('POST', '/api/docs/team%2Fplan/undelete', ada, { as: 'elsewhere/plan' })).status).toBe(403);
      expect((await call('POST', '/api/docs/team%2Fplan/undelete', ada, { as: 'team/plan (old)' })).status).toBe(200);
      expect((await store.readHistory('team/plan (old)'))?.records.map((r) => r.author)).toEqual(['u-ada']);
    } finally {
      await test.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
