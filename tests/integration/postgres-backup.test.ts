/**
 * `tandem backup --database-url` while a server keeps writing: the copy is a data dir holding
 * every update acknowledged (relayed to another client) before it began, compacted histories
 * as they are; `tandem verify --data-dir` passes on it, and `tandem migrate` loads it into
 * another database, where every document reads back the same. `GET /api/backup` of a server
 * using the database hands out the same kind of copy. Checkpoints are copied as files that the
 * copied log confirms, so loading the copy starts from the newest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DirectoryBackup } from '../../persistence/file/backup.js';
import { openDocFiles } from '../../persistence/file/doc-files.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { nodeFs } from '../../persistence/file/store-fs.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { writeDatabaseBackup } from '../../persistence/postgres/database-backup.js';
import { Database } from '../../persistence/postgres/database.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { startChildServer } from '../helpers/child-server.js';
import { copyWhileTyping, startTyping } from '../helpers/backup-copy.js';
import { runTandem, type CliResult } from '../helpers/cli.js';
import { usePgTestBed } from '../helpers/pg-test-bed.js';

const work = mkdtempSync(join(tmpdir(), 'tandem-pg-backup-'));
const bed = usePgTestBed();
const { running, clients } = bed;

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function tandem(args: string[]): Promise<CliResult> {
  return runTandem(args, 120_000);
}

const DOCS = ['alpha', 'beta', 'team/gamma'];

describe('tandem backup --database-url', () => {
  it('copies every document from one snapshot while a server writes; the copy verifies and migrates back', { timeout: 300_000 }, async () => {
    const url = await bed.cluster.createDatabase('source');
    const server = await startChildServer(['--database-url', url, '--log-level', 'warn']);
    running.push(server);
    const typing = await startTyping(server.wsUrl, DOCS, clients, 100);
    // One document's early history is compacted away: the copy keeps it compacted.
    const compacted = await tandem(['compact', 'beta', '--before', '50', '--database-url', url]);
    expect(compacted.code, compacted.stderr).toBe(0);

    const { fromApi, dest, seen, result } = await copyWhileTyping(typing, server, work, (to) => tandem(['backup', to, '--database-url', url]));
    expect(result.stdout).toMatch(/^Backed up 3 documents \(.*\) to .*copy from postgres:\/\/postgres@127\.0\.0\.1:\d+\/source_\d+_\d+; tandem verify passes on it\.\n$/);

    for (const copy of [fromApi, dest]) {
      const verify = await tandem(['verify', '--data-dir', copy]);
      expect(verify.code, verify.stdout).toBe(0);
      expect(verify.stdout).toMatch(/ok {3}"beta": \d+ updates \(history before seq 50 compacted on \S+\)/);
    }

    // Into another database: every document's history, compacted or not, reads back the same.
    const other = await bed.cluster.createDatabase('restored');
    const migrated = await tandem(['migrate', '--from-data-dir', dest, '--database-url', other]);
    // The copy's trash goes along, restorable there too.
    expect(migrated.stdout).toMatch(/copied \d+ records of 1 deleted document \(in the trash\)/);
    expect(JSON.parse((await tandem(['docs', '--trash', '--json', '--database-url', other])).stdout).docs).toHaveLength(1);
    expect(migrated.stdout).toContain('verified: every document matches its source');
    for (const name of DOCS) {
      const fromCopy = await tandem(['export', name, '--format', 'text', '--data-dir', dest]);
      const fromDatabase = await tandem(['export', name, '--format', 'text', '--database-url', other]);
      expect(fromDatabase.stdout).toBe(fromCopy.stdout);
      expect(fromCopy.stdout.startsWith(seen[DOCS.indexOf(name)]?.text ?? '?')).toBe(true);
    }
    expect(JSON.parse((await tandem(['history', 'beta', '--json', '--database-url', other])).stdout)).toMatchObject({ compacted: { beforeSeq: 50 } });
    const verified = await tandem(['verify', '--database-url', other]);
    expect(verified.code, verified.stdout).toBe(0);

    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('writes checkpoints the copy loads from, at the offsets of their records in the copied log', async () => {
    const url = await bed.cluster.createDatabase('checkpoints');
    const store = new PostgresStore(url, { checkpointEvery: 10, keepCheckpoints: 2 });
    const doc = new Y.Doc();
    try {
      for (let i = 0; i < 45; i += 1) await store.append('d', appendTextUpdate(doc, String.fromCharCode(97 + (i % 26))), { author: i % 2 === 0 ? 'ada' : null });
      await store.compact('d', { seq: 12 });
      await store.close();
      const dir = join(work, 'with-checkpoints');
      const target = new DirectoryBackup(dir);
      await nodeFs.mkdir(dir);
      const db = new Database(url, { logger: { info() {}, warn() {}, error() {} } });
      try {
        const copied = await writeDatabaseBackup(db, target);
        expect(copied).toMatchObject({ docs: 1, problems: [] });
        const checkpoints = await db.pool.query<{ seq: number }>('SELECT seq::int FROM tandem_checkpoints ORDER BY seq DESC');
        await target.finish();
        const files = await openDocFiles(nodeFs, join(dir, 'docs', docDirName('d')), 'd');
        // Loading starts from the newest checkpoint, confirmed by the copied log.
        expect(files.base?.seq).toBe(checkpoints.rows[0]?.seq);
        expect(files.base?.path).toContain('checkpoint-');
        expect(files.compacted?.seq).toBe(12);
        expect(files.records.at(-1)).toMatchObject({ seq: 45 });
      } finally {
        await db.close();
      }
      const report = await verifyDataDir(dir, { live: false });
      expect(report.ok, JSON.stringify(report)).toBe(true);
      expect(report.docs[0]).toMatchObject({ records: 33, compacted: { seq: 12 } });
      expect(report.docs[0]?.checkpoints).toBeGreaterThan(0);
      const copy = new FileStore(dir);
      expect(textOf((await copy.load('d')).state)).toBe(doc.getText('t').toString());
      await copy.close();
    } finally {
      await store.close();
    }
  });
});
