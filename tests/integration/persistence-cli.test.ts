/**
 * The data dir through the command line, as users run it: a graceful stop and start serves
 * identical content; docs, history, export, replay and verify read the result; verify fails
 * on a damaged dir; restore works through a running server (live clients see it) and offline;
 * a second server on the same data dir is refused, and a lock file naming a live process that
 * does not hold the lock is not.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSchema } from '@tiptap/core';
import { StarterKit } from '@tiptap/starter-kit';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { toJson, toText } from '../../persistence/export-format.js';
import { killChildServers, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { runTandem, type CliResult } from '../helpers/cli.js';
import { synced, yClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

const schema = getSchema([StarterKit.configure({ undoRedo: false })]);
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
const NAME = 'Team/Plan 2025';
const running: ChildServer[] = [];

afterAll(async () => {
  await killChildServers(running);
  rmSync(dataDir, { recursive: true, force: true });
});

function tandem(args: string[]): Promise<CliResult> {
  return runTandem([...args, '--data-dir', dataDir], 90_000);
}

async function serve(): Promise<ChildServer> {
  const child = await startChildServer(['--data-dir', dataDir, '--log-level', 'warn']);
  running.push(child);
  return child;
}

async function stop(child: ChildServer): Promise<void> {
  child.process.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}

describe('the data dir through the command line', () => {
  // A dozen commands in a row, each a fresh Node process loading TypeScript: on a loaded machine
  // that alone can pass the suite's two-minute deadline, so this scenario gets five.
  it('stop and start, read it back, verify, restore, and refuse a second server', { timeout: 300_000 }, async () => {
    // 0. A lock file left by a container that was restarted: its pid now belongs to another
    // live process (this test runner). Only the OS's lock counts, so serve starts.
    writeFileSync(join(dataDir, 'tandem.lock'), JSON.stringify({ pid: process.pid, command: 'serve', url: 'http://127.0.0.1:9', startedAt: '' }));

    // 1. Write a rich document in three steps, then stop gracefully.
    let server = await serve();
    const writer = yClient(server.wsUrl, NAME);
    await synced(writer);
    const fragment = writer.doc.getXmlFragment('default');
    prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: [{ type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Plan' }] }] }, fragment);
    const p = new Y.XmlElement('paragraph');
    const t = new Y.XmlText();
    p.insert(0, [t]);
    fragment.insert(1, [p]);
    t.insert(0, 'ship it');
    t.format(0, 4, { bold: true });
    await waitFor(() => writer.provider.synced, 'writes');
    const before = toJson(writer.doc);
    writer.destroy();
    await stop(server);

    // 2. Start again: identical content.
    server = await serve();
    const reader = yClient(server.wsUrl, NAME);
    await synced(reader);
    expect(toJson(reader.doc)).toEqual(before);
    reader.destroy();

    // A second server on the same data dir is refused.
    const second = await tandem(['serve', '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/tandem\.lock is held by process \d+ \(tandem serve at http/);

    // 3. Restore through the running server: a live client sees it at once.
    const live = yClient(server.wsUrl, NAME);
    await synced(live);
    const restored = await tandem(['restore', NAME, '--at', '1', '--name', 'Ada']);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toContain('restored by Ada (self-declared) (through the server');
    await waitFor(() => toText(live.doc) === 'Plan\n', 'the live client to see the restore');
    live.destroy();
    await stop(server);
    // A graceful stop leaves every record in its document's log and the journal empty.
    expect(readdirSync(dataDir).sort()).toEqual(['docs', 'journal']);
    expect(readdirSync(join(dataDir, 'journal'))).toEqual([]);

    // 4. Read it back offline.
    const docs = await tandem(['docs', '--json']);
    const listed = (JSON.parse(docs.stdout) as { docs: { name: string; records: number }[] }).docs;
    expect(listed.map((d) => [d.name, d.records])).toEqual([[NAME, listed[0]?.records ?? 0]]);
    const records = listed[0]?.records ?? 0;
    expect(records).toBeGreaterThanOrEqual(4);
    const history = JSON.parse((await tandem(['history', NAME, '--json'])).stdout) as { versions: { authors: string[] }[] };
    expect(history.versions.at(-1)).toMatchObject({ kind: 'restore', restoredBy: { name: 'Ada' }, authors: ['tandem:restore:name:Ada'] });
    expect((await tandem(['history', NAME])).stdout).toMatch(new RegExp(`#${records}\\s.*restored by Ada \\(self-declared\\)`));
    expect((await tandem(['export', NAME, '--format', 'markdown', '--at', String(records - 1)])).stdout).toBe('# Plan\n\n**ship** it\n');
    expect((await tandem(['export', NAME, '--format', 'text'])).stdout).toBe('Plan\n');
    const replay = await tandem(['replay', NAME]);
    expect(replay.stdout).toContain('{+ship it+}');
    expect(replay.stdout).toContain('restored by Ada (self-declared)');

    // 5. Offline restore, then verify passes.
    const offline = await tandem(['restore', NAME, '--at', String(records - 1)]);
    expect(offline.stdout).toContain(`now current as seq ${records + 1}, restored (by whom unknown)`);
    expect((await tandem(['export', NAME, '--format', 'text'])).stdout).toBe('Plan\n\nship it\n');
    const healthy = await tandem(['verify']);
    expect(healthy.code, healthy.stdout).toBe(0);
    expect(healthy.stdout).toContain('no damage');

    // 6. A flipped byte in the log: verify fails, naming the file and the offset.
    const docDir = join(dataDir, 'docs', readdirSync(join(dataDir, 'docs'))[0] ?? '');
    const logPath = join(docDir, 'log');
    const bytes = readFileSync(logPath);
    const offset = bytes.length - 10;
    bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
    writeFileSync(logPath, bytes);
    const damaged = await tandem(['verify']);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(new RegExp(`ERROR ${logPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at byte \\d+: record checksum mismatch`));

    // 7. The server still starts and serves the valid prefix.
    server = await serve();
    const after = yClient(server.wsUrl, NAME);
    await synced(after);
    expect(toText(after.doc)).toBe('Plan\n');
    after.destroy();
    await stop(server);
  });
});
