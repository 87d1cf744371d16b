/**
 * A failing disk on a real server: while writes fail, /healthz answers 503 with the reason,
 * nothing unwritten is relayed, and nothing is dropped; once the disk works again the updates
 * are written, relayed, and /healthz answers 200.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStore } from '../../persistence/file/file-store.js';
import type { StoreFs } from '../../persistence/file/store-fs.js';
import { fsWithHandles } from '../helpers/wrapped-fs.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { synced, within, yClient, type YClient } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { DEADLINE_MS, sleep, waitFor } from '../helpers/wait.js';

let dataDir: string | null = null;
let test: TestServer | null = null;
const clients: YClient[] = [];
const broken = { on: false };

afterEach(async () => {
  // A store with unwritten records waits for them on close: let them land.
  broken.on = false;
  for (const client of clients.splice(0)) client.destroy();
  await test?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Every write fails with EIO while `broken.on` is set. */
function breakableFs(broken: { on: boolean }): StoreFs {
  const eio = (): Error => Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
  return fsWithHandles((handle) => ({
    async writeAll(data, position) {
      if (broken.on) throw eio();
      return handle.writeAll(data, position);
    },
    writeAllSync(data, position) {
      if (broken.on) throw eio();
      handle.writeAllSync(data, position);
    },
  }));
}

async function health(url: string): Promise<{ status: number; body: { status: string; store: string } }> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(DEADLINE_MS) });
  return { status: res.status, body: (await res.json()) as { status: string; store: string } };
}

describe('store write failures on a running server', () => {
  it('reports 503 while writes fail, relays nothing unwritten, then recovers without loss', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tandem-health-'));
    const errors: string[] = [];
    const logger = { info() {}, warn() {}, error: (obj: object, msg: string) => void errors.push(`${msg} ${JSON.stringify(obj)}`) };
    const store = new FileStore(dataDir, { fs: breakableFs(broken), retryMinMs: 20, retryMaxMs: 100, logger });
    test = await startTestServer({ store, api: (server) => createApiRoutes(server, store) });
    const writer = yClient(test.wsUrl, 'disk');
    const reader = yClient(test.wsUrl, 'disk');
    clients.push(writer, reader);
    await Promise.all([synced(writer), synced(reader)]);
    writer.doc.getText('t').insert(0, 'before ');
    await waitFor(() => reader.doc.getText('t').toString() === 'before ', 'first edit to be relayed');
    expect((await health(test.httpUrl)).status).toBe(200);

    broken.on = true;
    writer.doc.getText('t').insert(7, 'during');
    await waitFor(() => !store.health().ok, 'the store to notice');
    const sick = await health(test.httpUrl);
    expect(sick.status).toBe(503);
    expect(sick.body.store).toContain('EIO');
    expect(sick.body.store).toContain(join(dataDir, 'journal'));
    await sleep(200);
    // Not durable, so not relayed: the reader never sees what a crash now could lose.
    expect(reader.doc.getText('t').toString()).toBe('before ');
    expect(errors.some((line) => line.includes('store write failed') && line.includes('EIO'))).toBe(true);

    broken.on = false;
    await waitFor(() => reader.doc.getText('t').toString() === 'before during', 'the edit to be relayed after recovery');
    expect((await health(test.httpUrl)).status).toBe(200);
    const exported = await fetch(`${test.httpUrl}/api/docs/disk/export?format=text`);
    expect(await exported.text()).toBe('before during\n');
  });

  it('stops within --shutdown-timeout-ms while writes fail, naming the documents and records not durable', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tandem-health-'));
    const store = new FileStore(dataDir, { fs: breakableFs(broken), retryMinMs: 20, retryMaxMs: 100 });
    const running = await startTestServer({ store, config: { shutdownTimeoutMs: 500 } });
    const writer = yClient(running.wsUrl, 'stuck');
    clients.push(writer);
    await synced(writer);
    broken.on = true;
    writer.doc.getText('t').insert(0, 'never on disk');
    await waitFor(() => store.pendingWrites().length > 0, 'the update to be queued');
    const closing = running.close();
    await expect(within(closing, DEADLINE_MS, 'the bounded shutdown')).rejects.toThrow('1 record of 1 document is not durable: "stuck" (1 record)');
    const line = running.logs.find((l) => l.msg.startsWith('shutdown:'));
    expect(line?.msg).toBe('shutdown: 1 record of 1 document is not durable: "stuck" (1 record)');
    expect(line?.pending).toEqual([{ doc: 'stuck', records: 1 }]);
  });
});
