/**
 * A data dir from an earlier version, whose names were the percent-decoded request path, through
 * the command line: `tandem verify` tells which names `tandem serve` will carry over, the server
 * renames them before anyone connects and stock clients then reach them by the path that now
 * names them; when a new name is taken, the server refuses to start and changes nothing.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { killChildServers, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { runTandem, type CliResult } from '../helpers/cli.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';

const dirs: string[] = [];
const running: ChildServer[] = [];
const clients: YClient[] = [];

afterAll(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await killChildServers(running);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tandem(args: string[]): Promise<CliResult> {
  return runTandem(args, 90_000);
}

/** A data dir as an earlier server left it: each document's text under its stored name. */
async function oldDataDir(texts: Record<string, string>): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-old-names-'));
  dirs.push(dataDir);
  const store = new FileStore(dataDir);
  for (const [name, text] of Object.entries(texts)) {
    const doc = new Y.Doc();
    const before = Y.encodeStateVector(doc);
    doc.getText('text').insert(0, text);
    await store.append(name, Y.encodeStateAsUpdate(doc, before), { author: null });
  }
  await store.close();
  return dataDir;
}

const tree = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('a data dir named by an earlier version', () => {
  it('is carried over by serve, as verify announced, and stock clients reach it by path', { timeout: 120_000 }, async () => {
    const dataDir = await oldDataDir({ 'a%20b': 'typed as a%20b in an earlier editor', 'team/plan': 'unchanged' });
    const before = await tandem(['verify', '--data-dir', dataDir]);
    expect(before.code, before.stdout).toBe(0);
    expect(before.stdout).toContain('"a%20b" is a name from an earlier version; the next `tandem serve` renames it to "a b"');

    const server = await startChildServer(['--data-dir', dataDir]);
    running.push(server);
    expect(server.output()).toMatch(/"from":"a%20b","to":"a b".*"msg":"name carry-over: document renamed"/);
    for (const room of ['a b', 'a%20b', 'team/plan']) {
      const client = yClient(server.wsUrl, room);
      clients.push(client);
      await synced(client, 20_000);
      const expected = room === 'team/plan' ? 'unchanged' : 'typed as a%20b in an earlier editor';
      await waitFor(() => client.doc.getText('text').toString() === expected, `room ${room} to hold its document`, 20_000);
    }
    const list = (await (await fetch(`${server.httpUrl}/api/docs`)).json()) as { docs: { name: string }[] };
    expect(list.docs.map((d) => d.name).sort()).toEqual(['a b', 'team/plan']);
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const after = await tandem(['verify', '--data-dir', dataDir]);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).not.toContain('earlier version');
    const exported = await tandem(['export', 'a b', '--format', 'text', '--data-dir', dataDir]);
    expect(exported.stdout).toBe('typed as a%20b in an earlier editor\n');
  });

  it('keeps serve from starting, and changes nothing, when a new name is taken', { timeout: 120_000 }, async () => {
    const dataDir = await oldDataDir({ 'a b': 'one document', 'a%20b': 'another document' });
    const files = tree(dataDir);
    const verified = await tandem(['verify', '--data-dir', dataDir]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/ERROR .*n=a%2520b: "a%20b" cannot be carried over .*: it should be renamed to "a b", but .*n=a%20b already holds a document by that name/);

    const served = await tandem(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(served.code).toBe(1);
    expect(served.stderr).toContain('cannot be carried over');
    expect(served.stderr).toMatch(/"a%20b" in .*n=a%2520b: it should be renamed to "a b"/);
    expect(served.stdout).not.toContain('Tandem is running');
    expect(tree(dataDir)).toEqual(files);
  });
});
