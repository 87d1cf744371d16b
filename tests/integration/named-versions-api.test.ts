/**
 * Named versions over HTTP (sync-server/http/version-routes.ts) on a real server with the file
 * store: naming (now, at a seq, a time or another name), listing, renaming, removing, with the
 * 400/404/409 answers; names in the history's timeline; `name:<version>` wherever a point is
 * taken (export, diff, restore); kept by a compaction, the trash and `GET /api/backup`; who may
 * do what under tokens; and two servers sharing one database seeing each other's names at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DirectoryBackup } from '../../persistence/file/backup.js';
import { readBackupStream } from '../../persistence/file/backup-stream.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { synced, yClient } from '../helpers/clients.js';
import { useFileApiServer } from '../helpers/file-api-server.js';
import { usePgTestBed } from '../helpers/pg-test-bed.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { appendTextUpdate } from '../helpers/text-doc.js';
import { DEADLINE_MS, waitFor } from '../helpers/wait.js';
import { mint, startAuthServer } from './auth-fixtures.js';

const NAME = 'plans/α β';
const enc = encodeURIComponent(NAME);
const api = useFileApiServer('tandem-versions-api-');
const bed = usePgTestBed();
const work = mkdtempSync(join(tmpdir(), 'tandem-versions-api-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

const http = (method: string, path: string, body?: unknown): Promise<Answer> => call(api.test.httpUrl, method, path, body);

/** Appends `texts` to the document's text "t", one record each, through the server's store. */
async function write(store: { append: FileStore['append'] }, name: string, texts: string[], doc = new Y.Doc()): Promise<Y.Doc> {
  for (const text of texts) await store.append(name, appendTextUpdate(doc, text), { author: 'ada' });
  return doc;
}

describe('named versions over HTTP', () => {
  it('names the current version, a seq, a time or another name; lists them oldest first', async () => {
    await write(api.store, NAME, ['a', 'b', 'c', 'd']);
    const now = await http('POST', `/api/docs/${enc}/versions`, { name: '  Sent to legal ', author: 'Ada' });
    expect(now).toEqual({
      status: 201,
      json: { id: expect.any(String), name: 'Sent to legal', seq: 4, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), author: { name: 'Ada' } },
    });
    const first = await http('POST', `/api/docs/${enc}/versions`, { name: 'First', at: 1 });
    expect(first.json).toMatchObject({ seq: 1, author: null });
    const same = await http('POST', `/api/docs/${enc}/versions`, { name: 'Also legal', at: 'name:Sent to legal' });
    expect(same.json).toMatchObject({ seq: 4 });
    const byTime = await http('POST', `/api/docs/${enc}/versions`, { name: 'By time', at: new Date(Date.now() + 60_000).toISOString() });
    expect(byTime.json).toMatchObject({ seq: 4 });
    const listed = await http('GET', `/api/docs/${enc}/versions`);
    expect(listed.status).toBe(200);
    expect((listed.json['versions'] as { name: string; seq: number }[]).map((v) => [v.seq, v.name])).toEqual([[1, 'First'], [4, 'Sent to legal'], [4, 'Also legal'], [4, 'By time']]);

    // Renamed and removed by id; the history stays.
    const id = String(first.json['id']);
    expect(await http('PATCH', `/api/docs/${enc}/versions/${encodeURIComponent(id)}`, { name: 'First draft' })).toEqual({ status: 200, json: { ...first.json, name: 'First draft' } });
    expect(await http('DELETE', `/api/docs/${enc}/versions/${encodeURIComponent(String(same.json['id']))}`)).toEqual({ status: 200, json: { removed: same.json } });
    expect(((await http('GET', `/api/docs/${enc}/versions`)).json['versions'] as { name: string }[]).map((v) => v.name)).toEqual(['First draft', 'Sent to legal', 'By time']);
    expect((await http('GET', `/api/docs/${enc}/history`)).json['records']).toBe(4);
  });

  it('answers 400, 404, 405, 409 and 415 clearly', async () => {
    await write(api.store, NAME, ['a', 'b']);
    const post = (body: unknown) => http('POST', `/api/docs/${enc}/versions`, body);
    expect(await post({ name: '' })).toEqual({ status: 400, json: { error: 'a version name cannot be empty' } });
    expect(await post({ name: 'x'.repeat(101) })).toEqual({ status: 400, json: { error: 'a version name has at most 100 characters (this one has 101)' } });
    expect((await post({ name: 'a\nb' })).status).toBe(400);
    expect(await post({})).toEqual({ status: 400, json: { error: 'the body must give the version a name: {"name": "…"}' } });
    expect((await post('[1]')).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect(await post({ name: 'Late', at: 3 })).toEqual({ status: 400, json: { error: `document ${JSON.stringify(NAME)} has 2 records; there is no record 3` } });
    expect((await post({ name: 'Empty', at: 0 })).json['error']).toMatch(/the empty document cannot be named/);
    expect((await post({ name: 'Soon', at: 'soon' })).json['error']).toMatch(/"at" must be a sequence number or an ISO time/);
    expect((await post({ name: 'Other', at: 'name:' })).status).toBe(400);
    await post({ name: 'Taken' });
    expect(await post({ name: 'Nope', at: 'name:Missing' })).toEqual({ status: 400, json: { error: `${JSON.stringify(NAME)} has no version named "Missing" (its named versions: "Taken")` } });
    expect(await post({ name: ' Taken' })).toEqual({ status: 409, json: { error: `${JSON.stringify(NAME)} already has a version named "Taken"; choose another name, or rename that one` } });
    expect((await post({ name: 'Author', author: 'x'.repeat(101) })).status).toBe(400);
    expect((await http('POST', '/api/docs/nowhere/versions', { name: 'X' })).status).toBe(404);
    expect((await http('GET', '/api/docs/nowhere/versions')).status).toBe(404);
    expect((await http('PATCH', `/api/docs/${enc}/versions/no-such-id`, { name: 'Y' })).status).toBe(404);
    expect((await http('DELETE', `/api/docs/${enc}/versions/no-such-id`)).status).toBe(404);
    expect((await http('PUT', `/api/docs/${enc}/versions`, { name: 'Y' })).status).toBe(405);
    expect((await http('GET', `/api/docs/${enc}/versions/some-id`)).status).toBe(405);
    const plain = await call(api.test.httpUrl, 'POST', `/api/docs/${enc}/versions`, '{"name":"Typed"}', { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
  });

  it('shows names in the timeline: a version ends at each named point', async () => {
    await write(api.store, NAME, ['a', 'b', 'c', 'd', 'e']);
    // All five records are one stretch of work by one author: naming seq 3 splits it there.
    const before = (await http('GET', `/api/docs/${enc}/history`)).json;
    expect((before['versions'] as unknown[]).length).toBe(1);
    expect(before['named']).toEqual([]);
    const legal = (await http('POST', `/api/docs/${enc}/versions`, { name: 'Sent to legal', at: 3 })).json;
    const history = (await http('GET', `/api/docs/${enc}/history`)).json;
    expect((history['versions'] as Record<string, unknown>[]).map((v) => [v['fromSeq'], v['toSeq'], v['named'] ?? null])).toEqual([
      [1, 3, [{ id: legal['id'], name: 'Sent to legal' }]],
      [4, 5, null],
    ]);
    expect(history['named']).toEqual([legal]);
  });

  it('takes name:<version> as a point: export, diff and restore, which live clients see', async () => {
    const doc = await write(api.store, NAME, ['one ', 'two ']);
    expect((await http('POST', `/api/docs/${enc}/versions`, { name: 'Two words' })).status).toBe(201);
    await write(api.store, NAME, ['three'], doc);
    const exported = await fetch(`${api.test.httpUrl}/api/docs/${enc}/export?format=json&at=${encodeURIComponent('name:Two words')}`, { signal: AbortSignal.timeout(DEADLINE_MS) });
    expect(exported.headers.get('x-tandem-seq')).toBe('2');
    const diff = await fetch(`${api.test.httpUrl}/api/docs/${enc}/diff?format=json&from=${encodeURIComponent('name:Two words')}`, { signal: AbortSignal.timeout(DEADLINE_MS) });
    expect([diff.status, diff.headers.get('x-tandem-from'), diff.headers.get('x-tandem-to')]).toEqual([200, '2', '3']);
    const badDiff = await fetch(`${api.test.httpUrl}/api/docs/${enc}/diff?from=${encodeURIComponent('name:Nope')}`, { signal: AbortSignal.timeout(DEADLINE_MS) });
    expect(badDiff.status).toBe(400);

    const live = yClient(api.test.wsUrl, NAME);
    api.clients.push(live);
    await synced(live);
    expect(live.doc.getText('t').toString()).toBe('one two three');
    const restored = await http('POST', `/api/docs/${enc}/restore`, { at: 'name:Two words', name: 'Ada' });
    expect(restored).toEqual({ status: 200, json: { restoredFrom: 2, seq: 4, restoredBy: { name: 'Ada' } } });
    await waitFor(() => live.doc.getText('t').toString() === 'one two ', 'the restore to reach the live client');
    expect((await http('POST', `/api/docs/${enc}/restore`, { at: 'name:' })).status).toBe(400);
  });

  it('keeps names through a compaction: one before the cut shows the document at the cut', async () => {
    await write(api.store, NAME, ['a', 'b', 'c', 'd', 'e']);
    const early = (await http('POST', `/api/docs/${enc}/versions`, { name: 'Early', at: 2 })).json;
    const late = (await http('POST', `/api/docs/${enc}/versions`, { name: 'Late', at: 4 })).json;
    expect((await http('POST', `/api/docs/${enc}/compact`, { before: 3 })).json).toMatchObject({ compactedBefore: 3 });
    expect((await http('GET', `/api/docs/${enc}/versions`)).json['versions']).toEqual([{ ...early, compacted: true }, late]);
    const history = (await http('GET', `/api/docs/${enc}/history`)).json;
    expect(history['named']).toEqual([{ ...early, compacted: true }, late]);
    const shown = await fetch(`${api.test.httpUrl}/api/docs/${enc}/export?format=json&at=${encodeURIComponent('name:Early')}`, { signal: AbortSignal.timeout(DEADLINE_MS) });
    expect(shown.headers.get('x-tandem-seq')).toBe('3');
    // A new name can no longer point before the cut.
    expect((await http('POST', `/api/docs/${enc}/versions`, { name: 'Too early', at: 2 })).json['error']).toMatch(/before seq 3 was compacted/);

    // A compaction's point may name a version too.
    expect((await http('POST', `/api/docs/${enc}/compact`, { before: 'name:Early' })).json).toMatchObject({ compactedBefore: 3, removed: 0 });
    expect((await http('POST', `/api/docs/${enc}/compact`, { before: ' name:Late ' })).json).toMatchObject({ compactedBefore: 4, removed: 1 });
    const unknown = await http('POST', `/api/docs/${enc}/compact`, { before: 'name:Nope' });
    expect(unknown).toEqual({ status: 400, json: { error: `${JSON.stringify(NAME)} has no version named "Nope" (its named versions: "Early", "Late")` } });
    expect((await http('POST', `/api/docs/${enc}/compact`, { before: 'name:' })).status).toBe(400);
  });
});

describe('named versions on a server with the trash, and in its backups', () => {
  it('come back with an undeleted document and are in GET /api/backup', async () => {
    const dataDir = join(work, 'trash');
    const store = new FileStore(dataDir);
    const test = await startTestServer({ store, trash: store, api: (server) => createApiRoutes(server, store) });
    try {
      await write(store, NAME, ['a', 'b']);
      const version = (await call(test.httpUrl, 'POST', `/api/docs/${enc}/versions`, { name: 'Kept' })).json;
      expect((await call(test.httpUrl, 'DELETE', `/api/docs/${enc}`)).status).toBe(200);
      expect((await call(test.httpUrl, 'GET', `/api/docs/${enc}/versions`)).status).toBe(404);
      expect((await call(test.httpUrl, 'POST', `/api/docs/${enc}/undelete`, {})).status).toBe(200);
      expect((await call(test.httpUrl, 'GET', `/api/docs/${enc}/versions`)).json['versions']).toEqual([version]);

      const backup = await fetch(`${test.httpUrl}/api/backup`, { signal: AbortSignal.timeout(DEADLINE_MS) });
      const copyDir = join(work, 'trash-copy');
      const target = new DirectoryBackup(copyDir);
      await readBackupStream(Readable.fromWeb(backup.body as unknown as NodeReadableStream<Uint8Array>) as AsyncIterable<Uint8Array>, target);
      await target.finish();
      const copy = new FileStore(copyDir);
      try {
        expect((await copy.listVersions(NAME)).map((v) => [v.id, v.name])).toEqual([[version['id'], 'Kept']]);
      } finally {
        await copy.close();
      }
    } finally {
      await test.close();
    }
  });
});

describe('named versions under tokens', () => {
  it('writers name, rename and remove; readers list; viewers and commenters get 403; a token\'s user is the author', async () => {
    const dataDir = join(work, 'tokens');
    const store = new FileStore(dataDir);
    const test = await startAuthServer({ store, api: (server) => createApiRoutes(server, store) });
    try {
      await write(store, NAME, ['a']);
      const as = async (role: string, docs = [NAME]) => ({ authorization: `Bearer ${await mint({ sub: `u-${role}`, docs, role })}` });
      const path = `/api/docs/${enc}/versions`;
      const named = await call(test.httpUrl, 'POST', path, { name: 'Mine', author: 'Mallory' }, await as('write'));
      expect(named).toMatchObject({ status: 201, json: { name: 'Mine', author: { user: 'u-write' } } });
      const id = encodeURIComponent(String(named.json['id']));
      for (const role of ['read', 'comment']) {
        expect((await call(test.httpUrl, 'POST', path, { name: 'Theirs' }, await as(role))).status).toBe(403);
        expect((await call(test.httpUrl, 'PATCH', `${path}/${id}`, { name: 'Theirs' }, await as(role))).status).toBe(403);
        expect((await call(test.httpUrl, 'DELETE', `${path}/${id}`, undefined, await as(role))).status).toBe(403);
        expect((await call(test.httpUrl, 'GET', path, undefined, await as(role))).status).toBe(200);
      }
      expect((await call(test.httpUrl, 'GET', path, undefined, await as('write', ['other']))).status).toBe(403);
      expect((await call(test.httpUrl, 'GET', path)).status).toBe(401);
      expect((await call(test.httpUrl, 'PATCH', `${path}/${id}`, { name: 'Ours' }, await as('write'))).status).toBe(200);
      expect((await call(test.httpUrl, 'DELETE', `${path}/${id}`, undefined, await as('write'))).status).toBe(200);
    } finally {
      await test.close();
    }
  });
});

describe('named versions on servers sharing a database', () => {
  it('a name given on one server is in the other\'s timeline at once, and so is a rename', async () => {
    const url = await bed.cluster.createDatabase('versions_api');
    const stores = [new PostgresStore(url), new PostgresStore(url)];
    const servers: TestServer[] = [];
    try {
      for (const store of stores) servers.push(await startTestServer({ store, api: (server) => createApiRoutes(server, store) }));
      const [a, b] = servers as [TestServer, TestServer];
      await write(stores[0] as PostgresStore, NAME, ['a', 'b', 'c']);
      // The other server reads the timeline first, so anything it kept would now be stale.
      expect((await call(b.httpUrl, 'GET', `/api/docs/${enc}/history`)).json['named']).toEqual([]);
      const named = (await call(a.httpUrl, 'POST', `/api/docs/${enc}/versions`, { name: 'Shared', at: 2 })).json;
      expect((await call(b.httpUrl, 'GET', `/api/docs/${enc}/history`)).json['named']).toEqual([named]);
      const renamed = await call(b.httpUrl, 'PATCH', `/api/docs/${enc}/versions/${encodeURIComponent(String(named['id']))}`, { name: 'Shared and renamed' });
      expect(renamed.status).toBe(200);
      expect((await call(a.httpUrl, 'GET', `/api/docs/${enc}/versions`)).json['versions']).toEqual([{ ...named, name: 'Shared and renamed' }]);
      const exported = await fetch(`${a.httpUrl}/api/docs/${enc}/export?format=text&at=${encodeURIComponent('name:Shared and renamed')}`, { signal: AbortSignal.timeout(DEADLINE_MS) });
      expect(exported.headers.get('x-tandem-seq')).toBe('2');
    } finally {
      for (const server of servers) await server.close();
    }
  });
});
