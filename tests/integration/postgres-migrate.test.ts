/**
 * `tandem migrate` both ways: a data dir with history goes into a database and back out into
 * a new data dir, each step interrupted and run again, and the document exported at every
 * sequence number is identical everywhere, with seqs, times and authors kept, and documents'
 * named versions and images come along. A data dir named by an earlier version has its names carried over first,
 * as `tandem serve` would. Deleted documents go along in the trash, both ways: restorable in
 * the destination with their history, images, deletion time and author, compacted or not.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocArchive } from '../../persistence/archive.js';
import type { VersionLister } from '../../persistence/named-versions.js';
import { exportDoc } from '../../persistence/export-format.js';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { copyIntoDataDir, copyIntoDatabase } from '../../persistence/postgres/data-move.js';
import { Database } from '../../persistence/postgres/database.js';
import { PostgresArchive } from '../../persistence/postgres/postgres-archive.js';
import { migrateSchema } from '../../persistence/postgres/schema.js';
import { docAt } from '../../persistence/replay.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { png } from '../helpers/images.js';
import { sha256Hex } from '../../persistence/blobs.js';
import { FileBlobs } from '../../persistence/file/file-blobs.js';
import { PostgresBlobs } from '../../persistence/postgres/pg-blobs.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { copyTrashIntoDataDir, copyTrashIntoDatabase } from '../../persistence/postgres/trash-move.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { verifyDatabase } from '../../persistence/postgres/postgres-verify.js';
import { toText } from '../../persistence/export-format.js';
import type { TrashedDoc } from '../../persistence/trash.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NAMES = ['notes', 'Team/Plan 2025', 'ü 😀'];
const dirs: string[] = [];
let cluster: PgCluster;
let source: string;
const quiet = { info() {}, warn() {}, error() {} };
const IMAGE = png(4, 3);

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-migrate-'));
  dirs.push(dir);
  return dir;
}

/** A data dir whose documents have 40 records each: paragraphs written, edited, deleted, by three authors. */
async function writeSource(dir: string): Promise<void> {
  const store = new FileStore(dir, { checkpointEvery: 9 });
  for (const name of NAMES) {
    const doc = new Y.Doc();
    const fragment = doc.getXmlFragment('default');
    for (let i = 0; i < 40; i += 1) {
      const before = Y.encodeStateVector(doc);
      if (i % 7 === 6 && fragment.length > 1) fragment.delete(0, 1);
      else if (i % 5 === 4) (fragment.get(fragment.length - 1) as Y.XmlElement).setAttribute('textAlign', 'center');
      else {
        const p = new Y.XmlElement(i % 3 === 0 ? 'heading' : 'paragraph');
        if (i % 3 === 0) p.setAttribute('level', '2');
        p.insert(0, [new Y.XmlText(`${name} #${i}`)]);
        fragment.insert(fragment.length, [p]);
      }
      await store.append(name, Y.encodeStateAsUpdate(doc, before), { author: ['ada', 'bob', null][i % 3] ?? null });
    }
  }
  await store.addVersion('notes', { name: 'First draft', seq: 12, timeMs: 1_700_000_000_001, author: 'ada' });
  await store.addVersion('notes', { name: 'Sent to legal', seq: 40, timeMs: 1_700_000_000_002, author: 'tandem:name:Bob' });
  await store.addVersion('ü 😀', { name: 'ü version ✓', seq: 1, timeMs: 1_700_000_000_003, author: null });
  await store.close();
  await new FileBlobs(dir).putBlob('notes', sha256Hex(IMAGE), IMAGE);
}

/** The document exported (JSON and text) at every seq, with each record's seq, time and author. */
async function everySeq(archive: DocArchive, name: string): Promise<string[]> {
  const history = await archive.readHistory(name);
  if (!history) throw new Error(`${name} is missing`);
  const out: string[] = [];
  for (const record of history.records) {
    const doc = await docAt(history, record.seq);
    out.push(`${record.seq} ${record.timeMs} ${record.author}\n${String(await exportDoc(doc, 'json'))}${String(await exportDoc(doc, 'text'))}`);
    doc.destroy();
  }
  return out;
}

async function expectSameHistories(a: DocArchive & VersionLister, b: DocArchive & VersionLister): Promise<void> {
  expect((await b.listDocs()).map((d) => d.name).sort()).toEqual([...NAMES].sort());
  for (const name of NAMES) {
    const [left, right] = [await everySeq(a, name), await everySeq(b, name)];
    expect(left).toHaveLength(40);
    expect(right).toEqual(left);
    expect(await b.listVersions(name)).toEqual(await a.listVersions(name));
  }
  expect((await b.listVersions('notes')).map((v) => [v.name, v.seq])).toEqual([['First draft', 12], ['Sent to legal', 40]]);
}

async function database(url: string): Promise<Database> {
  const db = new Database(url, { logger: quiet });
  await db.withClient((client) => migrateSchema(client));
  return db;
}

beforeAll(async () => {
  cluster = await PgCluster.start();
  source = tempDir();
  await writeSource(source);
});

afterAll(async () => {
  await cluster.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('tandem migrate', () => {
  it('round-trips a data dir through the database, resuming after interruptions, identical at every seq', async () => {
    const db = await database(await cluster.createDatabase('migrate'));
    try {
      // Interrupted after two chunks of 7 records, then run again to the end.
      const stop = new AbortController();
      let chunks = 0;
      const onChunk = (): void => {
        chunks += 1;
        if (chunks === 2) stop.abort();
      };
      await expect(copyIntoDatabase(new DataDirArchive(source), db, { chunkRecords: 7, onChunk, signal: stop.signal })).rejects.toThrow();
      expect((await new PostgresArchive(db).listDocs()).map((d) => d.records)).toEqual([14]);
      const into = await copyIntoDatabase(new DataDirArchive(source), db, { chunkRecords: 7 });
      expect(into).toEqual({ docs: 3, records: 106, problems: [] });
      await expectSameHistories(new DataDirArchive(source), new PostgresArchive(db));
      // Checkpoints came along.
      expect((await new PostgresArchive(db).readHistory('notes'))?.checkpoints.length).toBeGreaterThan(0);
      // Run again: nothing to do.
      expect(await copyIntoDatabase(new DataDirArchive(source), db)).toEqual({ docs: 3, records: 0, problems: [] });

      // And out again, interrupted once.
      const target = tempDir();
      const outStop = new AbortController();
      const first = new FileStore(target, { journal: false });
      await expect(copyIntoDataDir(db, first, { chunkRecords: 10, onChunk: () => outStop.abort(), signal: outStop.signal })).rejects.toThrow();
      await first.close();
      const second = new FileStore(target, { journal: false });
      expect(await copyIntoDataDir(db, second, { chunkRecords: 10 })).toEqual({ docs: 3, records: 110, problems: [] });
      await second.close();
      await expectSameHistories(new DataDirArchive(source), new DataDirArchive(target));
    } finally {
      await db.close();
    }
  });

  it('refuses to mix histories: a destination holding another history is reported, not overwritten', async () => {
    const db = await database(await cluster.createDatabase('mixed'));
    try {
      const other = tempDir();
      const store = new FileStore(other);
      await store.append('notes', Y.encodeStateAsUpdate(new Y.Doc()), { author: 'someone' });
      await store.close();
      expect((await copyIntoDatabase(new DataDirArchive(other), db)).problems).toEqual([]);
      const report = await copyIntoDatabase(new DataDirArchive(source), db);
      expect(report.problems).toEqual([expect.stringContaining('"notes": not copied, the destination holds a different history (1 records)')]);
      expect(report.docs).toBe(2);
      // Its named versions were not put on the other history either.
      expect(await new PostgresArchive(db).listVersions('notes')).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('checks named versions too: one that differs in the destination is reported', async () => {
    const db = await database(await cluster.createDatabase('versions'));
    try {
      expect((await copyIntoDatabase(new DataDirArchive(source), db)).problems).toEqual([]);
      const [draft] = await new PostgresArchive(db).listVersions('notes');
      await db.pool.query("UPDATE tandem_named_versions SET name = 'Renamed meanwhile' WHERE id = $1", [draft?.id]);
      expect((await copyIntoDatabase(new DataDirArchive(source), db)).problems).toEqual(['"notes": its named versions in the destination differ from the source\'s']);
    } finally {
      await db.close();
    }
  });

  it('through the command line: killed while copying, run again, then back out', { timeout: 120_000 }, async () => {
    const url = await cluster.createDatabase('cli');
    const cli = (args: string[]) => ['--import', 'tsx', 'bin/tandem.ts', 'migrate', ...args];
    // kill -9 once the first document is reported copied: the others are not yet.
    const child = spawn(process.execPath, cli(['--from-data-dir', source, '--database-url', url]), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no progress line in 30 s')), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('copied 40 records')) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.once('close', resolve));
    const run = (args: string[]): Promise<{ code: number; stdout: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, cli(args), { cwd: root, timeout: 90_000 }, (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }));
      });
    const resumed = await run(['--from-data-dir', source, '--database-url', url]);
    expect(resumed.stdout).toContain('verified: every document matches its source');
    expect(resumed.stdout).toContain(`copied 1 file (${IMAGE.length} bytes)`);
    expect(resumed.code).toBe(0);
    const db = new Database(url, { logger: quiet });
    try {
      expect(Buffer.from((await new PostgresBlobs(db).readBlob('notes', sha256Hex(IMAGE))) ?? []).equals(IMAGE)).toBe(true);
    } finally {
      await db.close();
    }
    const target = tempDir();
    const out = await run(['--database-url', url, '--to-data-dir', target]);
    expect(out.stdout).toContain('copied 120 records of 3 documents');
    expect(out.stdout).toContain('copied 1 file (');
    expect(out.code).toBe(0);
    expect(Buffer.from((await new FileBlobs(target).readBlob('notes', sha256Hex(IMAGE))) ?? []).equals(IMAGE)).toBe(true);
    await expectSameHistories(new DataDirArchive(source), new DataDirArchive(target));
  });

  it('carries names an earlier version gave over first, or copies nothing when one cannot be', { timeout: 120_000 }, async () => {
    const migrate = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', 'bin/tandem.ts', 'migrate', ...args], { cwd: root, timeout: 90_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
      });
    /** A data dir as an earlier version left it: names were the percent-decoded request path. */
    const oldDataDir = async (names: string[]): Promise<string> => {
      const dir = tempDir();
      const store = new FileStore(dir);
      for (const name of names) {
        await store.append(name, Y.encodeStateAsUpdate(new Y.Doc()), { author: null });
        await store.addVersion(name, { name: `named ${name}`, seq: 1, timeMs: 1, author: null });
      }
      await store.close();
      return dir;
    };
    const url = await cluster.createDatabase('names');
    const db = new Database(url, { logger: quiet });
    try {
      const clash = await migrate(['--from-data-dir', await oldDataDir(['a b', 'a%20b']), '--database-url', url]);
      expect(clash.code).toBe(1);
      expect(clash.stderr).toMatch(/"a%20b" in .*n=a%2520b: it should be renamed to "a b"/);
      expect(await db.withClient(async (c) => (await c.query("SELECT to_regclass('tandem_documents')::text AS t")).rows)).toEqual([{ t: null }]);

      const moved = await migrate(['--from-data-dir', await oldDataDir(['a%20b']), '--database-url', url]);
      expect(moved.stdout).toContain('renamed "a%20b" to "a b", as tandem serve would');
      expect(moved.code).toBe(0);
      expect((await new PostgresArchive(db).listDocs()).map((d) => d.name)).toEqual(['a b']);
      // The renamed document kept its named versions.
      expect((await new PostgresArchive(db).listVersions('a b')).map((v) => v.name)).toEqual(['named a%20b']);
    } finally {
      await db.close();
    }
  });

  it('carries the trash both ways: deleted documents stay restorable, with their images and who deleted them', { timeout: 120_000 }, async () => {
    const T1 = Date.parse('2026-02-01T09:00:00Z');
    const T2 = Date.parse('2026-02-03T17:30:00Z');
    const dir = tempDir();
    const store = new FileStore(dir, { journal: false });
    const lines = async (name: string, texts: string[]): Promise<void> => {
      const doc = new Y.Doc();
      for (const text of texts) {
        const before = Y.encodeStateVector(doc);
        doc.getText('t').insert(doc.getText('t').length, text);
        await store.append(name, Y.encodeStateAsUpdate(doc, before), { author: 'ada' });
      }
      doc.destroy();
    };
    await lines('kept', ['still here']);
    await lines('old plan', ['first ', 'draft']);
    await new FileBlobs(dir).putBlob('old plan', sha256Hex(IMAGE), IMAGE);
    const named = await store.addVersion('old plan', { name: 'Sent to the board', seq: 1, timeMs: T1 - 1000, author: 'ada' });
    await store.trashDoc('old plan', 'ada', T1);
    // A second deleted document of the same name, its history compacted before it was deleted.
    await lines('old plan', ['second ', 'try ', 'again']);
    await store.compact('old plan', { seq: 2 });
    await store.trashDoc('old plan', null, T2);
    await store.close();
    const shape = (docs: TrashedDoc[]) => docs.map((d) => [d.name, d.deletedAtMs, d.deletedBy, d.records]);
    const expected = [['old plan', T2, null, 3], ['old plan', T1, 'ada', 2]];

    const url = await cluster.createDatabase('trash');
    const db = await database(url);
    const pg = new PostgresStore(url);
    try {
      const into = await copyTrashIntoDatabase(dir, db);
      expect(into).toMatchObject({ docs: 2, files: 1, fileBytes: IMAGE.length, problems: [] });
      // Run again: nothing more, no second copy.
      expect(await copyTrashIntoDatabase(dir, db)).toMatchObject({ docs: 2, records: 0, files: 0, problems: [] });
      expect(shape(await pg.listTrash())).toEqual(expected);
      expect((await new PostgresArchive(db).listDocs()).map((d) => d.name)).toEqual([]);
      expect((await verifyDatabase(db)).ok).toBe(true);

      // Out again into a new data dir: the same trash, byte for byte what a restore needs.
      const back = tempDir();
      expect(await copyTrashIntoDataDir(db, back)).toMatchObject({ docs: 2, files: 1, problems: [] });
      expect(await copyTrashIntoDataDir(db, back)).toMatchObject({ docs: 2, records: 0, files: 0, problems: [] });
      const backStore = new FileStore(back, { journal: false });
      try {
        expect(shape(await backStore.listTrash())).toEqual(expected);
        expect((await verifyDataDir(back, { live: false })).trash.map((d) => d.errors)).toEqual([[], []]);
        const first = (await backStore.listTrash()).find((d) => d.deletedAtMs === T1);
        await backStore.restoreDoc(first?.id ?? '', 'old plan (restored)');
        const history = await backStore.readHistory('old plan (restored)');
        const doc = history ? await docAt(history, 2) : new Y.Doc();
        expect(doc.getText('t').toString()).toBe('first draft');
        doc.destroy();
        expect(Buffer.from((await new FileBlobs(back).readBlob('old plan (restored)', sha256Hex(IMAGE))) ?? []).equals(IMAGE)).toBe(true);
        expect(await backStore.listVersions('old plan (restored)')).toEqual([named]);
      } finally {
        await backStore.close();
      }

      // In the database too, each restores with its history (the compacted one from its cut).
      const first = (await pg.listTrash()).find((d) => d.deletedAtMs === T1);
      await pg.restoreDoc(first?.id ?? '', 'old plan (restored)');
      expect(await new PostgresArchive(db).listVersions('old plan (restored)')).toEqual([named]);
      const compacted = (await pg.listTrash()).find((d) => d.deletedAtMs === T2);
      await pg.restoreDoc(compacted?.id ?? '', 'second try');
      const restored = await new PostgresArchive(db).readHistory('second try');
      expect(restored?.compacted?.seq).toBe(2);
      const state = restored ? await docAt(restored, 3) : new Y.Doc();
      expect(toText(state)).toBe('second try again\n');
      state.destroy();
    } finally {
      await pg.close();
      await db.close();
    }
  });
});
