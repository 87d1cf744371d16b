/**
 * Who changed each document last, as `GET /api/docs` and `tandem docs` report it: the user id
 * of the token whose change came last, `tandem:restore` after a restore, null when nobody
 * known wrote it — the same from the running server and from the command line beside it, with
 * the file store and with PostgreSQL.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { createTokenAccess } from '../../sync-server/access/auth.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { restoreAuthor } from '../../persistence/author.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { appendTextUpdate } from '../helpers/text-doc.js';
import { hsKey, mint } from './auth-fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Listed {
  name: string;
  records: number;
  lastChange: string | null;
  lastAuthor: string | null;
}

interface Backend {
  name: string;
  /** The store, and the flags that point `tandem docs` at the same data. */
  open(): Promise<{ store: FileStore | PostgresStore; where: string[]; dispose(): Promise<void> }>;
}

let cluster: PgCluster | null = null;
beforeAll(async () => {
  cluster = await PgCluster.start();
});
afterAll(async () => {
  await cluster?.destroy();
});

const BACKENDS: Backend[] = [
  {
    name: 'the file store',
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), 'tandem-last-author-'));
      const store = new FileStore(dataDir);
      return { store, where: ['--data-dir', dataDir], dispose: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      if (!cluster) throw new Error('no PostgreSQL cluster');
      const url = await cluster.createDatabase('authors');
      const store = new PostgresStore(url);
      await store.ready();
      return { store, where: ['--database-url', url], dispose: async () => undefined };
    },
  },
];

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function tandemDocs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/tandem.ts', 'docs', ...args], { cwd: root, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

for (const backend of BACKENDS) {
  describe(`the last author of each document, with ${backend.name}`, () => {
    let opened: Awaited<ReturnType<Backend['open']>>;
    let server: TestServer;
    const clients: YClient[] = [];

    beforeAll(async () => {
      opened = await backend.open();
      const access = createTokenAccess(hsKey);
      server = await startTestServer({ store: opened.store, authorize: access.authorize, authenticate: access.authenticate, api: (s) => createApiRoutes(s, opened.store) });
    }, 60_000);

    afterAll(async () => {
      for (const client of clients.splice(0)) client.destroy();
      await server?.close();
      await opened?.store.close();
      await opened?.dispose();
    });

    async function listed(token: string): Promise<Listed[]> {
      const response = await fetch(`${server.httpUrl}/api/docs`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20_000) });
      expect(response.status).toBe(200);
      return ((await response.json()) as { docs: Listed[] }).docs;
    }

    async function writer(user: string, doc: string): Promise<YClient> {
      const client = yClient(server.wsUrl, doc, { params: { token: await mint({ sub: user, name: user, docs: ['*'] }) } });
      clients.push(client);
      await synced(client, 20_000);
      return client;
    }

    /** Appends `text` and waits until the server lists one more record for the document. */
    async function write(client: YClient, doc: string, text: string): Promise<void> {
      const token = await mint({ sub: 'reader', docs: ['*'], role: 'read' });
      const recordsOf = async (): Promise<number> => (await listed(token)).find((d) => d.name === doc)?.records ?? 0;
      const before = await recordsOf();
      const t = client.doc.getText('t');
      t.insert(t.length, text);
      await until(async () => (await recordsOf()) > before, `${text} stored`);
    }

    it('is the last writer, the restore, or unknown — in the API and in tandem docs', async () => {
      // Ada then Bob write "plan"; only Ada writes "notes"; Bob writes "draft", then restores it.
      const adaPlan = await writer('ada', 'plan');
      await write(adaPlan, 'plan', 'Ada’s outline. ');
      const bobPlan = await writer('bob', 'plan');
      await until(async () => bobPlan.doc.getText('t').length > 0, 'Bob sees the plan');
      await write(bobPlan, 'plan', 'Bob’s comments.');
      await write(await writer('ada', 'notes'), 'notes', 'Ada’s notes.');
      const bobDraft = await writer('bob', 'draft');
      await write(bobDraft, 'draft', 'first');
      await write(bobDraft, 'draft', ' second');
      const bobToken = await mint({ sub: 'bob', docs: ['*'] });
      const restore = await fetch(`${server.httpUrl}/api/docs/draft/restore`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bobToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ at: 1 }),
        signal: AbortSignal.timeout(20_000),
      });
      expect(restore.status).toBe(200);
      await until(async () => bobDraft.doc.getText('t').toString() === 'first', 'the restore reaches Bob');
      // Changes with no known author (an open server's, or one made before tokens were required).
      await opened.store.append('anonymous', appendTextUpdate(new Y.Doc(), 'who?'), { author: null });

      // A restore names who asked for it: the token's user.
      const expected = { plan: 'bob', notes: 'ada', draft: restoreAuthor({ user: 'bob' }), anonymous: null };
      const fromApi = await listed(bobToken);
      expect(Object.fromEntries(fromApi.map((d) => [d.name, d.lastAuthor]))).toEqual(expected);
      expect(fromApi.every((d) => d.lastChange !== null && d.records > 0)).toBe(true);
      // A token sees the authors of the documents it may list, and no others.
      const notesOnly = await listed(await mint({ sub: 'carol', docs: ['notes'], role: 'read' }));
      expect(notesOnly.map((d) => [d.name, d.lastAuthor])).toEqual([['notes', 'ada']]);

      // The command line beside the running server: the same authors, from the same records.
      const json = await tandemDocs(['--json', ...opened.where]);
      expect(json.code).toBe(0);
      const fromCli = (JSON.parse(json.stdout) as { docs: Listed[] }).docs;
      expect(Object.fromEntries(fromCli.map((d) => [d.name, d.lastAuthor]))).toEqual(expected);
      expect(Object.fromEntries(fromCli.map((d) => [d.name, d.lastChange]))).toEqual(Object.fromEntries(fromApi.map((d) => [d.name, d.lastChange])));

      const text = await tandemDocs(opened.where);
      expect(text.code).toBe(0);
      const lines = text.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^NAME\s+RECORDS\s+SIZE\s+LAST CHANGE\s+BY$/);
      const byName = (name: string): string => lines.find((line) => line.startsWith(`"${name}"`)) ?? '';
      expect(byName('plan')).toMatch(/\sbob$/);
      expect(byName('draft')).toMatch(/\srestored by bob$/);
      expect(byName('anonymous')).toMatch(/\s-$/);
    });
  });
}
