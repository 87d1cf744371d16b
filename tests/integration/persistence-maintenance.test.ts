/**
 * Maintenance of a data dir through the command line, as operators run it: `tandem compact`
 * through a running server (clients keep working) and on a stopped one, with history, export
 * and verify telling compacted history from damage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildServers, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { runTandem, type CliResult } from '../helpers/cli.js';
import { synced, yClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-maintenance-'));
const running: ChildServer[] = [];

afterAll(async () => {
  await killChildServers(running);
  rmSync(dataDir, { recursive: true, force: true });
});

function tandem(args: string[], dir = dataDir): Promise<CliResult> {
  return runTandem([...args, '--data-dir', dir]);
}

async function serve(dir = dataDir): Promise<ChildServer> {
  const child = await startChildServer(['--data-dir', dir, '--log-level', 'warn']);
  running.push(child);
  return child;
}

async function stop(child: ChildServer): Promise<void> {
  child.process.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}

describe('tandem compact', () => {
  it('goes through a running server, works offline, and leaves a data dir verify passes', { timeout: 300_000 }, async () => {
    let server = await serve();
    const writer = yClient(server.wsUrl, 'log');
    const reader = yClient(server.wsUrl, 'log');
    await Promise.all([synced(writer), synced(reader)]);
    const text = writer.doc.getText('t');
    for (let i = 0; i < 20; i += 1) {
      text.insert(text.length, String.fromCharCode(97 + i));
      await waitFor(() => reader.doc.getText('t').length === i + 1, 'the edit to be relayed');
    }

    const through = await tandem(['compact', 'log', '--before', '10']);
    expect(through.stderr).toBe('');
    expect(through.stdout).toMatch(/^Compacted "log" before seq 10: 10 updates folded into the document as it was at seq 10, which is kept with everything since; log .* \(through the server at http:/);
    // The document is untouched for the people editing it.
    text.insert(text.length, '!');
    await waitFor(() => reader.doc.getText('t').toString() === 'abcdefghijklmnopqrst!', 'an edit after the compaction');

    const history = await tandem(['history', 'log']);
    expect(history.stdout).toContain('"log": 21 updates in 1 version');
    expect(history.stdout).toMatch(/history of "log" before seq 10 was compacted on \S+; the earliest point kept is seq 10/);
    const early = await tandem(['export', 'log', '--at', '5', '--format', 'text']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('--at: history of "log" before seq 10 was compacted');
    expect((await tandem(['export', 'log', '--at', '10', '--format', 'text'])).stdout).toBe('abcdefghij\n');
    writer.destroy();
    reader.destroy();
    await stop(server);

    const offline = await tandem(['compact', 'log', '--before', '15']);
    expect(offline.stdout).toMatch(/^Compacted "log" before seq 15: 5 updates folded .*\.\n$/);
    expect(offline.stdout).not.toContain('through the server');
    const nothing = await tandem(['compact', 'log', '--before', '3']);
    expect(nothing.stdout).toBe('"log" has no history before seq 15 left to drop; nothing to do.\n');
    const verify = await tandem(['verify']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/ok {3}"log": 6 updates \(history before seq 15 compacted on \S+\), \d+ checkpoints/);
    const bad = await tandem(['compact', 'log', '--before', '99']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('has 21 records; there is no record 99');

    server = await serve();
    const later = yClient(server.wsUrl, 'log');
    await synced(later);
    await waitFor(() => later.doc.getText('t').toString() === 'abcdefghijklmnopqrst!', 'the whole document after a restart');
    later.destroy();
    await stop(server);
  });
});
