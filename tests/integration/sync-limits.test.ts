import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawSocket, synced, within, yClient, type YClient } from '../helpers/clients.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { CloseCode } from '../../sync-server/protocol.js';

let server: TestServer | undefined;
const clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
  server = undefined;
});

function client(s: TestServer, room: string): YClient {
  const c = yClient(s.wsUrl, room);
  clients.push(c);
  return c;
}

/** Status of a refused upgrade, or 101 when it was accepted. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', reject);
  });
}

function forceGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('limits', () => {
  it('drops a slow reader with 1013, which then resyncs and loses nothing', async () => {
    const s = (server = await startTestServer({ limits: { maxMessageBytes: 256 * 1024, maxBufferedBytes: 512 * 1024 } }));
    const writer = client(s, 'firehose');
    const slow = client(s, 'firehose');
    await Promise.all([synced(writer), synced(slow)]);
    const closeCodes: number[] = [];
    slow.provider.on('connection-close', (event: CloseEvent | null) => {
      if (event) closeCodes.push(event.code);
    });
    // Stop reading at the TCP level: the server's queue toward this client can only grow.
    const tcp = (slow.provider.ws as unknown as { _socket: Socket })._socket;
    tcp.pause();
    const chunk = 'x'.repeat(100 * 1024);
    let chunksSent = 0;
    for (; chunksSent < 200 && !s.logs.some((l) => l.code === CloseCode.tryAgainLater); chunksSent++) {
      writer.doc.getText('text').insert(0, chunk);
      await sleep(2);
    }
    await waitFor(() => s.logs.some((l) => l.msg === 'connection closed' && l.code === CloseCode.tryAgainLater), 'the slow reader to be dropped');
    // Bounded: dropped while the writer was still sending (after the limit plus what the kernel
    // buffers), not once all 20 MB had queued up toward it.
    expect(chunksSent).toBeLessThan(200);
    tcp.resume();
    await waitFor(() => closeCodes.includes(CloseCode.tryAgainLater), 'the client to see 1013');
    await waitFor(() => slow.provider.synced && slow.doc.getText('text').length === writer.doc.getText('text').length, 'the slow client to resync');
    expect(slow.doc.getText('text').toString()).toBe(writer.doc.getText('text').toString());
  });

  it('refuses connections beyond the total limit with HTTP 503', async () => {
    const s = (server = await startTestServer({ limits: { maxConnections: 2, maxConnectionsPerRoom: 2 } }));
    await Promise.all([synced(client(s, 'a')), synced(client(s, 'b'))]);
    expect(await upgradeStatus(`${s.wsUrl}/c`)).toBe(503);
  });

  it('refuses connections beyond the per-room limit with HTTP 503, other rooms unaffected', async () => {
    const s = (server = await startTestServer({ limits: { maxConnectionsPerRoom: 2 } }));
    await Promise.all([synced(client(s, 'full')), synced(client(s, 'full'))]);
    expect(await upgradeStatus(`${s.wsUrl}/full`)).toBe(503);
    expect(await upgradeStatus(`${s.wsUrl}/not-full`)).toBe(101);
  });

  it('terminates a connection that stops answering pings, keeps one that answers', async () => {
    const s = (server = await startTestServer({ config: { heartbeatMs: 100 } }));
    const alive = client(s, 'beat');
    await synced(alive);
    const silent = new WebSocket(`${s.wsUrl}/beat`, { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.on('close', (code: number) => resolve(code)));
    await new Promise((resolve) => silent.once('open', resolve));
    await within(closed, 5000, 'the silent connection to be terminated');
    expect(s.logs.some((l) => l.msg === 'heartbeat missed, terminating')).toBe(true);
    await sleep(350);
    expect(alive.provider.wsconnected).toBe(true);
    expect(s.server.connectionCount).toBe(1);
  });
});

describe('room lifecycle', () => {
  it('unloads a room when its last connection leaves', async () => {
    const s = (server = await startTestServer());
    const a = client(s, 'transient');
    await synced(a);
    expect(s.server.rooms.size).toBe(1);
    a.destroy();
    await waitFor(() => s.server.rooms.size === 0, 'the room to unload');
  });

  it('returns to baseline memory after thousands of rooms come and go', async () => {
    const s = (server = await startTestServer());
    const cycle = async (from: number, count: number): Promise<void> => {
      const sockets = await Promise.all(Array.from({ length: count }, (_, i) => rawSocket(s.wsUrl, `churn-${from + i}`)));
      await waitFor(() => sockets.every((r) => r.received.length >= 1), 'every room to answer');
      for (const r of sockets) r.ws.close();
      await Promise.all(sockets.map((r) => within(r.closed, 5000, 'close')));
    };
    await cycle(0, 100); // warm up code paths and pools
    await waitFor(() => s.server.rooms.size === 0, 'warm-up rooms to unload');
    forceGc();
    const baseline = process.memoryUsage().heapUsed;
    for (let batch = 0; batch < 20; batch++) await cycle(1000 + batch * 100, 100);
    await waitFor(() => s.server.rooms.size === 0 && s.server.connectionCount === 0, 'all 2,000 rooms to unload');
    await s.server.rooms.settle();
    forceGc();
    const growth = process.memoryUsage().heapUsed - baseline;
    expect(growth, `heap grew by ${growth} bytes`).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('health and metrics', () => {
  it('answers /healthz and exposes Prometheus metrics', async () => {
    const s = (server = await startTestServer());
    const a = client(s, 'measured');
    await synced(a);
    a.doc.getText('text').insert(0, 'counted');
    const raw = await rawSocket(s.wsUrl, 'measured');
    raw.ws.send(new Uint8Array([42]));
    await within(raw.closed, 5000, 'bad client closed');

    const health = await fetch(`${s.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    const metrics = await fetch(`${s.httpUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^tandem_connections 1$/m);
    expect(text).toMatch(/^tandem_rooms 1$/m);
    expect(text).toMatch(/^tandem_messages_in_total\{type="update"\} \d+/m);
    expect(text).toMatch(/^tandem_bytes_in_total \d+/m);
    expect(text).toMatch(/^tandem_bytes_out_total \d+/m);
    expect(text).toMatch(/^tandem_connection_closes_total\{code="1002"\} 1$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });
});
