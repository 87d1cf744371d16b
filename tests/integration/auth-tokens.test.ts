/**
 * Access tokens at the WebSocket upgrade: every kind of bad token is refused with the right
 * HTTP status before a WebSocket exists; a valid one works with the stock y-websocket provider;
 * the history author comes from the token; a token expiring mid-connection closes it with 4401.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportSPKI } from 'jose';
import { CloseCode } from '../../sync-server/protocol.js';
import type { TestServer } from '../helpers/server.js';
import { synced, within, yClient, type YClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';
import {
  RecordingStore,
  ed25519Pair,
  mint,
  startAuthServer,
  tryUpgrade,
  unsignedToken,
  upgradeStatus,
} from './auth-fixtures.js';

const clients: YClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

function roomUrl(server: TestServer, doc: string, token?: string): string {
  return `${server.wsUrl}/${doc}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
}

describe('HS256 tokens at the upgrade', () => {
  let server: TestServer;
  let store: RecordingStore;
  beforeAll(async () => {
    store = new RecordingStore();
    server = await startAuthServer({ store });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a request without a token with 401', async () => {
    const outcome = await tryUpgrade(roomUrl(server, 'doc'));
    expect(outcome.status).toBe(401);
    expect('body' in outcome && outcome.body).toContain('missing token');
    expect('headers' in outcome && outcome.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a token signed with another secret with 401', async () => {
    const forged = await mint({}, { key: new TextEncoder().encode('another-secret-of-sufficient-length-000') });
    expect(await upgradeStatus(roomUrl(server, 'doc', forged))).toBe(401);
  });

  it('refuses a token whose claims were changed after signing with 401', async () => {
    const [header, , signature] = (await mint({ docs: ['doc'], role: 'read' })).split('.');
    const widened = Buffer.from(JSON.stringify({ sub: 'user-1', docs: ['*'], role: 'write', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
    expect(await upgradeStatus(roomUrl(server, 'secret', `${header}.${widened}.${signature}`))).toBe(401);
  });

  it('refuses an expired token with 401', async () => {
    const outcome = await tryUpgrade(roomUrl(server, 'doc', await mint({ expiresIn: -60 })));
    expect(outcome.status).toBe(401);
    expect('body' in outcome && outcome.body).toContain('token expired');
  });

  it('refuses an unsigned alg:none token with 401', async () => {
    expect(await upgradeStatus(roomUrl(server, 'doc', unsignedToken({ docs: ['*'] })))).toBe(401);
  });

  it('refuses a token signed with a different algorithm with 401', async () => {
    // Same secret, but HS512: only the configured algorithm is accepted.
    expect(await upgradeStatus(roomUrl(server, 'doc', await mint({}, { alg: 'HS512' })))).toBe(401);
    expect(await upgradeStatus(roomUrl(server, 'doc', await mint({}, { key: ed25519Pair().privateKey })))).toBe(401);
  });

  it('refuses tokens without expiry or with malformed claims with 401', async () => {
    expect(await upgradeStatus(roomUrl(server, 'doc', await mint({ expiresIn: null })))).toBe(401);
    expect(await upgradeStatus(roomUrl(server, 'doc', await mint({ role: 'admin' })))).toBe(401);
    expect(await upgradeStatus(roomUrl(server, 'doc', await mint({ docs: 'doc' })))).toBe(401);
    expect(await upgradeStatus(roomUrl(server, 'doc', await mint({ sub: '' })))).toBe(401);
    expect(await upgradeStatus(roomUrl(server, 'doc', 'not-a-jwt'))).toBe(401);
  });

  it('refuses a valid token for another document with 403', async () => {
    const token = await mint({ docs: ['other', 'team/*'] });
    const outcome = await tryUpgrade(roomUrl(server, 'doc', token));
    expect(outcome.status).toBe(403);
    expect('body' in outcome && outcome.body).toContain('does not grant access');
    expect(await upgradeStatus(roomUrl(server, 'teams', token))).toBe(403);
    expect(await upgradeStatus(roomUrl(server, 'team', token))).toBe(403);
    expect(await upgradeStatus(roomUrl(server, 'team/notes', token))).toBe(101);
    expect(await upgradeStatus(roomUrl(server, 'other', token))).toBe(101);
    // Grants are readable names: the path `team%2Fnotes` is another document than `team/notes`.
    expect(await upgradeStatus(roomUrl(server, 'team%2Fnotes', token))).toBe(403);
  });

  it('reads grants as readable names, escapes decoded as a parser makes them', async () => {
    const token = await mint({ docs: ['caf%C3%A9/*', 'a%20b'] });
    expect(await upgradeStatus(roomUrl(server, 'café/menu', token))).toBe(101);
    expect(await upgradeStatus(roomUrl(server, 'a b', token))).toBe(101);
    expect(await upgradeStatus(roomUrl(server, 'a%20b', token))).toBe(101);
    expect(await upgradeStatus(roomUrl(server, 'a%2520b', token))).toBe(403);
  });

  it('accepts an Authorization: Bearer header', async () => {
    const token = await mint({ docs: ['doc'] });
    expect(await upgradeStatus(roomUrl(server, 'doc'), { Authorization: `Bearer ${token}` })).toBe(101);
    expect(await upgradeStatus(roomUrl(server, 'doc'), { Authorization: 'Bearer nope' })).toBe(401);
  });

  it('lets stock y-websocket providers with a valid token edit together, the token naming the author', async () => {
    const ada = yClient(server.wsUrl, 'shared', { params: { token: await mint({ sub: 'ada', docs: ['shared'] }) } });
    const bob = yClient(server.wsUrl, 'shared', { params: { token: await mint({ sub: 'bob', docs: ['shared'] }) } });
    clients.push(ada, bob);
    await Promise.all([synced(ada), synced(bob)]);
    ada.doc.getText('text').insert(0, 'from ada');
    await waitFor(() => bob.doc.getText('text').toString() === 'from ada', 'bob to receive ada’s edit');
    bob.doc.getText('text').insert(0, 'bob+');
    await waitFor(() => ada.doc.getText('text').toString() === 'bob+from ada', 'ada to receive bob’s edit');
    const authors = store.appends.filter((a) => a.name === 'shared').map((a) => a.author);
    expect(new Set(authors)).toEqual(new Set(['ada', 'bob']));
  });

  it('closes a live connection with 4401 when its token expires', async () => {
    const outcome = await tryUpgrade(roomUrl(server, 'doc', await mint({ expiresIn: 2 })));
    if (!('socket' in outcome)) throw new Error(`upgrade refused with ${outcome.status}`);
    const openedAt = Date.now();
    const closed = await within(outcome.socket.closed, 5000, 'the expiry close');
    expect(closed).toEqual({ code: CloseCode.unauthorized, reason: 'token expired' });
    // exp has one-second resolution: the close comes 1–2 s after minting, not at once.
    expect(Date.now() - openedAt).toBeGreaterThan(500);
    expect(server.logs.some((l) => l.msg === 'token expired, closing')).toBe(true);
  });

  it('never writes the token into the log', async () => {
    const token = await mint({ docs: ['other'] });
    expect(await upgradeStatus(roomUrl(server, 'doc', token))).toBe(403);
    const refusal = server.logs.find((l) => l.msg === 'upgrade refused' && String(l.url).startsWith('/doc?token='));
    expect(refusal?.url).toBe('/doc?token=[redacted]');
    expect(JSON.stringify(server.logs)).not.toContain(token);
  });
});

describe('EdDSA tokens at the upgrade', () => {
  let server: TestServer;
  const pair = ed25519Pair();
  beforeAll(async () => {
    server = await startAuthServer({ key: { alg: 'EdDSA', key: pair.publicKey } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('accepts a token signed with the private key', async () => {
    expect(await upgradeStatus(roomUrl(server, 'doc', await mint({}, { key: pair.privateKey })))).toBe(101);
  });

  it('refuses a token signed with another Ed25519 key with 401', async () => {
    expect(await upgradeStatus(roomUrl(server, 'doc', await mint({}, { key: ed25519Pair().privateKey })))).toBe(401);
  });

  it('refuses an HS256 token keyed with the public key (algorithm confusion) with 401', async () => {
    const pem = await exportSPKI(pair.publicKey);
    const confused = await mint({ docs: ['*'] }, { key: new TextEncoder().encode(pem), alg: 'HS256' });
    expect(await upgradeStatus(roomUrl(server, 'doc', confused))).toBe(401);
  });

  it('refuses alg:none with 401', async () => {
    expect(await upgradeStatus(roomUrl(server, 'doc', unsignedToken()))).toBe(401);
  });
});
