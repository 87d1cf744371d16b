/**
 * Who changed what, over HTTP on a real server with the file store, written by stock
 * y-websocket clients that declare their names: the diff between two points (JSON with marked
 * runs, HTML chosen by `format` or the Accept header, text), its errors; the authorship of the
 * text now, by the writers' own Yjs ids; a restore recorded as its requester's; and read
 * access as for every document route (a read-only token may diff, no token may not); a
 * document deleted and created again is attributed afresh.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Authorship } from '../../document-schema/diff/authorship-json.js';
import type { DocDiff } from '../../document-schema/diff/diff-tree.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { adaThenBob } from '../helpers/ada-then-bob.js';
import { useFileApiServer } from '../helpers/file-api-server.js';
import { startTestServer } from '../helpers/server.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { diffRuns } from '../helpers/diff-runs.js';
import { waitFor } from '../helpers/wait.js';
import { mint, tokenServerWithRecord } from './auth-fixtures.js';

const NAME = 'notes/plan β';
const enc = encodeURIComponent(NAME);

const api = useFileApiServer('tandem-diff-api-');

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${api.test.httpUrl}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('GET /api/docs/<doc>/diff', () => {
  it('marks what each writer inserted and deleted, with names and times from the server’s record', async () => {
    await adaThenBob(api, NAME);
    const res = await get(`/api/docs/${enc}/diff?from=1`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json; charset=utf-8');
    const diff = JSON.parse(res.body) as DocDiff;
    expect(diff.from.seq).toBe(1);
    expect(diff.to.seq).toBe(3);
    expect(diffRuns(diff)).toEqual([
      ['Ada wrote this', 'unchanged', 'Ada'],
      [' draft', 'deleted', 'Bob'],
      ['.', 'unchanged', 'Ada'],
      [' Bob agrees.', 'inserted', 'Bob'],
    ]);
    expect(diff.authors.map((a) => [a.id, a.declared])).toEqual([
      ['name:Ada', true],
      ['name:Bob', true],
    ]);
    expect(diff.summary.map((s) => [s.name, s.wordsAdded, s.wordsRemoved])).toEqual([['Bob', 2, 1]]);

    // from=0 is the empty document; a time stands for the last record at or before it.
    const all = JSON.parse((await get(`/api/docs/${enc}/diff?from=0&to=2`)).body) as DocDiff;
    expect(diffRuns(all)).toEqual([
      ['Ada wrote this draft.', 'inserted', 'Ada'],
      [' Bob agrees.', 'inserted', 'Bob'],
    ]);
    const byTime = JSON.parse((await get(`/api/docs/${enc}/diff?from=${encodeURIComponent(diff.from.time ?? '')}&to=2`)).body) as DocDiff;
    expect([byTime.from.seq, byTime.to.seq]).toEqual([1, 2]);
  });

  it('answers HTML for format=html or an Accept header asking for it, and text for format=text', async () => {
    await adaThenBob(api, NAME);
    for (const [query, headers] of [['&format=html', {}], ['', { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' }]] as const) {
      const res = await get(`/api/docs/${enc}/diff?from=1${query}`, headers);
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/html; charset=utf-8');
      expect(res.body).toMatch(/<del class="diff diff--deleted" data-diff="deleted" data-by="1" title="Deleted by Bob \(self-declared\) · [^"]+ UTC"> draft<\/del>/);
      expect(res.body).toContain('<li>Bob (self-declared): 2 words added, 1 removed</li>');
    }
    const text = await get(`/api/docs/${enc}/diff?from=1&format=text`);
    expect(text.type).toBe('text/plain; charset=utf-8');
    expect(text.body).toContain('Ada wrote this[- draft-].{+ Bob agrees.+}');
  });

  it('refuses what it cannot answer, with a reason', async () => {
    await adaThenBob(api, NAME);
    const cases: [string, number, RegExp][] = [
      [`/api/docs/${enc}/diff`, 400, /"from" is required/],
      [`/api/docs/${enc}/diff?from=1&format=pdf`, 400, /"format" must be one of json, html, text/],
      [`/api/docs/${enc}/diff?from=3&to=1`, 400, /"from" \(seq 3\) is after "to" \(seq 1\)/],
      [`/api/docs/${enc}/diff?from=1&to=9`, 400, /"to": .*there is no record 9/],
      [`/api/docs/${enc}/diff?from=yesterday`, 400, /"from": must be a sequence number/],
      [`/api/docs/${encodeURIComponent('no such doc')}/diff?from=0`, 404, /no document named "no such doc"/],
    ];
    for (const [path, status, error] of cases) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, status]);
      expect((JSON.parse(res.body) as { error: string }).error).toMatch(error);
    }
    const post = await fetch(`${api.test.httpUrl}/api/docs/${enc}/diff?from=0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(405);
  });
});

describe('GET /api/docs/<doc>/authorship', () => {
  it('says who wrote each stretch of the text now, by the writers’ own Yjs ids', async () => {
    const { ada, bob } = await adaThenBob(api, NAME);
    const res = await get(`/api/docs/${enc}/authorship`);
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.body) as Authorship;
    expect(answer.seq).toBe(3);
    const byClient = new Map<number, string>();
    for (const [client, , length, author, timeMs] of answer.runs) {
      expect(length).toBeGreaterThan(0);
      expect(timeMs).toBeGreaterThan(0);
      byClient.set(client, answer.authors[author]?.id ?? '?');
    }
    expect(Object.fromEntries(byClient)).toEqual({ [ada.doc.clientID]: 'name:Ada', [bob.doc.clientID]: 'name:Bob' });
    // The runs cover the visible text exactly: "Ada wrote this." and " Bob agrees.".
    expect(answer.runs.reduce((sum, run) => sum + run[2], 0)).toBe('Ada wrote this. Bob agrees.'.length);
  });
});

describe('a document deleted and created again under its name', () => {
  it('is attributed to its own writers, not to the deleted one’s', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-diff-recreated-'));
    const store = new FileStore(dataDir);
    const test = await startTestServer({ store, trash: store, api: (server) => createApiRoutes(server, store) });
    const write = async (name: string, texts: string[]): Promise<YClient> => {
      const client = yClient(test.wsUrl, NAME, { params: { name } });
      api.clients.push(client);
      await synced(client, 20_000);
      const start = store.assignedSeq(NAME) ?? 0;
      for (const [i, text] of texts.entries()) {
        const p = new Y.XmlElement('paragraph');
        p.insert(0, [new Y.XmlText(text)]);
        client.doc.getXmlFragment('default').insert(0, [p]);
        await waitFor(() => store.assignedSeq(NAME) === start + i + 1, `${name}’s record ${i + 1}`, 20_000);
      }
      return client;
    };
    const authorship = async (): Promise<Record<number, string>> => {
      const res = await fetch(`${test.httpUrl}/api/docs/${enc}/authorship`, { signal: AbortSignal.timeout(30_000) });
      expect(res.status).toBe(200);
      const answer = JSON.parse(await res.text()) as Authorship;
      return Object.fromEntries(answer.runs.map(([client, , , author]) => [client, answer.authors[author]?.id ?? '?']));
    };
    try {
      const ada = await write('Ada', ['one ', 'two ']);
      expect(await authorship()).toEqual({ [ada.doc.clientID]: 'name:Ada' });
      ada.destroy();
      const deleted = await fetch(`${test.httpUrl}/api/docs/${enc}`, { method: 'DELETE', signal: AbortSignal.timeout(30_000) });
      expect(deleted.status).toBe(200);
      // A new document of the name, with as many records and more.
      const bob = await write('Bob', ['three ', 'four ', 'five ']);
      expect(await authorship()).toEqual({ [bob.doc.clientID]: 'name:Bob' });
    } finally {
      await test.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('restores', () => {
  it('are recorded as their requester’s, and their text counts as theirs', async () => {
    await adaThenBob(api, NAME);
    const res = await fetch(`${api.test.httpUrl}/api/docs/${enc}/restore`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: 1, name: ' Carol ' }), signal: AbortSignal.timeout(30_000) });
    expect(res.status).toBe(200);
    const list = JSON.parse((await get('/api/docs')).body) as { docs: { lastAuthor: string }[] };
    expect(list.docs[0]?.lastAuthor).toBe('tandem:restore:name:Carol');
    const diff = JSON.parse((await get(`/api/docs/${enc}/diff?from=3`)).body) as DocDiff;
    expect(diff.summary.map((s) => [s.name, s.declared, s.wordsAdded, s.wordsRemoved])).toEqual([['Carol', true, 1, 2]]);
    expect(diff.authors.find((a) => a.name === 'Carol')?.via).toBe('restore');
    const html = await get(`/api/docs/${enc}/diff?from=3&format=html`);
    expect(html.body).toContain('title="Restored by Carol (self-declared) · ');

    const bad = await fetch(`${api.test.httpUrl}/api/docs/${enc}/restore`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: 1, name: 'x'.repeat(101) }) });
    expect(bad.status).toBe(400);
  });
});

describe('read access', () => {
  it('a read-only token may diff and ask who wrote what; a token for other documents may not', async () => {
    const withTokens = await tokenServerWithRecord('tandem-diff-auth-', NAME, (doc) => doc.getText('t').insert(0, 'hello'), api.clients);
    const auth = withTokens.test;
    try {
      const ask = (token: string, route: string): Promise<Response> =>
        fetch(`${auth.httpUrl}/api/docs/${enc}/${route}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
      const reader = await mint({ sub: 'rita', role: 'read', docs: ['notes/*'] });
      const outsider = await mint({ sub: 'otto', docs: ['other/*'] });
      const diff = await ask(reader, 'diff?from=0');
      expect(diff.status).toBe(200);
      const body = (await diff.json()) as DocDiff;
      expect(body.texts).toEqual([{ root: 't', content: [expect.objectContaining({ text: 'hello', change: 'inserted', by: 0 })] }]);
      expect(body.authors).toEqual([{ id: 'user:ada', name: 'ada', declared: false, via: null }]);
      expect((await ask(reader, 'authorship')).status).toBe(200);
      expect((await ask(outsider, 'diff?from=0')).status).toBe(403);
      expect((await fetch(`${auth.httpUrl}/api/docs/${enc}/diff?from=0`, { signal: AbortSignal.timeout(30_000) })).status).toBe(401);
    } finally {
      await withTokens.close();
    }
  });
});
