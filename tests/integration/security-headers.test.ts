/**
 * The security headers on every kind of answer of a real server: the editor's pages and files
 * (served by sirv from a real directory), the API, health, metrics, errors and refusals.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../persistence/memory-store.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sendJson } from '../../sync-server/http/http-routes.js';

let editorDir: string;
beforeAll(() => {
  editorDir = mkdtempSync(join(tmpdir(), 'tandem-editor-'));
  mkdirSync(join(editorDir, 'assets'));
  writeFileSync(join(editorDir, 'index.html'), '<!doctype html><title>Tandem</title><script type="module" src="/assets/main-abc.js"></script>');
  writeFileSync(join(editorDir, 'assets', 'main-abc.js'), 'console.log("app");');
  writeFileSync(join(editorDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
});
afterAll(() => rmSync(editorDir, { recursive: true, force: true }));

async function headersOf(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
  await res.arrayBuffer();
  return { status: res.status, headers: res.headers };
}

function startServer(frameAncestors: string[] = []): Promise<TestServer> {
  return startTestServer({
    store: new MemoryStore(),
    config: { editorDir, frameAncestors, allowedOrigins: ['https://docs.example.com'] },
    // A route that fails after its headers are decided: the 500 must carry them too.
    api: () => (req, res) => {
      if (req.url === '/api/fail') throw new Error('boom');
      if (req.url !== '/api/docs') return false;
      sendJson(res, 200, { docs: [] });
      return true;
    },
  });
}

describe('security headers', () => {
  let test: TestServer;
  beforeAll(async () => {
    test = await startServer();
  });
  afterAll(() => test.close());

  const appPaths = ['/', '/assets/main-abc.js', '/sw.js', '/d/notes', '/assets/missing.js'];
  it.each(appPaths)('gives the app answer %s its policy', async (path) => {
    const { headers } = await headersOf(`${test.httpUrl}${path}`);
    const csp = headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'; script-src 'self'; style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
  });

  const dataAnswers: [string, RequestInit, number][] = [
    ['/api/docs', {}, 200],
    ['/api/elsewhere', {}, 404],
    ['/api/docs', { method: 'POST', headers: { origin: 'https://evil.example' } }, 403],
    ['/api/docs', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }, 415],
    ['/api/fail', {}, 500],
    ['/healthz', {}, 200],
    ['/metrics', {}, 200],
  ];
  it.each(dataAnswers)('gives the data answer %s %j (%i) a policy that runs nothing', async (path, init, status) => {
    const { status: got, headers } = await headersOf(`${test.httpUrl}${path}`, init);
    expect(got).toBe(status);
    expect(headers.get('content-security-policy')).toBe("default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox");
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('marks refused upgrades and non-GET answers nosniff too', async () => {
    const post = await headersOf(`${test.httpUrl}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(404);
    expect(post.headers.get('x-content-type-options')).toBe('nosniff');
    const refused = await new Promise<IncomingMessage>((resolve, reject) => {
      const ws = new WebSocket(`${test.wsUrl}/doc`, { origin: 'https://evil.example' });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('the upgrade was accepted')));
      ws.on('error', () => undefined);
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('--frame-ancestors', () => {
  it('lets the listed origins frame the app, and nothing frame the API', async () => {
    const test = await startServer(['https://intranet.example', 'https://wiki.example']);
    try {
      const app = await headersOf(`${test.httpUrl}/d/notes`);
      expect(app.headers.get('content-security-policy')).toContain('frame-ancestors https://intranet.example https://wiki.example');
      expect(app.headers.get('x-frame-options')).toBeNull();
      const api = await headersOf(`${test.httpUrl}/api/docs`);
      expect(api.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(api.headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await test.close();
    }
  });
});
