/**
 * Maintenance of a database through the command line and the API, with servers running on it:
 * restores record who asked for them (a self-declared name, or a token's user) exactly as in a
 * data dir, and `tandem compact --database-url` drops history while people keep editing, after
 * which history, export, replay, restore and verify say "compacted", not "missing". Every
 * maintenance command finds the database through DATABASE_URL alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { runTandem, type CliResult } from '../helpers/cli.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { usePgTestBed } from '../helpers/pg-test-bed.js';
import { appendTextUpdate } from '../helpers/text-doc.js';
import { DEADLINE_MS, waitFor } from '../helpers/wait.js';
import { mint, startAuthServer } from './auth-fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'tandem-pg-maintenance-'));
const bed = usePgTestBed();
const { running, clients } = bed;

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function tandem(url: string, args: string[]): Promise<CliResult> {
  return runTandem([...args, '--database-url', url], 120_000);
}

async function serve(url: string): Promise<ChildServer> {
  const child = await startChildServer(['--database-url', url, '--log-level', 'warn']);
  running.push(child);
  return child;
}

async function stop(child: ChildServer): Promise<void> {
  child.process.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}

async function client(wsUrl: string, name: string): Promise<YClient> {
  const c = yClient(wsUrl, name);
  clients.push(c);
  await synced(c);
  return c;
}

async function authors(url: string, name: string): Promise<(string | null)[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ author: string | null }>(
      'SELECT r.author FROM tandem_records r JOIN tandem_documents d ON d.id = r.doc_id WHERE d.name = $1 ORDER BY r.seq', [name]);
    return rows.map((r) => r.author);
  } finally {
    await db.end();
  }
}

/** Types `count` letters into `t`, each relayed to `reader` before the next. */
async function typeLetters(writer: YClient, reader: YClient, count: number): Promise<void> {
  const text = writer.doc.getText('t');
  for (let i = 0; i < count; i += 1) {
    text.insert(text.length, String.fromCharCode(97 + (text.length % 26)));
    const length = text.length;
    await waitFor(() => reader.doc.getText('t').length === length, 'the edit to be relayed');
  }
}

describe('maintenance of a database', () => {
  it('records who asked for a restore, through a server and in the database itself', { timeout: 180_000 }, async () => {
    const url = await bed.cluster.createDatabase('restore');
    const server = await serve(url);
    const writer = await client(server.wsUrl, 'plan');
    const watcher = await client(server.wsUrl, 'plan');
    await typeLetters(writer, watcher, 2);

    const through = await tandem(url, ['restore', 'plan', '--at', '1', '--name', 'Ada']);
    expect(through.stderr).toBe('');
    expect(through.stdout).toContain(`now current as seq 3, restored by Ada (self-declared) (through the server at ${server.httpUrl}`);
    await waitFor(() => watcher.doc.getText('t').toString() === 'a', 'the restore to reach the connected client');
    await stop(server);

    const offline = await tandem(url, ['restore', 'plan', '--at', '2', '--name', 'Bob']);
    expect(offline.stdout).toContain('now current as seq 4, restored by Bob (self-declared).');
    expect(offline.stdout).not.toContain('through the server');
    expect(await authors(url, 'plan')).toEqual([null, null, 'tandem:restore:name:Ada', 'tandem:restore:name:Bob']);

    const history = JSON.parse((await tandem(url, ['history', 'plan', '--json'])).stdout) as { versions: Record<string, unknown>[] };
    expect(history.versions.slice(-2)).toMatchObject([
      { fromSeq: 3, kind: 'restore', restoredBy: { name: 'Ada' }, authors: ['tandem:restore:name:Ada'] },
      { fromSeq: 4, kind: 'restore', restoredBy: { name: 'Bob' }, authors: ['tandem:restore:name:Bob'] },
    ]);
    expect((await tandem(url, ['history', 'plan'])).stdout).toMatch(/#3\s.*restored by Ada \(self-declared\).*\n#4\s.*restored by Bob \(self-declared\)/);
    expect((await tandem(url, ['replay', 'plan', '--from', '3'])).stdout).toMatch(/#3 .* restored by Ada \(self-declared\)[\s\S]*#4 .* restored by Bob \(self-declared\)/);
  });

  it('records a token\'s user over any name the request gives', async () => {
    const url = await bed.cluster.createDatabase('token');
    const store = new PostgresStore(url);
    const test = await startAuthServer({ store, api: (server) => createApiRoutes(server, store) });
    try {
      const token = await mint({ sub: 'u-42', docs: ['*'], role: 'write' });
      const writer = yClient(test.wsUrl, 'plan', { params: { token } });
      clients.push(writer);
      await synced(writer);
      const words = ['one', ' two'];
      for (const [i, word] of words.entries()) {
        writer.doc.getText('t').insert(writer.doc.getText('t').length, word);
        await waitFor(() => store.stats().records === i + 1, 'the edit to commit');
      }
      const res = await fetch(`${test.httpUrl}/api/docs/plan/restore`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ at: 1, name: 'Mallory' }),
        signal: AbortSignal.timeout(DEADLINE_MS),
      });
      expect(await res.json()).toEqual({ restoredFrom: 1, seq: 3, restoredBy: { user: 'u-42' } });
      expect(await authors(url, 'plan')).toEqual(['u-42', 'u-42', 'tandem:restore:user:u-42']);
      const history = await fetch(`${test.httpUrl}/api/docs/plan/history`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(DEADLINE_MS) });
      expect(((await history.json()) as { versions: unknown[] }).versions.at(-1)).toMatchObject({ kind: 'restore', restoredBy: { user: 'u-42' }, authors: ['tandem:restore:user:u-42'] });
    } finally {
      await test.close();
    }
  });

  it('compacts while people keep editing on two servers; the commands say the history was compacted', { timeout: 300_000 }, async () => {
    const url = await bed.cluster.createDatabase('compact');
    const [a, b] = [await serve(url), await serve(url)];
    const writer = await client(a.wsUrl, 'log');
    const reader = await client(a.wsUrl, 'log');
    await typeLetters(writer, reader, 20);

    // Typing goes on through the compaction (bounded in count).
    let typing = true;
    const text = writer.doc.getText('t');
    const keepTyping = (async () => {
      for (let i = 0; typing && i < 5000; i += 1) {
        text.insert(text.length, '.');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const compacted = await tandem(url, ['compact', 'log', '--before', '10']);
    expect(compacted.stderr).toBe('');
    expect(compacted.stdout).toMatch(/^Compacted "log" before seq 10: 10 updates folded into the document as it was at seq 10, which is kept with everything since; stored .* → .* in postgres:\/\/postgres@127\.0\.0\.1:\d+\/compact_\d+_\d+\.\n$/);
    // The HTTP API of a server on the database compacts too.
    const viaApi = await fetch(`${b.httpUrl}/api/docs/log/compact`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"before":15}', signal: AbortSignal.timeout(60_000),
    });
    expect(await viaApi.json()).toMatchObject({ compactedBefore: 15, removed: 5 });
    typing = false;
    await keepTyping;
    const final = text.toString();
    await waitFor(() => reader.doc.getText('t').toString() === final, 'every edit to be relayed');
    // A server loading the document now has all of it.
    const fresh = await client(b.wsUrl, 'log');
    expect(fresh.doc.getText('t').toString()).toBe(final);

    const history = await tandem(url, ['history', 'log']);
    expect(history.stdout).toMatch(/\(history of "log" before seq 15 was compacted on \S+; the earliest point kept is seq 15 \(\S+\)\)/);
    expect(JSON.parse((await tandem(url, ['history', 'log', '--json'])).stdout)).toMatchObject({ compacted: { beforeSeq: 15 } });
    const early = await tandem(url, ['export', 'log', '--at', '5', '--format', 'text']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('--at: history of "log" before seq 15 was compacted');
    expect((await tandem(url, ['export', 'log', '--at', '15', '--format', 'text'])).stdout).toBe('abcdefghijklmno\n');
    const replay = await tandem(url, ['replay', 'log', '--from', '3']);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('--from: history of "log" before seq 15 was compacted');
    expect((await tandem(url, ['replay', 'log', '--from', '16', '--to', '16'])).stdout).toMatch(/^#16 [\s\S]*\{\+p\+\}/);
    const restore = await tandem(url, ['restore', 'log', '--at', '5']);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/answered 400: history of "log" before seq 15 was compacted/);
    const verify = await tandem(url, ['verify']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/ok {3}"log": \d+ updates \(history before seq 15 compacted on \S+\), \d+ checkpoints/);

    for (const c of clients.splice(0)) c.destroy();
    await stop(a);
    await stop(b);
    const nothing = await tandem(url, ['compact', 'log', '--before', '3']);
    expect(nothing.stdout).toMatch(/^"log" has no history before seq 15 left to drop; nothing to do in postgres:/);
    const later = await serve(url);
    const check = await client(later.wsUrl, 'log');
    expect(check.doc.getText('t').toString()).toBe(final);
    await stop(later);
  });

  it('every maintenance command finds the database through DATABASE_URL; a --data-dir flag wins over it', { timeout: 300_000 }, async () => {
    const url = await bed.cluster.createDatabase('env');
    const store = new PostgresStore(url);
    const doc = new Y.Doc();
    for (const letter of ['a', 'b', 'c']) await store.append('notes', appendTextUpdate(doc, letter), { author: 'ada' });
    await store.close();
    const run = (args: string[]): Promise<CliResult> => runTandem(args, 120_000, { DATABASE_URL: url, DATA_DIR: join(work, 'never-used') });

    expect(JSON.parse((await run(['docs', '--json'])).stdout)).toMatchObject({ docs: [{ name: 'notes', records: 3, lastAuthor: 'ada' }] });
    expect(JSON.parse((await run(['history', 'notes', '--json'])).stdout)).toMatchObject({ name: 'notes', records: 3 });
    expect((await run(['export', 'notes', '--at', '2', '--format', 'text'])).stdout).toBe('ab\n');
    expect((await run(['replay', 'notes', '--from', '3'])).stdout).toMatch(/^#3 {2}\S+ {2}ada {2}\+1 −0\n\s+.*\{\+c\+\}/);
    const restored = await run(['restore', 'notes', '--at', '1', '--name', 'Ada']);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toBe('Restored "notes" to its content at seq 1, now current as seq 4, restored by Ada (self-declared).\n');
    const compacted = await run(['compact', 'notes', '--before', '2']);
    expect(compacted.stdout).toMatch(/^Compacted "notes" before seq 2: 2 updates folded .* in postgres:\/\/postgres@127\.0\.0\.1:\d+\/env_\d+_\d+\.\n$/);
    const dest = join(work, 'env-copy');
    const backup = await run(['backup', dest]);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(/^Backed up 1 document \(.*\) to .*env-copy from postgres:\/\/postgres@127\.0\.0\.1:\d+\/env_\d+_\d+; tandem verify passes on it\.\n$/);
    const verify = await run(['verify']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/ok {3}"notes": 2 updates \(history before seq 2 compacted on \S+\)/);

    // The copy, through the flag: the same history, compacted as in the database.
    const fromCopy = JSON.parse((await run(['history', 'notes', '--json', '--data-dir', dest])).stdout) as unknown;
    expect(fromCopy).toEqual(JSON.parse((await run(['history', 'notes', '--json'])).stdout));
    expect(fromCopy).toMatchObject({ records: 4, compacted: { beforeSeq: 2 } });
    expect((await run(['export', 'notes', '--format', 'text', '--data-dir', dest])).stdout).toBe('a\n');
  });
});
