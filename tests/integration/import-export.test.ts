/**
 * Importing files into new documents and exporting Word, on a real server with the file store:
 * a Word file (made here with the `docx` library) with a table and an image, Markdown and HTML
 * files; a document exported to .docx and imported again keeps its structure and its images (as
 * files of the new document), and its comment threads are Word comments; the import is one update with the importer as its author, seen
 * live; and the refusals (409, 413, 415, 422), Word files that would unpack to far more than
 * their size among them.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSchema, type JSONContent } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { Document, HeadingLevel, ImageRun, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import mammoth from 'mammoth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addReply } from '../../document-schema/comments/comment-threads.js';
import { exportExtensions, toJson } from '../../persistence/export-format.js';
import { FileBlobs } from '../../persistence/file/file-blobs.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { createTokenAccess } from '../../sync-server/access/auth.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { ada, bob, commentOn } from '../helpers/comment-docs.js';
import { shape } from '../helpers/document-shape.js';
import { everyKindJson } from '../helpers/every-kind-document.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { hsKey, mint } from './auth-fixtures.js';
import { overlappingZip, zipOf } from '../helpers/zip-files.js';

const schema = getSchema(exportExtensions);
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

let dataDir: string;
let store: FileStore;
let test: TestServer;
const clients: YClient[] = [];

async function startServer(options: { tokens?: boolean; maxImportBytes?: number } = {}): Promise<void> {
  const access = options.tokens ? createTokenAccess(hsKey) : null;
  test = await startTestServer({
    store,
    trash: store,
    blobs: new FileBlobs(dataDir),
    api: (server) => createApiRoutes(server, store),
    ...(options.maxImportBytes ? { config: { maxImportBytes: options.maxImportBytes } } : {}),
    ...(access ? { authorize: access.authorize, authenticate: access.authenticate } : {}),
  });
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'tandem-import-'));
  store = new FileStore(dataDir);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await test.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function client(name: string, params: Record<string, string> = {}): Promise<YClient> {
  const c = yClient(test.wsUrl, encodeURIComponent(name), { params });
  clients.push(c);
  await synced(c);
  return c;
}

async function importFile(name: string, body: Uint8Array | string, format: string | null, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const query = format === null ? '' : `?format=${format}`;
  const res = await fetch(`${test.httpUrl}/api/docs/${encodeURIComponent(name)}/import${query}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : new Uint8Array(body),
    headers: { 'content-type': 'application/octet-stream', ...headers },
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function exported(name: string, format: string): Promise<Response> {
  const res = await fetch(`${test.httpUrl}/api/docs/${encodeURIComponent(name)}/export?format=${format}`, { signal: AbortSignal.timeout(30_000) });
  expect(res.status).toBe(200);
  return res;
}

async function exportedJson(name: string): Promise<JSONContent> {
  const { comments: _comments, ...doc } = (await (await exported(name, 'json')).json()) as JSONContent & { comments: unknown };
  return doc;
}

/** A Word file as Word users make them: a title, a table with a header row, an image. */
async function sampleDocx(): Promise<Buffer> {
  const cell = (text: string, bold = false) => new TableCell({ children: [new Paragraph({ children: [new TextRun({ text, bold })] })] });
  const document = new Document({
    sections: [
      {
        children: [
          new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun('Quarterly report')] }),
          new Paragraph({ children: [new TextRun('Revenue '), new TextRun({ text: 'grew', bold: true }), new TextRun(' this quarter.')] }),
          new Table({
            rows: [
              new TableRow({ tableHeader: true, children: [cell('Region', true), cell('Revenue', true)] }),
              new TableRow({ children: [cell('North'), cell('120')] }),
              new TableRow({ children: [cell('South'), cell('80')] }),
            ],
          }),
          new Paragraph({ children: [new ImageRun({ type: 'png', data: PNG, transformation: { width: 20, height: 20 } })] }),
          new Paragraph({ children: [new TextRun('The end.')] }),
        ],
      },
    ],
  });
  return Packer.toBuffer(document);
}

describe('importing files', () => {
  it('makes a new document from a Word file with a table and an image, the image stored as its file', async () => {
    await startServer();
    const answer = await importFile('report', await sampleDocx(), 'docx');
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ name: 'report', format: 'docx', seq: 1, notes: [] });
    const doc = await exportedJson('report');
    const image = doc.content?.find((node) => node.type === 'image');
    expect(image?.attrs?.['src']).toBe(`/api/docs/report/files/${createHash('sha256').update(PNG).digest('hex')}`);
    const file = await fetch(`${test.httpUrl}${String(image?.attrs?.['src'])}`, { signal: AbortSignal.timeout(30_000) });
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true);
    expect(shape(doc)).toEqual({
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 1 }, content: ['Quarterly report'] },
        { type: 'paragraph', content: ['Revenue ', 'grew[bold]', ' this quarter.'] },
        {
          type: 'table',
          content: [
            { type: 'tableRow', content: [{ type: 'tableHeader', content: [{ type: 'paragraph', content: ['Region[bold]'] }] }, { type: 'tableHeader', content: [{ type: 'paragraph', content: ['Revenue[bold]'] }] }] },
            { type: 'tableRow', content: [{ type: 'tableCell', content: [{ type: 'paragraph', content: ['North'] }] }, { type: 'tableCell', content: [{ type: 'paragraph', content: ['120'] }] }] },
            { type: 'tableRow', content: [{ type: 'tableCell', content: [{ type: 'paragraph', content: ['South'] }] }, { type: 'tableCell', content: [{ type: 'paragraph', content: ['80'] }] }] },
          ],
        },
        { type: 'image' },
        { type: 'paragraph', content: ['The end.'] },
      ],
    });
  });

  it('makes documents of the same structure from Markdown and from HTML', async () => {
    await startServer();
    const markdown = [
      '# Plan',
      '',
      'Read **this** and [the site](https://example.com/a).',
      '',
      '- one',
      '- two',
      '',
      '* [x] done',
      '* [ ] open',
      '',
      '| Who | What |',
      '| --- | --- |',
      '| Ada | Math |',
      '',
      '![a chart](https://example.com/chart.png)',
      '',
    ].join('\n');
    const html = [
      '<h1>Plan</h1><p>Read <strong>this</strong> and <a href="https://example.com/a">the site</a>.</p>',
      '<ul><li><p>one</p></li><li><p>two</p></li></ul>',
      // GitHub-style checklist: items that start with a checkbox.
      '<ul><li><input type="checkbox" checked> done</li><li><input type="checkbox"> open</li></ul>',
      '<table><tr><th>Who</th><th>What</th></tr><tr><td>Ada</td><td>Math</td></tr></table>',
      '<p><img src="https://example.com/chart.png" alt="a chart"></p><script>alert(1)</script>',
    ].join('');
    const fromMarkdown = await importFile('from md', markdown, 'markdown');
    const fromHtml = await importFile('from html', html, null, { 'content-type': 'text/html; charset=utf-8' });
    expect(fromMarkdown.status).toBe(201);
    expect(fromHtml.status).toBe(201);
    expect(fromMarkdown.json['notes']).toEqual([expect.stringMatching(/^1 image was left out/)]);
    expect(fromHtml.json['notes']).toEqual([expect.stringMatching(/^1 image was left out/)]);
    const md = shape(await exportedJson('from md'));
    expect(shape(await exportedJson('from html'))).toEqual(md);
    expect(md).toMatchObject({
      content: [
        { type: 'heading' },
        { type: 'paragraph', content: ['Read ', 'this[bold]', ' and ', 'the site[link(https://example.com/a)]', '.'] },
        { type: 'bulletList' },
        { type: 'taskList', content: [{ type: 'taskItem', attrs: { checked: true } }, { type: 'taskItem', attrs: { checked: false } }] },
        { type: 'table' },
      ],
    });
  });

  it('writes the import as one update with the importer as author, which connected clients see at once', async () => {
    await startServer({ tokens: true });
    const token = await mint({ sub: 'u-ada', docs: ['*'], role: 'write' });
    const watcher = await client('live import', { token });
    const answer = await importFile('live import', '# Hello\n\nworld\n', 'markdown', { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(201);
    await waitFor(() => toJson(watcher.doc).content?.length === 2, 'the imported content at the connected client');
    const history = await store.readHistory('live import');
    expect(history?.records.map((r) => [r.seq, r.author])).toEqual([[1, 'u-ada']]);
    // A viewer may not import.
    const viewer = await mint({ sub: 'u-bob', docs: ['*'], role: 'read' });
    expect((await importFile('other', '# x\n', 'markdown', { authorization: `Bearer ${viewer}` })).status).toBe(403);
  });

  it('refuses a document with content, an unknown type, a file too large and a broken one, changing nothing', async () => {
    await startServer({ maxImportBytes: 64 * 1024 });
    expect((await importFile('taken', '# First\n', 'markdown')).status).toBe(201);
    const again = await importFile('taken', '# Second\n', 'markdown');
    expect(again.status).toBe(409);
    expect(String(again.json['error'])).toMatch(/already has content/);
    expect((await importFile('pdf', '%PDF-1.4', 'pdf')).status).toBe(415);
    expect((await importFile('pdf', '%PDF-1.4', null, { 'content-type': 'application/pdf' })).status).toBe(415);
    expect((await importFile('big', 'x'.repeat(65 * 1024), 'markdown')).status).toBe(413);
    const broken = await importFile('broken', 'PK\u0003\u0004 not really a zip', 'docx');
    expect(broken.status).toBe(422);
    expect(String(broken.json['error'])).toMatch(/not a readable Word document/);
    expect((await importFile('old word', 'not a zip at all', 'docx')).status).toBe(422);
    expect((await importFile('binary', new Uint8Array([0xff, 0xfe, 0x00, 0xd8]), 'markdown')).status).toBe(422);
    // A form's body type is refused before anything is read.
    expect((await importFile('form', '# x', 'markdown', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(shape(await exportedJson('taken'))).toEqual({ type: 'doc', content: [{ type: 'heading', attrs: { level: 1 }, content: ['First'] }] });
    expect((await store.listDocs()).map((d) => d.name)).toEqual(['taken']);
  });
});

describe('importing Word files that unpack to far more than their size', () => {
  it('refuses one past four times --max-import-bytes before converting it, and goes on importing', async () => {
    await startServer({ maxImportBytes: 64 * 1024 });
    // 1 MiB of XML in a file of a few KiB: within the import limit, past the unpacked one.
    const bomb = zipOf([{ name: '[Content_Types].xml', data: Buffer.from('<Types/>') }, { name: 'word/document.xml', data: Buffer.alloc(1024 * 1024, 0x20) }]);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const refused = await importFile('bomb', bomb, 'docx');
    expect(refused.status).toBe(413);
    expect(refused.json['error']).toBe('the Word file cannot be imported: it unpacks to more than 256 KiB, the most this server unpacks from one Word file (4 times --max-import-bytes, in at most 10000 parts)');
    // A part that holds more than the directory says is caught as it is unpacked.
    const lying = await importFile('lying', zipOf([{ name: 'word/document.xml', data: Buffer.alloc(1024 * 1024, 0x20), declaredSize: 1000 }]), 'docx');
    expect(lying.status).toBe(413);
    expect(lying.json['error']).toMatch(/"word\/document.xml" unpacks to more than the 1000 bytes its zip directory declares/);
    expect(await store.listDocs()).toEqual([]);
    expect((await importFile('report', await sampleDocx(), 'docx')).status).toBe(201);
  });

  it('refuses, with the default limits, a small file whose directory adds up to gigabytes', async () => {
    await startServer();
    const overlapping = overlappingZip(2048, 1024 * 1024);
    expect(overlapping.length).toBeLessThan(256 * 1024);
    const refused = await importFile('overlapping', overlapping, 'docx');
    expect(refused.status).toBe(413);
    expect(refused.json['error']).toMatch(/unpacks to more than 80 MiB/);
    const health = await fetch(`${test.httpUrl}/healthz`, { signal: AbortSignal.timeout(30_000) });
    expect(health.status).toBe(200);
  });
});

describe('exporting Word', () => {
  it('exports a document that, imported again, has the same structure; comment threads are Word comments', async () => {
    await startServer();
    const upload = await fetch(`${test.httpUrl}/api/docs/source/files`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(PNG), signal: AbortSignal.timeout(30_000) });
    const { url } = (await upload.json()) as { url: string };
    const writer = await client('source');
    // everyKindJson's own images name files this server does not have: this one it has.
    const withImage = { ...everyKindJson, content: [...(everyKindJson.content ?? []).filter((node) => node.type !== 'image'), { type: 'image', attrs: { src: url, alt: 'a dot' } }] };
    prosemirrorJSONToYXmlFragment(schema, withImage, writer.doc.getXmlFragment('default'));
    const thread = commentOn(writer.doc, 'Offsite plan', ada, 'Is this the final title?');
    addReply(writer.doc, thread, bob, 'Yes, keep it.', null, 1_700_000_100_000);
    await waitFor(() => (store.assignedSeq('source') ?? 0) >= 3, 'the source stored');

    const response = await exported('source', 'docx');
    expect(response.headers.get('content-type')).toBe(DOCX);
    const docx = Buffer.from(await response.arrayBuffer());

    // Word comments, read back by another reader of Word files.
    const withComments = await mammoth.convertToHtml({ buffer: docx }, { styleMap: ['comment-reference => sup'] });
    expect(withComments.value).toContain('Is this the final title?');
    expect(withComments.value).toContain('Yes, keep it.');

    const again = await importFile('copy', docx, null, { 'content-type': DOCX });
    expect(again.status).toBe(201);
    expect(again.json['notes']).toEqual([]);
    const original = shape(await exportedJson('source'));
    expect(shape(await exportedJson('copy'))).toEqual(original);
    // The image came along as a file of the copy.
    const copied = (await exportedJson('copy')).content?.find((node) => node.type === 'image');
    expect(copied?.attrs).toMatchObject({ src: url.replace('/source/', '/copy/'), alt: 'a dot' });
  });
});
