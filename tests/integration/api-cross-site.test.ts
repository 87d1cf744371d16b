/**
 * Cross-site requests against the real `/api` on an open (token-less) server: what other web
 * pages can make a visitor's browser send — form posts of every kind, typeless bodies, with and
 * without a foreign `Origin` — never restores a document, while the editor (JSON from its own
 * origin), scripts (no Origin), allow-listed origins and origins behind a trusted TLS proxy do.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../sync-server/config.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { appendTextUpdate } from '../helpers/text-doc.js';
import * as Y from 'yjs';

const DOC = 'plans';
const RESTORE = `/api/docs/${DOC}/restore`;
const FOREIGN = 'https://evil.example';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: unlike fetch, it sends exactly the Origin and Sec-Fetch-* headers given. */
function send(url: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The bodies a cross-site page can send without a preflight, each as a browser would encode it. */
const FORM_POSTS: { kind: string; headers: Record<string, string>; body: string }[] = [
  // <form enctype="text/plain"> with <input name='{"at":1,"x":"' value='"}'>: a JSON-looking body.
  { kind: 'text/plain', headers: { 'content-type': 'text/plain' }, body: '{"at":1,"x":"="}\r\n' },
  { kind: 'urlencoded', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'at=1' },
  {
    kind: 'multipart',
    headers: { 'content-type': 'multipart/form-data; boundary=----b' },
    body: '------b\r\nContent-Disposition: form-data; name="at"\r\n\r\n1\r\n------b--\r\n',
  },
  // fetch(url, { method: 'POST', mode: 'no-cors', body: new Blob(['{"at":1}']) }): no Content-Type.
  { kind: 'typeless', headers: {}, body: '{"at":1}' },
];

/** A file-store server with one document of two records, "one" then "one two". */
async function serverWithDoc(config: Partial<ServerConfig> = {}): Promise<{ test: TestServer; store: FileStore; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-cross-site-'));
  const store = new FileStore(dataDir);
  const doc = new Y.Doc();
  await store.append(DOC, appendTextUpdate(doc, 'one'), { author: 'alice' });
  await store.append(DOC, appendTextUpdate(doc, ' two'), { author: 'alice' });
  doc.destroy();
  const test = await startTestServer({ store, config, api: (server) => createApiRoutes(server, store) });
  return { test, store, dataDir };
}

async function records(test: TestServer): Promise<number> {
  const answer = await send(test.httpUrl, 'GET', `/api/docs/${DOC}/history`, {});
  return (JSON.parse(answer.body) as { records: number }).records;
}

const json = { 'content-type': 'application/json' };

describe('cross-site requests to an open server', () => {
  let test: TestServer;
  let dataDir: string;
  beforeAll(async () => {
    ({ test, dataDir } = await serverWithDoc());
  });
  afterAll(async () => {
    await test.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const origins: { label: string; headers: () => Record<string, string>; status: number }[] = [
    { label: 'without Origin', headers: () => ({}), status: 415 },
    { label: 'from another site', headers: () => ({ origin: FOREIGN, 'sec-fetch-site': 'cross-site' }), status: 403 },
    // Another port on the same host is the same site, but another origin.
    { label: 'from another port', headers: () => ({ origin: test.httpUrl.replace(/:\d+$/, ':1'), 'sec-fetch-site': 'same-site' }), status: 403 },
  ];

  for (const post of FORM_POSTS) {
    for (const origin of origins) {
      it(`refuses a ${post.kind} post ${origin.label} (${origin.status})`, async () => {
        const answer = await send(test.httpUrl, 'POST', RESTORE, { ...post.headers, ...origin.headers() }, post.body);
        expect(answer.status).toBe(origin.status);
        expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
        const error = (JSON.parse(answer.body) as { error: string }).error;
        expect(error).toMatch(origin.status === 403 ? /may not change data/ : /is refused/);
        expect(await records(test)).toBe(2);
      });
    }
  }

  it('refuses JSON from a foreign origin too, and an opaque Origin: null', async () => {
    for (const origin of [FOREIGN, 'null']) {
      const answer = await send(test.httpUrl, 'POST', RESTORE, { ...json, origin }, '{"at":1}');
      expect(answer.status, origin).toBe(403);
    }
    expect(await records(test)).toBe(2);
  });

  it('refuses a route body of the wrong type that no form could send', async () => {
    const octets = await send(test.httpUrl, 'POST', RESTORE, { 'content-type': 'application/octet-stream' }, '{"at":1}');
    expect(octets.status).toBe(415);
    expect(JSON.parse(octets.body)).toEqual({ error: 'send application/json: got application/octet-stream' });
    const latin1 = await send(test.httpUrl, 'POST', RESTORE, { 'content-type': 'application/json; charset=iso-8859-1' }, '{"at":1}');
    expect(latin1.status).toBe(415);
    expect(await records(test)).toBe(2);
  });

  it('logs one line per refusal, with what was refused and why', async () => {
    const before = test.logs.length;
    await send(test.httpUrl, 'POST', `${RESTORE}?token=secret`, { 'content-type': 'text/plain', origin: FOREIGN }, 'x');
    const lines = test.logs.slice(before).filter((l) => l.msg === 'api request refused');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 403, method: 'POST', origin: FOREIGN, url: `${RESTORE}?token=[redacted]`, type: 'text/plain' });
    expect(String(lines[0]?.reason)).toContain(FOREIGN);
  });

  it('restores for the editor (JSON from its own origin) and for scripts (no Origin)', async () => {
    const own = await send(test.httpUrl, 'POST', RESTORE, { 'content-type': 'application/json; charset=UTF-8', origin: test.httpUrl, 'sec-fetch-site': 'same-origin' }, '{"at":1}');
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toEqual({ restoredFrom: 1, seq: 3, restoredBy: null });
    const script = await send(test.httpUrl, 'POST', RESTORE, json, '{"at":2}');
    expect(script.status).toBe(200);
    expect(await records(test)).toBe(4);
  });

  it('leaves reads open to other origins but never lets them read the answer (no CORS)', async () => {
    const read = await send(test.httpUrl, 'GET', `/api/docs/${DOC}/export?format=text`, { origin: FOREIGN, 'sec-fetch-site': 'cross-site' });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    expect(read.headers['cross-origin-resource-policy']).toBe('same-origin');
    // A cross-origin JSON post needs a preflight first; it is never granted.
    const preflight = await send(test.httpUrl, 'OPTIONS', RESTORE, { origin: FOREIGN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('allowed origins and proxies', () => {
  it('restores for an allow-listed origin and refuses the others', async () => {
    const { test, dataDir } = await serverWithDoc({ allowedOrigins: ['https://docs.example.com'] });
    try {
      expect((await send(test.httpUrl, 'POST', RESTORE, { ...json, origin: 'https://docs.example.com', 'sec-fetch-site': 'cross-site' }, '{"at":1}')).status).toBe(200);
      expect((await send(test.httpUrl, 'POST', RESTORE, { ...json, origin: FOREIGN }, '{"at":1}')).status).toBe(403);
      // The allow-list never lets a form body through.
      expect((await send(test.httpUrl, 'POST', RESTORE, { 'content-type': 'text/plain', origin: 'https://docs.example.com' }, '{"at":1}')).status).toBe(415);
    } finally {
      await test.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('behind a TLS proxy, takes its X-Forwarded-Proto and -Host only with trust-proxy', async () => {
    const proxied = { ...json, origin: 'https://docs.example.com', host: 'docs.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'docs.example.com' };
    const untrusted = await serverWithDoc();
    const trusted = await serverWithDoc({ trustProxy: true });
    try {
      const refused = await send(untrusted.test.httpUrl, 'POST', RESTORE, proxied, '{"at":1}');
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toEqual({ error: 'origin https://docs.example.com may not change data here: only http://docs.example.com and --allowed-origin may' });
      // A browser that marks the request same-origin is believed, whatever the proxy passed on.
      expect((await send(untrusted.test.httpUrl, 'POST', RESTORE, { ...proxied, 'sec-fetch-site': 'same-origin' }, '{"at":1}')).status).toBe(200);
      expect((await send(trusted.test.httpUrl, 'POST', RESTORE, proxied, '{"at":1}')).status).toBe(200);
      expect((await send(trusted.test.httpUrl, 'POST', RESTORE, { ...proxied, origin: FOREIGN }, '{"at":1}')).status).toBe(403);
    } finally {
      for (const { test, dataDir } of [untrusted, trusted]) {
        await test.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  });
});
