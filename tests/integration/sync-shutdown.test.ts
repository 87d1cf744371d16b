import { afterEach, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { synced, within, yClient, type YClient } from '../helpers/clients.js';
import { CloseCode } from '../../sync-server/protocol.js';
import { DEADLINE_MS, waitFor } from '../helpers/wait.js';

let child: ChildServer | undefined;
let client: YClient | undefined;
let dataDir: string | undefined;

afterEach(() => {
  client?.destroy();
  if (child && child.process.exitCode === null) child.process.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it.each(['SIGTERM', 'SIGINT'] as const)('on %s closes sockets with 1001 and exits 0', async (signal) => {
  dataDir = mkdtempSync(join(tmpdir(), 'tandem-shutdown-'));
  child = await startChildServer(['--data-dir', dataDir]);
  client = yClient(child.wsUrl, 'closing time');
  await synced(client);
  const closeCode = new Promise<number>((resolve) => {
    client!.provider.on('connection-close', (event: CloseEvent | null) => resolve(event?.code ?? -1));
  });
  client.doc.getText('text').insert(0, 'goodbye');
  child.process.kill(signal);
  expect(await within(closeCode, DEADLINE_MS, 'the client to be closed')).toBe(CloseCode.goingAway);
  expect(await within(child.exited, DEADLINE_MS, 'the server to exit')).toBe(0);
  expect(child.output()).toContain('server stopped');
});

/** A small tmpfs of our own, so the disk can really fill up; null where mounting is not allowed. */
function mountSmallDisk(dir: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

function fillDisk(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

it('with a full disk, stops within --shutdown-timeout-ms and exits 1 naming what is not durable', async (context) => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'tandem-full-'));
  if (!mountSmallDisk(mountPoint)) {
    rmSync(mountPoint, { recursive: true, force: true });
    context.skip('mounting a tmpfs needs CAP_SYS_ADMIN');
  }
  try {
    child = await startChildServer(['--data-dir', join(mountPoint, 'data'), '--journal', 'false', '--shutdown-timeout-ms', '1000']);
    client = yClient(child.wsUrl, 'full disk');
    await synced(client);
    const observer = yClient(child.wsUrl, 'full disk');
    await synced(observer);
    client.doc.getText('text').insert(0, 'saved');
    await waitFor(() => observer.doc.getText('text').toString() === 'saved', 'the first edit to be durable and relayed');
    observer.destroy();
    fillDisk(mountPoint);
    // Larger than what is left of the log's last page: this write needs space the disk lacks.
    client.doc.getText('text').insert(5, 'x'.repeat(16 * 1024));
    await waitFor(() => child!.output().includes('store write failed'), 'the write to fail');
    child.process.kill('SIGTERM');
    expect(await within(child.exited, DEADLINE_MS, 'the server to give up and exit')).toBe(1);
    expect(child.output()).toContain('shutdown: 1 record of 1 document is not durable: \\"full disk\\" (1 record)');
    expect(child.output()).toContain('tandem serve: shutdown incomplete: 1 record of 1 document is not durable: "full disk" (1 record)');
  } finally {
    spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  }
});
