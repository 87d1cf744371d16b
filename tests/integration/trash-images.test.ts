/**
 * A document with images, deleted and restored under another name (its old name holds a new
 * document meanwhile), with the file store and with PostgreSQL: its files go with it, and
 * although its content — every version of it — names the old document, its images are its own
 * files: the new name serves them, and every export (JSON, HTML, Markdown, Word; now and at an
 * earlier version) names or holds them, while the new document of the old name keeps its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSchema, type JSONContent } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import mammoth from 'mammoth';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../persistence/blobs.js';
import { sha256Hex } from '../../persistence/blobs.js';
import { exportExtensions } from '../../persistence/export-format.js';
import { FileBlobs } from '../../persistence/file/file-blobs.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { PostgresBlobs } from '../../persistence/postgres/pg-blobs.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { synced, yClient } from '../helpers/clients.js';
import { png } from '../helpers/images.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitForAsync } from '../helpers/wait.js';

const schema = getSchema(exportExtensions);
const OLD = png(4, 3, [200, 40, 40]);
const NEW = png(4, 3, [40, 40, 200]);
const path = (name: string): string => `/api/docs/${encodeURIComponent(name)}`;

let cluster: PgCluster | null = null;
const dirs: string[] = [];

const KINDS: Record<string, () => Promise<{ store: FileStore | PostgresStore; blobs: BlobStore }>> = {
  file: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-trash-images-'));
    dirs.push(dir);
    return { store: new FileStore(dir), blobs: new FileBlobs(dir) };
  },
  postgres: async () => {
    cluster ??= await PgCluster.start();
    const store = new PostgresStore(await cluster.createDatabase('trash_images'));
    await store.ready();
    return { store, blobs: new PostgresBlobs(store.db) };
  },
};

afterAll(async () => {
  await cluster?.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(Object.keys(KINDS))('images of a document restored under another name, %s store', (kind) => {
  let test: TestServer;

  afterEach(async () => {
    await test.close();
  });

  async function call(method: string, url: string, body?: unknown): Promise<Response> {
    return fetch(`${test.httpUrl}${url}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(30_000),
    });
  }

  /** Uploads `image` to `name` and writes a paragraph and the image as its content. */
  async function writeWithImage(name: string, text: string, image: Buffer): Promise<string> {
    const upload = await fetch(`${test.httpUrl}${path(name)}/files`, { method: 'POST', body: new Uint8Array(image), headers: { 'content-type': 'image/png' }, signal: AbortSignal.timeout(30_000) });
    expect(upload.status).toBe(201);
    const { url } = (await upload.json()) as { url: string };
    const writer = yClient(test.wsUrl, encodeURIComponent(name));
    try {
      await synced(writer);
      prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }, { type: 'image', attrs: { src: url, alt: text } }] }, writer.doc.getXmlFragment('default'));
      await waitForAsync(async () => (await exported(name, 'text')).includes(text), `${name} stored`);
    } finally {
      writer.destroy();
    }
    return url;
  }

  async function exported(name: string, format: string, at?: number): Promise<string> {
    const response = await call('GET', `${path(name)}/export?format=${format}${at === undefined ? '' : `&at=${at}`}`);
    expect(response.status).toBe(200);
    return format === 'docx' ? Buffer.from(await response.arrayBuffer()).toString('base64') : response.text();
  }

  const imageOf = (json: string): unknown => ((JSON.parse(json) as JSONContent).content ?? []).find((node) => node.type === 'image')?.attrs?.['src'];

  it('serves them under the new name and exports them as its own', async () => {
    const { store, blobs } = await KINDS[kind]!();
    test = await startTestServer({ store, blobs, trash: store, api: (server) => createApiRoutes(server, store) });
    const oldUrl = await writeWithImage('Trip', 'The harbour', OLD);
    expect((await call('DELETE', path('Trip'))).status).toBe(200);
    const newUrl = await writeWithImage('Trip', 'The station', NEW);
    const restored = await call('POST', `${path('Trip')}/undelete`, { as: 'Trip 2025' });
    expect(restored.status).toBe(200);

    // The content still names "Trip", whose file now is another image; the files went along.
    const own = `${path('Trip 2025')}/files/${sha256Hex(OLD)}`;
    expect(oldUrl).toBe(`${path('Trip')}/files/${sha256Hex(OLD)}`);
    expect((await call('GET', oldUrl)).status).toBe(404);
    const served = await call('GET', own);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(OLD)).toBe(true);

    // Every export names the document's own file, at every version.
    expect(imageOf(await exported('Trip 2025', 'json'))).toBe(own);
    expect(imageOf(await exported('Trip 2025', 'json', 1))).toBe(own);
    expect(await exported('Trip 2025', 'html')).toContain(`<img src="${test.httpUrl}${own}" alt="The harbour">`);
    expect(await exported('Trip 2025', 'markdown')).toContain(`![The harbour](${test.httpUrl}${own})`);
    const word = Buffer.from(await exported('Trip 2025', 'docx'), 'base64');
    const { value: html } = await mammoth.convertToHtml({ buffer: word });
    expect(html).toContain(`src="data:image/png;base64,${OLD.toString('base64')}"`);

    // The new document of the old name keeps its own image.
    expect(imageOf(await exported('Trip', 'json'))).toBe(newUrl);
    expect(await exported('Trip', 'html')).toContain(`${test.httpUrl}${newUrl}`);
  });
});
