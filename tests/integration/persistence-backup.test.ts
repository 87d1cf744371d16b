/**
 * `tandem backup` of a live data dir under continuous writes from stock clients: everything
 * acknowledged (relayed to another client) before the backup began is in the copy, the copy
 * passes `tandem verify`, and `tandem serve` opens it. With no server running, the copy is
 * made under the data dir's lock.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../persistence/file/file-store.js';
import { killChildServers, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { runTandem, type CliResult } from '../helpers/cli.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';
import { copyWhileTyping, startTyping } from '../helpers/backup-copy.js';

const work = mkdtempSync(join(tmpdir(), 'tandem-backup-'));
const dataDir = join(work, 'data');
const running: ChildServer[] = [];
const clients: YClient[] = [];

afterAll(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await killChildServers(running);
  rmSync(work, { recursive: true, force: true });
});

function tandem(args: string[]): Promise<CliResult> {
  return runTandem(args, 120_000);
}

async function serve(dir: string): Promise<ChildServer> {
  const child = await startChildServer(['--data-dir', dir, '--log-level', 'warn']);
  running.push(child);
  return child;
}

const DOCS = ['alpha', 'beta', 'team/gamma'];

describe('tandem backup', () => {
  it('copies a live data dir with every acknowledged change, under continuous writes', { timeout: 180_000 }, async () => {
    const server = await serve(dataDir);
    const typing = await startTyping(server.wsUrl, DOCS, clients, 200);

    // What was acknowledged — relayed to another client — before each copy began is in it. The
    // API is asked at once, so the latest of these updates are still only in the server's journal.
    const { fromApi, dest, seen, result } = await copyWhileTyping(typing, server, work, (to) => tandem(['backup', to, '--data-dir', dataDir]));
    expect(result.stdout).toMatch(/^Backed up 3 documents \(.*\) to .*copy \(through the server at http:.*\); tandem verify passes on it\.\n$/);

    for (const copy of [fromApi, dest]) {
      const verify = await tandem(['verify', '--data-dir', copy]);
      expect(verify.code, verify.stdout).toBe(0);
    }

    // The copy is a data dir a server opens.
    const restored = await serve(dest);
    const check = yClient(restored.wsUrl, 'team/gamma');
    clients.push(check);
    await synced(check);
    await waitFor(() => check.doc.getText('t').toString().startsWith(seen[2]?.text ?? '?'), 'the copy to be served');
    restored.process.kill('SIGTERM');
    expect(await restored.exited).toBe(0);

    // With the server stopped: under the lock, everything.
    for (const client of clients.splice(0)) client.destroy();
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const offline = await tandem(['backup', join(work, 'offline'), '--data-dir', dataDir]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).not.toContain('through the server');
    const all = new FileStore(join(work, 'offline'));
    const original = new FileStore(dataDir);
    for (const name of DOCS) expect((await all.load(name)).state).toEqual((await original.load(name)).state);
    await all.close();
    await original.close();

    const again = await tandem(['backup', dest, '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists; give a new directory');
    expect(existsSync(`${dest}.partial-${process.pid}`)).toBe(false);
  });
});
