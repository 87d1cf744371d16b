/**
 * Limits applied at the upgrade — the per-address connection cap (429 with Retry-After) and
 * the origin rules (403) — and the document size limit on a live connection (4413).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../sync-server/protocol.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { synced, within, yClient, type YClient } from '../helpers/clients.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { tryUpgrade, upgradeStatus, type OpenedSocket } from './auth-fixtures.js';

let server: TestServer | null = null;
const sockets: OpenedSocket[] = [];
const clients: YClient[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
  server = null;
});

async function open(url: string, headers: Record<string, string>): Promise<OpenedSocket> {
  const outcome = await tryUpgrade(url, headers);
  if (!('socket' in outcome)) throw new Error(`upgrade refused with ${outcome.status}`);
  sockets.push(outcome.socket);
  return outcome.socket;
}

describe('per-address connection cap', () => {
  it('refuses the connection over the cap with 429 and Retry-After, and frees the slot on close', async () => {
    const s = await startTestServer({ config: { trustProxy: true }, limits: { maxConnectionsPerIp: 3 } });
    server = s;
    // Behind a trusted proxy, the client is the last X-Forwarded-For entry.
    const from = (ip: string) => ({ 'X-Forwarded-For': `198.51.100.99, ${ip}` });
    const url = `${s.wsUrl}/capped`;
    const held = [await open(url, from('203.0.113.7')), await open(url, from('203.0.113.7')), await open(url, from('203.0.113.7'))];

    const refused = await tryUpgrade(url, from('203.0.113.7'));
    expect(refused.status).toBe(429);
    expect('headers' in refused && refused.headers['retry-after']).toBe('10');
    // Other addresses are not affected, and neither are loopback clients (local tools).
    expect(await upgradeStatus(url, from('203.0.113.8'))).toBe(101);
    expect(await upgradeStatus(url)).toBe(101);
    // IPv6 addresses count per /64.
    await open(url, from('2001:db8:1:2::a'));
    await open(url, from('2001:db8:1:2:ffff::b'));
    await open(url, from('2001:db8:1:2:0:0:0:c'));
    expect(await upgradeStatus(url, from('2001:db8:1:2::d'))).toBe(429);
    expect(await upgradeStatus(url, from('2001:db8:1:3::d'))).toBe(101);

    held[0]?.ws.close();
    // The slot is released with the TCP socket: retry until it is.
    const retry = async (): Promise<void> => {
      while ((await upgradeStatus(url, from('203.0.113.7'))) !== 101) await sleep(50);
    };
    await within(retry(), 5000, 'the slot to be freed');
    expect(s.logs.some((l) => l.msg === 'upgrade refused' && l.status === 429 && l.remote === '203.0.113.7')).toBe(true);
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    const s = await startTestServer({ limits: { maxConnectionsPerIp: 1 } });
    server = s;
    // Without trustProxy the address is the loopback peer, which is never capped.
    for (let i = 0; i < 3; i++) await open(`${s.wsUrl}/x`, { 'X-Forwarded-For': '203.0.113.7' });
    expect(s.logs.filter((l) => l.msg === 'connection open').map((l) => l.remote)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });
});

describe('origin allow-list', () => {
  it('refuses browsers from other origins with 403 and accepts listed ones and non-browser clients', async () => {
    const s = await startTestServer({ config: { allowedOrigins: ['https://docs.example.com', 'http://localhost:5173'] } });
    server = s;
    const url = `${s.wsUrl}/doc`;
    expect(await upgradeStatus(url, { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { Origin: 'https://docs.example.com.evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { Origin: 'null' })).toBe(403);
    expect(await upgradeStatus(url, { Origin: 'https://docs.example.com' })).toBe(101);
    expect(await upgradeStatus(url, { Origin: 'HTTPS://DOCS.EXAMPLE.COM:443' })).toBe(101);
    expect(await upgradeStatus(url, { Origin: 'http://localhost:5173' })).toBe(101);
    expect(await upgradeStatus(url)).toBe(101);
  });

  it('without tokens or a list, admits browsers only from its own origin (no cross-site WebSocket hijacking)', async () => {
    const s = await startTestServer();
    server = s;
    const url = `${s.wsUrl}/doc`;
    const own = s.httpUrl;
    expect(await upgradeStatus(url, { Origin: 'https://anywhere.example' })).toBe(403);
    expect(await upgradeStatus(url, { Origin: 'null' })).toBe(403);
    // Another port of the same host is another origin.
    expect(await upgradeStatus(url, { Origin: own.replace(/:\d+$/, ':1') })).toBe(403);
    expect(await upgradeStatus(url, { Origin: own })).toBe(101);
    // Non-browser clients (stock providers in Node, native apps) send no Origin.
    expect(await upgradeStatus(url)).toBe(101);
    expect(s.logs.some((l) => l.msg === 'upgrade refused' && l.status === 403 && String(l.reason).includes('--allowed-origin'))).toBe(true);
  });

  it('with tokens and no list, lets every origin through (a page must hold a token to join)', async () => {
    const s = await startTestServer({ authorize: async () => ({ author: 'token-user' }) });
    server = s;
    expect(await upgradeStatus(`${s.wsUrl}/doc`, { Origin: 'https://anywhere.example' })).toBe(101);
  });
});

describe('document size limit', () => {
  it('closes a client whose update would grow the document past the limit with 4413', async () => {
    const s = await startTestServer({ limits: { maxDocumentBytes: 8 * 1024 } });
    server = s;
    const writer = yClient(s.wsUrl, 'small');
    const reader = yClient(s.wsUrl, 'small');
    clients.push(writer, reader);
    await Promise.all([synced(writer), synced(reader)]);
    // Small edits are fine, well past the size of any single one of them.
    for (let i = 0; i < 20; i++) writer.doc.getText('text').insert(0, 'x'.repeat(200));
    await waitFor(() => reader.doc.getText('text').length === 4000, 'the small edits to arrive');

    const closedWith = new Promise<{ code: number; reason: string }>((resolve) => {
      writer.provider.once('connection-close', (event: CloseEvent | null) => resolve({ code: event?.code ?? 0, reason: event?.reason ?? '' }));
    });
    writer.doc.getText('text').insert(0, 'y'.repeat(6000));
    expect(await within(closedWith, 5000, 'the size limit close')).toEqual({ code: CloseCode.documentTooLarge, reason: 'ERR_DOC_TOO_LARGE' });
    const room = (await s.server.rooms.loadedRooms()).find((r) => r.name === 'small');
    expect(room?.doc.getText('text').length).toBe(4000);
    expect(reader.doc.getText('text').toString()).not.toContain('y');
    // y-websocket treats 44xx as final: the refused client does not retry in a loop.
    expect(writer.provider.shouldConnect).toBe(false);

    // The document stays usable within its limit for everyone else.
    reader.doc.getText('text').insert(0, 'still editable');
    await waitFor(() => room?.doc.getText('text').toString().startsWith('still editable') === true, 'a later edit to be applied');
    expect(Y.encodeStateAsUpdate(room?.doc ?? new Y.Doc()).byteLength).toBeLessThanOrEqual(8 * 1024);
  });
});
