import { afterEach, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { synced, within, yClient, type YClient } from '../helpers/clients.js';
import { CloseCode } from '../../sync-server/protocol.js';

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
  expect(await within(closeCode, 10_000, 'the client to be closed')).toBe(CloseCode.goingAway);
  expect(await within(child.exited, 10_000, 'the server to exit')).toBe(0);
  expect(child.output()).toContain('server stopped');
});
