/**
 * Compaction drops a document's history before a point: the state there, the current state and
 * every later state stay exact, sequence numbers do not change, points before the cut are
 * refused as compacted (not damaged), verify passes, and a failure at any step of the rewrite
 * leaves the old document or the new one, never a mix.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CompactionError } from '../../persistence/compaction.js';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { docDirName } from '../../persistence/file/file-names.js';
import type { StoreFs } from '../../persistence/file/store-fs.js';
import { interceptedFs } from '../helpers/intercepted-fs.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { HistoryPointError, resolveHistoryPoint } from '../../persistence/replay.js';
import { appendTextUpdate, textAtSeq, textOf } from '../helpers/text-doc.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-compact-'));
  dirs.push(dir);
  return dir;
}

const letter = (i: number): string => String.fromCharCode(97 + (i % 26));

/** A document of `count` one-letter records ("abc…"), checkpointed every 10. */
async function writeDoc(dataDir: string, count: number, options: { journal?: boolean } = {}): Promise<Y.Doc> {
  const store = new FileStore(dataDir, { checkpointEvery: 10, journal: options.journal ?? false });
  const doc = new Y.Doc();
  for (let i = 0; i < count; i += 1) await store.append('d', appendTextUpdate(doc, letter(i)), { author: i % 2 === 0 ? 'ada' : 'bob' });
  await store.close();
  return doc;
}

const textAt = (dataDir: string, seq: number): Promise<string> => textAtSeq(new DataDirArchive(dataDir), 'd', seq);

const expectedText = (seq: number): string => Array.from({ length: seq }, (_, i) => letter(i)).join('');

describe('compaction', () => {
  it('drops history before the point and keeps every state from it on, with the same sequence numbers', async () => {
    const dataDir = tempDir();
    await writeDoc(dataDir, 35);
    const store = new FileStore(dataDir, { checkpointEvery: 10, journal: false });
    expect(await store.compact('d', { seq: 12 })).toMatchObject({ name: 'd', cut: 12, removed: 12 });

    const history = await store.readHistory('d');
    expect(history?.compacted).toMatchObject({ seq: 12 });
    expect(history?.records.map((r) => r.seq)).toEqual(Array.from({ length: 23 }, (_, i) => 13 + i));
    expect(history?.records.map((r) => r.author).slice(0, 2)).toEqual(['ada', 'bob']);
    for (const seq of [12, 13, 20, 35]) expect(await textAt(dataDir, seq)).toBe(expectedText(seq));
    expect(() => history && resolveHistoryPoint(history, { seq: 11 })).toThrow(/history of "d" before seq 12 was compacted on .*; the earliest point kept is seq 12/);
    expect(() => history && resolveHistoryPoint(history, { timeMs: 0 })).toThrow(HistoryPointError);
    expect(textOf((await store.load('d')).state)).toBe(expectedText(35));

    // The log goes on from where it was.
    expect(await store.append('d', appendTextUpdate(docFrom((await store.load('d')).state), '!'), { author: null })).toBe(36);
    await store.close();
    const report = await verifyDataDir(dataDir, { live: false });
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(report.docs[0]).toMatchObject({ name: 'd', records: 24, compacted: { seq: 12 } });
    expect(report.docs[0]?.warnings).toEqual([]);

    // Again, further on; a point at or before the cut leaves nothing to drop.
    const again = new FileStore(dataDir, { journal: false });
    expect(textOf((await again.load('d')).state)).toBe(`${expectedText(35)}!`);
    expect(await again.compact('d', { seq: 5 })).toMatchObject({ cut: 12, removed: 0 });
    expect(await again.compact('d', { seq: 36 })).toMatchObject({ cut: 36, removed: 24 });
    expect((await again.readHistory('d'))?.records).toEqual([]);
    expect(await again.append('d', appendTextUpdate(docFrom((await again.load('d')).state), '?'), { author: null })).toBe(37);
    await again.close();
    expect((await verifyDataDir(dataDir, { live: false })).ok).toBe(true);
    expect(await textAt(dataDir, 36)).toBe(`${expectedText(35)}!`);
    expect((await new DataDirArchive(dataDir).listDocs()).map((d) => d.records)).toEqual([37]);
  });

  it('cuts at a time: keeps the state as it was then', async () => {
    const dataDir = tempDir();
    await writeDoc(dataDir, 10);
    const before = await new DataDirArchive(dataDir).readHistory('d');
    const at = before?.records[6]?.timeMs ?? 0;
    const store = new FileStore(dataDir);
    // The last record at or before that time (several records may share a millisecond).
    const cut = before?.records.filter((r) => r.timeMs <= at).at(-1)?.seq ?? 0;
    expect(await store.compact('d', { timeMs: at })).toMatchObject({ cut });
    await store.close();
    expect(await textAt(dataDir, cut)).toBe(expectedText(cut));
  });

  it('refuses a point past the end, an unknown document, and a damaged history, changing nothing', async () => {
    const dataDir = tempDir();
    await writeDoc(dataDir, 25);
    const store = new FileStore(dataDir, { journal: false });
    await expect(store.compact('d', { seq: 26 })).rejects.toThrow(/has 25 records; there is no record 26/);
    await expect(store.compact('nope', { seq: 1 })).rejects.toBeInstanceOf(CompactionError);
    await store.close();
    // A damaged record in the middle of the log, before the newest checkpoint (so loading, which
    // starts there, never notices it).
    const logPath = join(dataDir, 'docs', docDirName('d'), 'log');
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(logPath);
    const history = await new DataDirArchive(dataDir).readHistory('d');
    const at = (history?.records[2]?.offset ?? 0) + 12;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(logPath, bytes);
    const damaged = new FileStore(dataDir, { journal: false });
    await expect(damaged.compact('d', { seq: 22 })).rejects.toThrow(/is damaged .*record checksum mismatch.*run tandem verify first/);
    await damaged.close();
    expect(readFileSync(logPath).equals(bytes)).toBe(true);
  });

  it('takes in the records still only in the journal, while appends go on', async () => {
    const dataDir = tempDir();
    // Records stay in the journal: the copy to the logs never runs during the test.
    const store = new FileStore(dataDir, { journalFlushMs: 3_600_000, journalIdleCopyMs: 3_600_000 });
    const doc = new Y.Doc();
    for (let i = 0; i < 20; i += 1) await store.append('d', appendTextUpdate(doc, letter(i)), { author: null });
    const appends: Promise<number>[] = [];
    const compacted = store.compact('d', { seq: 15 });
    for (let i = 20; i < 30; i += 1) appends.push(store.append('d', appendTextUpdate(doc, letter(i)), { author: null }));
    expect(await compacted).toMatchObject({ cut: 15, removed: 15 });
    expect(await Promise.all(appends)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
    expect(textOf((await store.load('d')).state)).toBe(expectedText(30));
    expect((await store.readHistory('d'))?.records.map((r) => r.seq)).toEqual(Array.from({ length: 15 }, (_, i) => 16 + i));
    await store.close();
    expect(readdirSync(join(dataDir, 'journal'))).toEqual([]);
    expect((await verifyDataDir(dataDir, { live: false })).ok).toBe(true);
    for (const seq of [15, 22, 30]) expect(await textAt(dataDir, seq)).toBe(expectedText(seq));
  });

  const steps = [
    { step: 'writing the new log', fails: (call: string, path: string) => call === 'writeAll' && path.endsWith('log.tmp') },
    { step: 'syncing the new log', fails: (call: string, path: string) => call === 'datasync' && path.endsWith('log.tmp') },
    { step: 'removing the checkpoints', fails: (call: string, path: string) => call === 'unlink' && /checkpoint-/.test(path) },
    { step: 'renaming it into place', fails: (call: string, path: string) => call === 'rename' && path.endsWith('log.tmp') },
    { step: 'syncing the directory after the rename', fails: (call: string) => call === 'syncDir' && renamed },
  ];
  let renamed = false;

  for (const { step, fails } of steps) {
    it(`leaves the old document or the new one when ${step} fails`, async () => {
      const dataDir = tempDir();
      await writeDoc(dataDir, 25);
      renamed = false;
      const store = new FileStore(dataDir, { checkpointEvery: 10, journal: false, fs: failingFs(fails, () => (renamed = true)) });
      await expect(store.compact('d', { seq: 18 })).rejects.toThrow(/EIO/);
      // The store goes on working.
      expect(textOf((await store.load('d')).state)).toBe(expectedText(25));
      expect(await store.append('d', appendTextUpdate(docFrom((await store.load('d')).state), 'z'), { author: null })).toBe(26);
      await store.close();

      const history = await new DataDirArchive(dataDir).readHistory('d');
      expect(history?.problems).toEqual([]);
      // Old (from seq 1) or new (from 19): whole either way.
      const first = history?.records[0]?.seq;
      expect(first === 1 || (first === 19 && history?.compacted?.seq === 18), `first record ${first}`).toBe(true);
      for (const seq of [18, 25]) expect(await textAt(dataDir, seq)).toBe(expectedText(seq));
      expect(await textAt(dataDir, 26)).toBe(`${expectedText(25)}z`);
      const report = await verifyDataDir(dataDir, { live: false });
      expect(report.ok, JSON.stringify(report.docs[0]?.errors)).toBe(true);
      // Retried on a working disk, it completes.
      const retry = new FileStore(dataDir, { journal: false });
      expect(await retry.compact('d', { seq: 18 })).toMatchObject({ cut: 18 });
      await retry.close();
      expect((await verifyDataDir(dataDir, { live: false })).ok).toBe(true);
    });
  }

  it('treats a temp file left by a crash as a trace, removed at the next write', async () => {
    const dataDir = tempDir();
    await writeDoc(dataDir, 5);
    const dir = join(dataDir, 'docs', docDirName('d'));
    writeFileSync(join(dir, 'log.tmp'), 'half a log');
    const report = await verifyDataDir(dataDir, { live: false });
    expect(report.ok).toBe(true);
    expect(report.docs[0]?.warnings.map((w) => w.path)).toEqual([join(dir, 'log.tmp')]);
    const store = new FileStore(dataDir, { journal: false });
    expect(textOf((await store.load('d')).state)).toBe(expectedText(5));
    await store.compact('d', { seq: 3 });
    await store.close();
    expect(readdirSync(dir).sort()).toEqual(['log']);
  });

  it('is told apart from lost records by verify', async () => {
    const dataDir = tempDir();
    await writeDoc(dataDir, 6);
    const logPath = join(dataDir, 'docs', docDirName('d'), 'log');
    const history = await new DataDirArchive(dataDir).readHistory('d');
    // The first three records cut out by hand, with no compacted header: that is loss.
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(logPath);
    const headerEnd = history?.records[0]?.offset ?? 0;
    const fourth = history?.records[3]?.offset ?? 0;
    writeFileSync(logPath, Buffer.concat([bytes.subarray(0, headerEnd), bytes.subarray(fourth)]));
    const report = await verifyDataDir(dataDir, { live: false });
    expect(report.ok).toBe(false);
    expect(report.docs[0]?.errors.map((e) => e.message).join()).toMatch(/records 1–3 are missing/);
  });
});

function docFrom(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

/** The real file system, but the first call for which `fails` says so throws EIO. */
function failingFs(fails: (call: string, path: string) => boolean, onRename: () => void): StoreFs {
  let failed = false;
  return interceptedFs(
    (call, path) => {
      if (failed || !fails(call, path)) return;
      failed = true;
      throw Object.assign(new Error(`EIO: i/o error, ${call} '${path}'`), { code: 'EIO' });
    },
    (call, path) => {
      if (call === 'rename' && path.endsWith('log.tmp')) onRename();
    },
  );
}
