/**
 * Import and the trash through the command line, as users run them: with no server, straight
 * into the data dir (and a database); with a server running, through its API, so connected
 * clients see the import and are closed with 4410 by the delete. `tandem docs --trash` lists
 * what is deleted, `tandem undelete` brings it back (or refuses a taken name, `--as` works).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { DocArchive } from '../../persistence/archive.js';
import { toText } from '../../persistence/export-format.js';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { Database } from '../../persistence/postgres/database.js';
import { PostgresArchive } from '../../persistence/postgres/postgres-archive.js';
import { docAt } from '../../persistence/replay.js';
import { killChildServers, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { synced, yClient } from '../helpers/clients.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { waitFor } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tandem-trash-cli-'));
const running: ChildServer[] = [];
let cluster: PgCluster | null = null;

afterAll(async () => {
  await killChildServers(running);
  await cluster?.destroy();
  rmSync(work, { recursive: true, force: true });
});

function tandem(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/tandem.ts', ...args], { cwd: root, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

/** A document's text as the data dir or database holds it (what `tandem export --format text` prints). */
async function textIn(archive: DocArchive, name: string): Promise<string> {
  const history = await archive.readHistory(name);
  if (!history) return '';
  const doc = await docAt(history, history.records.at(-1)?.seq ?? 0);
  const text = toText(doc);
  doc.destroy();
  return text;
}

describe('import and the trash from the command line', () => {
  it('work on a data dir with no server, and through a running one', { timeout: 300_000 }, async () => {
    const dataDir = join(work, 'data');
    const store = ['--data-dir', dataDir];
    const archive = new DataDirArchive(dataDir);
    const imported = await tandem(['import', file('Meeting notes.md', '# Agenda\n\n- [ ] budget\n\n![x](y.png)\n'), ...store]);
    expect(imported.stderr).toMatch(/note: 1 image was left out/);
    expect(imported.code).toBe(0);
    expect(await textIn(archive, 'Meeting notes')).toBe('Agenda\n\n[ ] budget\n');
    expect((await tandem(['import', file('again.md', '# Other\n'), '--doc', 'Meeting notes', ...store])).stderr).toMatch(/already has content/);

    expect((await tandem(['delete', 'Meeting notes', ...store])).code).toBe(0);
    expect((await archive.listDocs()).map((d) => d.name)).toEqual([]);
    const listedTrash = await tandem(['docs', '--trash', '--json', ...store]);
    const trash = JSON.parse(listedTrash.stdout) as { trashDays: number; docs: { name: string; records: number }[] };
    expect(trash.trashDays).toBe(30);
    expect(trash.docs.map((d) => [d.name, d.records])).toEqual([['Meeting notes', 1]]);
    expect((await tandem(['undelete', 'Meeting notes', ...store])).code).toBe(0);
    expect(await textIn(archive, 'Meeting notes')).toBe('Agenda\n\n[ ] budget\n');

    // With a server running, the same commands go through it.
    const server = await startChildServer(['--data-dir', dataDir]);
    running.push(server);
    const reader = yClient(server.wsUrl, 'Team%20plan');
    const closes: number[] = [];
    reader.provider.on('connection-close', (event) => event && closes.push(event.code));
    await synced(reader);
    const live = await tandem(['import', file('plan.html', '<h2>Goals</h2><p>Ship <em>it</em>.</p>'), '--doc', 'Team plan', ...store]);
    expect(live.stdout).toMatch(/through the server/);
    await waitFor(() => toText(reader.doc) === 'Goals\n\nShip it.\n', 'the import at the connected client');
    const deleted = await tandem(['delete', 'Team plan', ...store]);
    expect(deleted.stdout).toMatch(/through the server/);
    await waitFor(() => closes.includes(4410), 'the connected client closed with 4410');
    reader.destroy();
    expect((await tandem(['docs', '--trash', ...store])).stdout).toMatch(/"Team plan"\s+\S+Z\s+-\s+\S+Z\s+1\s/);
    const again = await fetch(`${server.httpUrl}/api/docs/Team%20plan/import?format=markdown`, { method: 'POST', headers: { 'content-type': 'text/markdown' }, body: 'A new plan\n' });
    expect(again.status).toBe(201);
    const refused = await tandem(['undelete', 'Team plan', ...store]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/409: .*never merged/);
    expect((await tandem(['undelete', 'Team plan', '--as', 'Team plan (old)', ...store])).code).toBe(0);
    const docx = join(work, 'plan.docx');
    expect((await tandem(['export', 'Team plan (old)', '--format', 'docx', '--out', docx, ...store])).code).toBe(0);
    expect((await tandem(['import', docx, '--doc', 'From Word', ...store])).code).toBe(0);
    const markdown = await fetch(`${server.httpUrl}/api/docs/From%20Word/export?format=markdown`);
    expect(await markdown.text()).toBe('## Goals\n\nShip *it*.\n');
  });

  it('work on a database', { timeout: 300_000 }, async () => {
    cluster = await PgCluster.start();
    const url = await cluster.createDatabase('trash_cli');
    const server = await startChildServer(['--database-url', url]);
    running.push(server);
    const store = ['--database-url', url];
    expect((await tandem(['import', file('db.md', '# In the database\n'), ...store])).stdout).toMatch(/through the server/);
    server.process.kill('SIGTERM');
    await server.exited;
    expect((await tandem(['delete', 'db', ...store])).stdout).toMatch(/Moved "db" to the trash in postgres/);
    expect((await tandem(['docs', '--trash', ...store])).stdout).toMatch(/"db"/);
    expect((await tandem(['import', file('db2.md', 'second\n'), '--doc', 'db', ...store])).code).toBe(0);
    expect((await tandem(['undelete', 'db', ...store])).stderr).toMatch(/never merged/);
    expect((await tandem(['undelete', 'db', '--as', 'db (old)', ...store])).code).toBe(0);
    const db = new Database(url, { logger: { info() {}, warn() {}, error() {} }, poolSize: 1 });
    try {
      const archive = new PostgresArchive(db);
      expect(await textIn(archive, 'db (old)')).toBe('In the database\n');
      expect(await textIn(archive, 'db')).toBe('second\n');
    } finally {
      await db.close();
    }
  });
});
