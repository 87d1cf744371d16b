/**
 * The `/api` routes on a real server with the file store: list, history, export (now and at a
 * point), restore — which live clients see at once, recorded as its requester's — and the
 * 400/404 answers.
 */
import { getSchema } from '@tiptap/core';
import { StarterKit } from '@tiptap/starter-kit';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { toText } from '../../persistence/export-format.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { RESTORE_AUTHOR, createApiRoutes } from '../../sync-server/http/api-routes.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DirectoryBackup } from '../../persistence/file/backup.js';
import { readBackupStream } from '../../persistence/file/backup-stream.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { useFileApiServer } from '../helpers/file-api-server.js';
import { DEADLINE_MS, waitFor } from '../helpers/wait.js';
import { mint, startAuthServer } from './auth-fixtures.js';

const schema = getSchema([StarterKit.configure({ undoRedo: false })]);
const NAME = 'notes/α β';
const enc = encodeURIComponent(NAME);

const api = useFileApiServer('tandem-api-');

async function client(name = NAME): Promise<YClient> {
  const c = yClient(api.test.wsUrl, name);
  api.clients.push(c);
  await synced(c);
  return c;
}

async function get(path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${api.test.httpUrl}${path}`, { signal: AbortSignal.timeout(DEADLINE_MS) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

async function post(path: string, body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${api.test.httpUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(DEADLINE_MS) });
  return { status: res.status, json: await res.json() };
}

/** Writes two versions of a rich document: a heading and a paragraph, then a second paragraph. */
async function writeTwoVersions(writer: YClient): Promise<void> {
  prosemirrorJSONToYXmlFragment(schema, {
    type: 'doc',
    content: [
      { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Plan' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'first ' }, { type: 'text', marks: [{ type: 'bold' }], text: 'draft' }] },
    ],
  }, writer.doc.getXmlFragment('default'));
  await waitFor(() => api.store.assignedSeq(NAME) === 1, 'first record');
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText('more')]);
  writer.doc.getXmlFragment('default').insert(2, [p]);
  await waitFor(() => api.store.assignedSeq(NAME) === 2, 'second record');
  await api.store.flush();
}

describe('/api with the file store', () => {
  it('lists documents, shows history and exports them now and as they were', async () => {
    const writer = await client();
    await writeTwoVersions(writer);

    const list = await get('/api/docs');
    expect(list.status).toBe(200);
    const docs = (JSON.parse(list.body) as { docs: { name: string; records: number; bytes: number; lastChange: string }[] }).docs;
    expect(docs).toEqual([{ name: NAME, records: 2, bytes: expect.any(Number), lastChange: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), lastAuthor: null }]);

    const history = JSON.parse((await get(`/api/docs/${enc}/history`)).body) as { name: string; records: number; versions: { fromSeq: number; toSeq: number; authors: string[]; records: number }[] };
    expect(history).toMatchObject({ name: NAME, records: 2 });
    expect(history.versions).toEqual([{ fromSeq: 1, toSeq: 2, start: expect.any(String), end: expect.any(String), authors: [], records: 2, bytes: expect.any(Number), kind: 'edit' }]);

    const markdown = await get(`/api/docs/${enc}/export?format=markdown`);
    expect(markdown.type).toMatch(/^text\/markdown/);
    expect(markdown.body).toBe('## Plan\n\nfirst **draft**\n\nmore\n');
    expect((await get(`/api/docs/${enc}/export?format=markdown&at=1`)).body).toBe('## Plan\n\nfirst **draft**\n');
    expect((await get(`/api/docs/${enc}/export?format=text&at=0`)).body).toBe('');
    const html = await get(`/api/docs/${enc}/export?format=html&at=1`);
    expect(html).toMatchObject({ status: 200, body: '<h2>Plan</h2><p>first <strong>draft</strong></p>' });
    expect(html.type).toMatch(/^text\/html/);
    const json = await get(`/api/docs/${enc}/export?format=json`);
    expect(json.type).toMatch(/^application\/json/);
    expect((JSON.parse(json.body) as { content: unknown[] }).content).toHaveLength(3);
    const yjs = await fetch(`${api.test.httpUrl}/api/docs/${enc}/export?format=yjs`);
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, new Uint8Array(await yjs.arrayBuffer()));
    expect(toText(rebuilt)).toBe('Plan\n\nfirst draft\n\nmore\n');
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await get(`/api/docs/${enc}/export?format=text&at=${future}`)).body).toBe('Plan\n\nfirst draft\n\nmore\n');
  });

  it('answers 400 for bad parameters and 404 for unknown documents', async () => {
    const writer = await client();
    await writeTwoVersions(writer);
    expect((await get(`/api/docs/${enc}/export?format=pdf`)).status).toBe(400);
    expect((await get(`/api/docs/${enc}/export?format=text&at=3`)).status).toBe(400);
    expect((await get(`/api/docs/${enc}/export?format=text&at=soon`)).status).toBe(400);
    expect((await get(`/api/docs/${enc}/history?pause=-1`)).status).toBe(400);
    expect(JSON.parse((await get('/api/docs/nope/history')).body)).toEqual({ error: 'no document named "nope"' });
    expect((await get('/api/docs/nope/export?format=text')).status).toBe(404);
    expect((await post('/api/docs/nope/restore', '{"at":1}')).status).toBe(404);
    expect((await post(`/api/docs/${enc}/restore`, 'not json')).status).toBe(400);
    expect((await post(`/api/docs/${enc}/restore`, '{}')).status).toBe(400);
    expect((await post(`/api/docs/${enc}/restore`, '{"at":"later"}')).status).toBe(400);
    expect((await post(`/api/docs/${enc}/restore`, '{"at":7}')).status).toBe(400);
    expect((await get(`/api/docs/${enc}/restore`)).status).toBe(405);
    expect((await post(`/api/docs/${enc}/restore`, JSON.stringify({ at: 1, name: 'a\u0007b' }))).status).toBe(400);
    expect((await post(`/api/docs/${enc}/restore`, JSON.stringify({ at: 1, name: 42 }))).status).toBe(400);
  });

  it('restores an old version as a new update that live clients see at once', async () => {
    const writer = await client();
    const watcher = await client();
    await writeTwoVersions(writer);
    await waitFor(() => toText(watcher.doc) === 'Plan\n\nfirst draft\n\nmore\n', 'watcher to see both versions');

    const restored = await post(`/api/docs/${enc}/restore`, JSON.stringify({ at: 1 }));
    expect(restored).toEqual({ status: 200, json: { restoredFrom: 1, seq: 3, restoredBy: null } });
    await waitFor(() => toText(watcher.doc) === 'Plan\n\nfirst draft\n', 'watcher to see the restored version');
    await waitFor(() => toText(writer.doc) === 'Plan\n\nfirst draft\n', 'writer to see the restored version');

    const history = await api.store.readHistory(NAME);
    expect(history?.records.map((r) => r.author)).toEqual([null, null, RESTORE_AUTHOR]);
    expect((await get(`/api/docs/${enc}/export?format=text&at=2`)).body).toBe('Plan\n\nfirst draft\n\nmore\n');
    // Restoring what is already current changes nothing and adds no record.
    expect(await post(`/api/docs/${enc}/restore`, JSON.stringify({ at: 3 }))).toEqual({ status: 200, json: { restoredFrom: 3, seq: 3, restoredBy: null } });
  });

  it('restores a document nobody has open; the next client gets the old content', async () => {
    const writer = await client();
    await writeTwoVersions(writer);
    const first = (await api.store.readHistory(NAME))?.records[0]?.timeMs ?? 0;
    writer.destroy();
    await waitFor(() => api.test.server.rooms.size === 0, 'room to unload');

    const at = new Date(first).toISOString();
    expect(await post(`/api/docs/${enc}/restore`, JSON.stringify({ at, name: ' Ada  Lovelace ' }))).toEqual({
      status: 200,
      json: { restoredFrom: 1, seq: 3, restoredBy: { name: 'Ada Lovelace' } },
    });
    const reader = await client();
    expect(toText(reader.doc)).toBe('Plan\n\nfirst draft\n');
  });

  it('says who asked for a restore in the history: the name given, or a token\'s user over any name', async () => {
    const writer = await client();
    await writeTwoVersions(writer);
    expect(await post(`/api/docs/${enc}/restore`, JSON.stringify({ at: 1, name: 'Ada' }))).toMatchObject({ status: 200, json: { seq: 3 } });
    const history = JSON.parse((await get(`/api/docs/${enc}/history`)).body) as { versions: Record<string, unknown>[] };
    expect(history.versions.at(-1)).toMatchObject({ fromSeq: 3, toSeq: 3, kind: 'restore', restoredBy: { name: 'Ada' }, authors: ['tandem:restore:name:Ada'] });
    expect(history.versions[0]).toMatchObject({ kind: 'edit' });
    expect(history.versions[0]).not.toHaveProperty('restoredBy');

    // With tokens, the server knows who asks: the token's subject, whatever the body claims.
    const dataDir = api.store.dataDir;
    writer.destroy();
    await api.test.close();
    const store = new FileStore(dataDir);
    const test = await startAuthServer({ store, api: (server) => createApiRoutes(server, store) });
    try {
      const token = await mint({ sub: 'u-42', docs: ['*'], role: 'write' });
      const res = await fetch(`${test.httpUrl}/api/docs/${enc}/restore`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ at: 2, name: 'Mallory' }),
        signal: AbortSignal.timeout(DEADLINE_MS),
      });
      expect(await res.json()).toEqual({ restoredFrom: 2, seq: 4, restoredBy: { user: 'u-42' } });
      expect((await store.readHistory(NAME))?.records.at(-1)?.author).toBe('tandem:restore:user:u-42');
    } finally {
      await test.close();
    }
  });

  it('compacts history before a point while people keep editing; later states stay exact', async () => {
    const writer = await client();
    const watcher = await client();
    await writeTwoVersions(writer);
    const text = writer.doc.getText('notes');
    for (let i = 0; i < 10; i += 1) text.insert(text.length, String(i));
    await waitFor(() => watcher.doc.getText('notes').toString() === '0123456789', 'the edits to be relayed');
    const atFive = (await get(`/api/docs/${enc}/export?format=json&at=5`)).body;

    // Edits keep coming while the server compacts.
    let typing = true;
    const typed = (async () => {
      for (let i = 0; typing && i < 200; i += 1) {
        text.insert(text.length, 'x');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const compacted = await post(`/api/docs/${enc}/compact`, JSON.stringify({ before: 5 }));
    typing = false;
    await typed;
    expect(compacted).toMatchObject({ status: 200, json: { compactedBefore: 5, removed: 5 } });
    await waitFor(() => watcher.doc.getText('notes').toString() === text.toString(), 'every edit to reach the watcher');
    await api.store.flush();

    const history = JSON.parse((await get(`/api/docs/${enc}/history`)).body) as { compacted: { beforeSeq: number }; versions: { fromSeq: number }[] };
    expect(history.compacted).toMatchObject({ beforeSeq: 5, at: expect.any(String) });
    expect(history.versions[0]?.fromSeq).toBe(6);
    expect((await get(`/api/docs/${enc}/export?format=json&at=5`)).body).toBe(atFive);
    const early = await get(`/api/docs/${enc}/export?format=json&at=4`);
    expect(early.status).toBe(400);
    expect(JSON.parse(early.body).error).toMatch(/before seq 5 was compacted/);
    expect((await post(`/api/docs/${enc}/restore`, JSON.stringify({ at: 2 }))).status).toBe(400);
    // A new client gets the whole document (the updates relayed after its state follow it).
    const reader = await client();
    await waitFor(() => reader.doc.getText('notes').toString() === text.toString(), 'a new client to get everything');

    expect((await post(`/api/docs/${enc}/compact`, '{}')).status).toBe(400);
    expect((await post(`/api/docs/${enc}/compact`, JSON.stringify({ before: 100_000 }))).status).toBe(400);
    expect(await post(`/api/docs/${enc}/compact`, JSON.stringify({ before: 'soon' }))).toEqual({
      status: 400, json: { error: '"before" must be a sequence number or an ISO time such as 2025-01-31T12:00:00Z, got "soon"' },
    });
    expect((await post('/api/docs/nope/compact', JSON.stringify({ before: 1 }))).status).toBe(404);
    expect((await get(`/api/docs/${enc}/compact`)).status).toBe(405);

    for (const c of api.clients.splice(0)) c.destroy();
    const { dataDir } = api.store;
    await api.test.close();
    const report = await verifyDataDir(dataDir, { live: false });
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(report.docs[0]?.compacted).toMatchObject({ seq: 5 });
  });

  it('hands a backup only to a caller who may read every document', async () => {
    const writer = await client();
    await writeTwoVersions(writer);
    const other = await client('other');
    other.doc.getText('t').insert(0, 'x');
    await waitFor(() => api.store.assignedSeq('other') === 1, 'the other document to be written');
    await api.store.flush();
    writer.destroy();
    const { dataDir } = api.store;
    await api.test.close();
    const store = new FileStore(dataDir);
    const test = await startAuthServer({ store, api: (server) => createApiRoutes(server, store) });
    const copyDir = join(dataDir, '..', `${basename(dataDir)}-copy`);
    try {
      const backup = async (docs: string[]): Promise<Response> =>
        fetch(`${test.httpUrl}/api/backup`, { headers: { authorization: `Bearer ${await mint({ docs, role: 'read' })}` }, signal: AbortSignal.timeout(DEADLINE_MS) });
      const partial = await backup([NAME]);
      expect(partial.status).toBe(403);
      expect(await partial.json()).toEqual({ error: 'a backup holds every document: it needs a token that grants them all ("docs": ["*"])' });
      expect((await fetch(`${test.httpUrl}/api/backup`, { signal: AbortSignal.timeout(DEADLINE_MS) })).status).toBe(401);
      const whole = await backup(['*']);
      expect(whole.status).toBe(200);
      const target = new DirectoryBackup(copyDir);
      await readBackupStream(Readable.fromWeb(whole.body as unknown as NodeReadableStream<Uint8Array>) as AsyncIterable<Uint8Array>, target);
      await target.finish();
      const copy = new FileStore(copyDir);
      expect(toText(docOf((await copy.load(NAME)).state))).toBe('Plan\n\nfirst draft\n\nmore\n');
      await copy.close();
    } finally {
      await test.close();
      rmSync(copyDir, { recursive: true, force: true });
    }
  });
});

function docOf(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}
