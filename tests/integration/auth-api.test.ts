/**
 * The `/api` routes under token access: the guard in front of them needs a valid token for
 * every call, read access for GET on a document, write access for POST (restore), and the
 * document list shows only what the token may read — all without the API routes knowing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from '../../sync-server/http/http-routes.js';
import type { TandemServer } from '../../sync-server/server.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createTokenAccess } from '../../sync-server/access/auth.js';
import { hsKey, mint, unsignedToken } from './auth-fixtures.js';
import { DEADLINE_MS } from '../helpers/wait.js';

const ALL_DOCS = ['doc', 'team/a', 'team/b', 'secret'];

/** A stand-in for the real API: lists every document (filtered by the server) and echoes calls. */
function stubApi(server: TandemServer) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/api/docs') {
      const readable: string[] = [];
      for (const name of ALL_DOCS) if (await server.canRead(req, name)) readable.push(name);
      sendJson(res, 200, { docs: readable });
      return true;
    }
    sendJson(res, 200, { reached: path, method: req.method });
    return true;
  };
}

let server: TestServer;
beforeAll(async () => {
  const access = createTokenAccess(hsKey);
  server = await startTestServer({
    authorize: access.authorize,
    authenticate: access.authenticate,
    api: stubApi,
    config: { allowedOrigins: ['https://docs.example.com'] },
  });
});
afterAll(async () => {
  await server.close();
});

async function call(path: string, options: { token?: string; bearer?: string; method?: string; origin?: string } = {}) {
  const query = options.token === undefined ? '' : `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(options.token)}`;
  const headers: Record<string, string> = {};
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.origin) headers.origin = options.origin;
  // Calls that change data must be JSON (api-cross-site.test.ts covers what else is refused).
  if (options.method !== undefined && options.method !== 'GET') headers['content-type'] = 'application/json';
  const response = await fetch(`${server.httpUrl}${path}${query}`, { method: options.method ?? 'GET', headers, signal: AbortSignal.timeout(DEADLINE_MS) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/api under token access', () => {
  it('needs a valid token for every call', async () => {
    expect((await call('/api/docs')).status).toBe(401);
    expect((await call('/api/docs/doc/history')).status).toBe(401);
    expect((await call('/api/docs', { token: unsignedToken({ docs: ['*'] }) })).status).toBe(401);
    expect((await call('/api/docs', { token: await mint({ expiresIn: -10 }) })).status).toBe(401);
  });

  it('lists only the documents the token may read', async () => {
    const listed = await call('/api/docs', { token: await mint({ docs: ['doc', 'team/*'], role: 'read' }) });
    expect(listed).toEqual({ status: 200, body: { docs: ['doc', 'team/a', 'team/b'] } });
    const all = await call('/api/docs', { bearer: await mint({ docs: ['*'] }) });
    expect(all.body.docs).toEqual(ALL_DOCS);
  });

  it('checks the document named in the path', async () => {
    const token = await mint({ docs: ['team/*'], role: 'read' });
    expect(await call(`/api/docs/${encodeURIComponent('team/a')}/history`, { token })).toEqual({
      status: 200,
      body: { reached: '/api/docs/team%2Fa/history', method: 'GET' },
    });
    const refused = await call('/api/docs/secret/export', { token });
    expect(refused).toEqual({ status: 403, body: { error: 'token does not grant access to this document' } });
  });

  it('needs a write token to restore', async () => {
    const reader = await mint({ docs: ['doc'], role: 'read' });
    const writer = await mint({ docs: ['doc'], role: 'write' });
    expect(await call('/api/docs/doc/restore', { token: reader, method: 'POST' })).toEqual({
      status: 403,
      body: { error: 'this token is read-only' },
    });
    expect((await call('/api/docs/doc/restore', { token: writer, method: 'POST' })).status).toBe(200);
  });

  it('lets a comment token read but not restore', async () => {
    const commenter = await mint({ docs: ['doc'], role: 'comment' });
    expect((await call('/api/docs/doc/export', { token: commenter })).status).toBe(200);
    expect(await call('/api/docs/doc/restore', { token: commenter, method: 'POST' })).toEqual({
      status: 403,
      body: { error: 'this token may only comment' },
    });
  });

  it('refuses browsers from origins not on the allow-list', async () => {
    const token = await mint({ docs: ['*'] });
    expect((await call('/api/docs', { token, origin: 'https://evil.example' })).status).toBe(403);
    expect((await call('/api/docs', { token, origin: 'https://docs.example.com' })).status).toBe(200);
  });

  it('leaves health and metrics open', async () => {
    const health = await fetch(`${server.httpUrl}/healthz`, { signal: AbortSignal.timeout(DEADLINE_MS) });
    expect(health.status).toBe(200);
  });
});
