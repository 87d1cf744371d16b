/**
 * Images on a real server, in both stores (the data dir and PostgreSQL): each accepted type is
 * stored and served back byte for byte with its type, `nosniff`, a sandboxing CSP and a long
 * immutable cache; the same file twice is stored once; SVG, a renamed program and text are
 * refused by their bytes (415) whatever they are called or declared as; a file over
 * `max-file-bytes` is refused (413) whether its length is declared or not, and the server goes
 * on; files count toward the document's size; the files stay across a restart, in exports, and
 * `tandem verify` names a damaged one.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { getSchema } from '@tiptap/core';
import type { BlobStore } from '../../persistence/blobs.js';
import { sha256Hex } from '../../persistence/blobs.js';
import { exportExtensions } from '../../persistence/export-format.js';
import { FileBlobs } from '../../persistence/file/file-blobs.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { PostgresBlobs } from '../../persistence/postgres/pg-blobs.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { resolveConfig, type ServerConfig } from '../../sync-server/config.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { synced, within, yClient, type YClient } from '../helpers/clients.js';
import { EXE, SAMPLE_IMAGES, SVG, png, pngOfSize } from '../helpers/images.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { MemoryBlobs } from '../../persistence/memory-blobs.js';
import { MemoryStore } from '../../persistence/memory-store.js';
import { createTokenAccess } from '../../sync-server/access/auth.js';
import { hsKey, mint } from './auth-fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const DOC = 'Trip / photos';
const ENC = encodeURIComponent(DOC);
const KiB = 1024;

interface Backend {
  store: FileStore | PostgresStore;
  blobs: BlobStore;
}

interface StoreKind {
  name: string;
  /** A fresh, empty store; `again` opens the same one once more (a restart). */
  open(): Promise<Backend & { again(): Backend; cleanup(): Promise<void> }>;
}

let cluster: PgCluster | null = null;
const dirs: string[] = [];

const kinds: StoreKind[] = [
  {
    name: 'data dir',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'tandem-files-'));
      dirs.push(dir);
      const make = (): Backend => ({ store: new FileStore(dir), blobs: new FileBlobs(dir) });
      return { ...make(), again: make, cleanup: async () => undefined };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      cluster ??= await PgCluster.start();
      const url = await cluster.createDatabase();
      const make = (): Backend => {
        const store = new PostgresStore(url);
        return { store, blobs: new PostgresBlobs(store.db) };
      };
      return { ...make(), again: make, cleanup: async () => undefined };
    },
  },
];

afterAll(async () => {
  await cluster?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function serve(backend: Backend, limits: Partial<ServerConfig['limits']> = {}): Promise<TestServer> {
  // As `tandem serve` does before it listens: recovery, and the database's schema.
  await backend.store.ready();
  return startTestServer({ store: backend.store, blobs: backend.blobs, limits, api: (server) => createApiRoutes(server, backend.store) });
}

async function upload(server: TestServer, bytes: Uint8Array, type = 'application/octet-stream', doc = ENC) {
  const response = await fetch(`${server.httpUrl}/api/docs/${doc}/files`, { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': type }, signal: AbortSignal.timeout(20_000) });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

async function fetchFile(server: TestServer, url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.httpUrl}${url}`, { headers, signal: AbortSignal.timeout(20_000) });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe.each(kinds)('files in the $name store', (kind) => {
  let backend: Awaited<ReturnType<StoreKind['open']>>;
  let server: TestServer | null = null;
  const clients: YClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await server?.close();
    server = null;
    await backend.cleanup();
  });

  it('stores each accepted type and serves it back byte for byte, with its type and safe headers', async () => {
    backend = await kind.open();
    server = await serve(backend);
    for (const sample of SAMPLE_IMAGES) {
      // Declared as bytes: the server tells the type from the bytes themselves.
      const added = await upload(server, sample.bytes);
      const sha256 = sha256Hex(sample.bytes);
      expect(added.status, sample.name).toBe(201);
      expect(added.json).toEqual({ url: `/api/docs/${ENC}/files/${sha256}`, type: sample.type, bytes: sample.bytes.length, sha256 });
      expect(added.headers.get('location')).toBe(added.json['url']);

      const served = await fetchFile(server, String(added.json['url']));
      expect(served.status).toBe(200);
      expect(served.bytes.equals(sample.bytes), `${sample.name} comes back as sent`).toBe(true);
      expect(served.headers.get('content-type')).toBe(sample.type);
      expect(served.headers.get('content-length')).toBe(String(sample.bytes.length));
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = served.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain('sandbox');
      expect(served.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
      expect(served.headers.get('etag')).toBe(`"${sha256}"`);
      expect(served.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      const again = await fetchFile(server, String(added.json['url']), { 'if-none-match': `"${sha256}"` });
      expect(again.status).toBe(304);
    }
    // The same file again is the same file: stored once.
    const [first] = SAMPLE_IMAGES;
    if (!first) throw new Error('no samples');
    const repeated = await upload(server, first.bytes, first.type);
    expect(repeated.status).toBe(200);
    expect(repeated.json['sha256']).toBe(sha256Hex(first.bytes));
    expect((await backend.blobs.listBlobs(DOC)).map((b) => b.sha256).sort()).toEqual(SAMPLE_IMAGES.map((s) => sha256Hex(s.bytes)).sort());

    expect((await fetchFile(server, `/api/docs/${ENC}/files/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetchFile(server, `/api/docs/other/files/${sha256Hex(first.bytes)}`)).status).toBe(404);
    expect((await fetchFile(server, `/api/docs/${ENC}/files/not-a-hash`)).status).toBe(404);
  });

  it('refuses SVG, a renamed program and text by their bytes, whatever they are called', async () => {
    backend = await kind.open();
    server = await serve(backend);
    const svg = await upload(server, SVG, 'image/svg+xml');
    expect(svg.status).toBe(415);
    expect(svg.json['error']).toMatch(/Only PNG, JPEG, GIF and WebP images can be added; this file is an SVG image/);
    const exe = await upload(server, EXE, 'image/png');
    expect(exe.status).toBe(415);
    expect(exe.json['error']).toMatch(/this file is a Windows program/);
    const text = await upload(server, Buffer.from('just some words'), 'image/jpeg');
    expect(text.status).toBe(415);
    expect(text.json['error']).toMatch(/this file is none of them/);
    // A form's type never reaches the route (the cross-site rule of body-type.ts).
    expect((await upload(server, SAMPLE_IMAGES[0]?.bytes ?? Buffer.alloc(0), 'text/plain')).status).toBe(415);
    expect(await backend.blobs.listBlobs(DOC)).toEqual([]);
  });

  it('refuses a file over max-file-bytes, declared or streamed, and goes on serving', async () => {
    backend = await kind.open();
    server = await serve(backend, { maxFileBytes: 64 * KiB });
    const big = png(200, 200, [10, 120, 10], 1); // uncompressed rows: about 120 KiB
    expect(big.length).toBeGreaterThan(64 * KiB);

    const declared = await upload(server, big);
    expect(declared.status).toBe(413);
    expect(declared.json['error']).toMatch(/larger than 64 KiB/);

    // No Content-Length: refused once the bytes pass the limit.
    const chunks = [big.subarray(0, 32 * KiB), big.subarray(32 * KiB, 80 * KiB), big.subarray(80 * KiB)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const streamed = await fetch(`${server.httpUrl}/api/docs/${ENC}/files`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'image/png' },
      duplex: 'half',
      signal: AbortSignal.timeout(20_000),
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: string }).error).toMatch(/larger than 64 KiB/);
    expect(await backend.blobs.listBlobs(DOC)).toEqual([]);

    const small = SAMPLE_IMAGES[0]?.bytes ?? Buffer.alloc(0);
    expect((await upload(server, small)).status).toBe(201);
    const health = await fetch(`${server.httpUrl}/healthz`, { signal: AbortSignal.timeout(20_000) });
    expect(health.status).toBe(200);
  });

  it('takes an image at the default file limit into an empty document, with room for text', async () => {
    backend = await kind.open();
    // The limits `tandem serve` starts with when nothing is set.
    const { maxFileBytes, maxDocumentBytes } = resolveConfig({}, {}).limits;
    server = await serve(backend, { maxFileBytes, maxDocumentBytes });
    const atLimit = pngOfSize(maxFileBytes);
    const added = await upload(server, atLimit);
    expect(added.status).toBe(201);
    expect(added.json['bytes']).toBe(maxFileBytes);
    expect((await upload(server, pngOfSize(maxFileBytes + 1))).status).toBe(413);

    // The document still takes text beside it.
    const writer = yClient(server.wsUrl, DOC);
    clients.push(writer);
    await synced(writer);
    writer.doc.getText('t').insert(0, 'A caption. '.repeat(1000));
    const reader = yClient(server.wsUrl, DOC);
    clients.push(reader);
    await synced(reader);
    await expect.poll(() => reader.doc.getText('t').length).toBe(11_000);
    expect(writer.provider.wsconnected).toBe(true);
  });

  it('counts files toward the document size: uploads and edits past it are refused', async () => {
    backend = await kind.open();
    server = await serve(backend, { maxDocumentBytes: 100 * KiB });
    const first = png(150, 150, [1, 2, 3], 1); // about 68 KiB, incompressible at level 0
    const second = png(150, 150, [4, 5, 6], 2);
    expect((await upload(server, first)).status).toBe(201);
    const refused = await upload(server, second);
    expect(refused.status).toBe(413);
    expect(refused.json['error']).toMatch(/size limit of 100 KiB/);
    // Another document has room of its own.
    expect((await upload(server, second, 'image/png', 'elsewhere')).status).toBe(201);

    // Text that fits beside nothing but not beside the file closes its writer with 4413.
    const writer = yClient(server.wsUrl, DOC);
    clients.push(writer);
    await synced(writer);
    const closed = new Promise<number>((resolve) => {
      writer.provider.once('connection-close', (event: CloseEvent | null) => resolve(event?.code ?? 0));
    });
    writer.doc.getText('t').insert(0, 'x'.repeat(40 * KiB));
    expect(await within(closed, 20_000, 'the size limit close')).toBe(4413);
  });

  it('keeps files across a restart, exports them by address, and serves them under the document\'s name only', async () => {
    backend = await kind.open();
    server = await serve(backend);
    const image = SAMPLE_IMAGES[0];
    if (!image) throw new Error('no samples');
    const added = await upload(server, image.bytes, image.type);
    const url = String(added.json['url']);
    const writer = yClient(server.wsUrl, DOC);
    clients.push(writer);
    await synced(writer);
    prosemirrorJSONToYXmlFragment(getSchema(exportExtensions), {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Day one' }] }, { type: 'image', attrs: { src: url, alt: 'The [old] harbour' } }],
    }, writer.doc.getXmlFragment('default'));
    const exported = async (format: string): Promise<string> => {
      for (let attempt = 0; ; attempt++) {
        const response = await fetch(`${server?.httpUrl}/api/docs/${ENC}/export?format=${format}`, { signal: AbortSignal.timeout(20_000) });
        const text = await response.text();
        if (text.includes('files/') || attempt > 200) return text;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const absolute = `${server.httpUrl}${url}`;
    expect(await exported('html')).toContain(`<img src="${absolute}" alt="The [old] harbour">`);
    expect(await exported('markdown')).toContain(`![The \\[old\\] harbour](${absolute})`);
    expect(JSON.parse(await exported('json'))).toMatchObject({ content: [{ type: 'paragraph' }, { type: 'image', attrs: { src: url, alt: 'The [old] harbour' } }] });

    writer.destroy();
    clients.length = 0;
    await server.close();
    const reopened = backend.again();
    server = await serve(reopened);
    const served = await fetchFile(server, url);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(image.bytes)).toBe(true);
  });
});

describe('files in the data dir, checked by tandem verify', () => {
  it('names a file whose bytes no longer match its name, and a leftover of an interrupted upload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-files-verify-'));
    dirs.push(dir);
    const store = new FileStore(dir);
    const blobs = new FileBlobs(dir);
    const server = await startTestServer({ store, blobs, api: (s) => createApiRoutes(s, store) });
    const writer = yClient(server.wsUrl, DOC);
    try {
      await synced(writer);
      writer.doc.getText('t').insert(0, 'hello');
      const image = SAMPLE_IMAGES[0]?.bytes ?? Buffer.alloc(0);
      expect((await upload(server, image, 'image/png')).status).toBe(201);
    } finally {
      writer.destroy();
      await server.close();
    }
    expect((await verifyDataDir(dir, { live: false })).ok).toBe(true);
    const filesDir = blobs.filesDir(DOC);
    const [name] = readdirSync(filesDir);
    if (!name) throw new Error('no file stored');
    writeFileSync(join(filesDir, name), png(3, 2, [0, 0, 0]));
    writeFileSync(join(filesDir, `${name}.7.tmp`), 'half');
    const report = await verifyDataDir(dir, { live: false });
    expect(report.ok).toBe(false);
    const doc = report.docs.find((d) => d.name === DOC);
    expect(doc?.errors).toEqual([{ path: join(filesDir, name), message: expect.stringMatching(/damaged: its bytes hash to [0-9a-f]{64}, not to its name/) as string }]);
    expect(doc?.warnings.map((w) => w.path)).toContain(join(filesDir, `${name}.7.tmp`));
  });
});

describe('files under token access', () => {
  it('a writer may add files, a viewer may only see them, and nobody without the document', async () => {
    const access = createTokenAccess(hsKey);
    const store = new MemoryStore();
    const server = await startTestServer({
      store,
      blobs: new MemoryBlobs(),
      authorize: access.authorize,
      authenticate: access.authenticate,
      api: (s) =>
        createApiRoutes(s, {
          flush: () => store.flush(), listDocs: async () => [], readHistory: async () => null, compact: () => Promise.reject(new Error('not used')), backup: () => Promise.reject(new Error('not used')),
          listVersions: (d) => store.listVersions(d), addVersion: (d, v) => store.addVersion(d, v), renameVersion: (d, id, n) => store.renameVersion(d, id, n), removeVersion: (d, id) => store.removeVersion(d, id),
        }),
    });
    try {
      const writer = await mint({ docs: [DOC], role: 'write' });
      const viewer = await mint({ docs: [DOC], role: 'read' });
      const stranger = await mint({ docs: ['other'], role: 'write' });
      const image = SAMPLE_IMAGES[1]?.bytes ?? Buffer.alloc(0);
      const post = (token: string | null) =>
        fetch(`${server.httpUrl}/api/docs/${ENC}/files`, {
          method: 'POST',
          body: new Uint8Array(image),
          headers: { 'content-type': 'image/jpeg', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          signal: AbortSignal.timeout(20_000),
        });
      expect((await post(null)).status).toBe(401);
      const byViewer = await post(viewer);
      expect(byViewer.status).toBe(403);
      expect(await byViewer.json()).toEqual({ error: 'this token is read-only' });
      expect((await post(stranger)).status).toBe(403);
      const byWriter = await post(writer);
      expect(byWriter.status).toBe(201);
      const { url } = (await byWriter.json()) as { url: string };
      // An <img> sends its token in the query.
      const as = (token: string | null) => fetch(`${server.httpUrl}${url}${token ? `?token=${token}` : ''}`, { signal: AbortSignal.timeout(20_000) });
      const seen = await as(viewer);
      expect(seen.status).toBe(200);
      expect(Buffer.from(await seen.arrayBuffer()).equals(image)).toBe(true);
      expect((await as(null)).status).toBe(401);
      expect((await as(stranger)).status).toBe(403);
    } finally {
      await server.close();
    }
  });
});
