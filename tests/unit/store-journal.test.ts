/**
 * The shared journal: records are durable there before their documents' logs hold them, so a
 * crash between the two loses nothing; the next start copies them over, quietly dropping a
 * torn final write and reporting damaged bytes (kept aside). Readers beside the server see
 * journal-only records, and copied segments are deleted.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { readJournal } from '../../persistence/file/journal.js';
import { nodeFs } from '../../persistence/file/store-fs.js';
import { captureLogger } from '../helpers/store-logger.js';
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { useTempDataDirs } from '../helpers/temp-data-dirs.js';

const { tempDir, stores } = useTempDataDirs('journal');

/** A store that never copies on its own and is never closed: a server about to crash. */
async function crashingStore(dataDir: string, texts: Record<string, string>): Promise<void> {
  const store = new FileStore(dataDir, { journalFlushMs: 3_600_000, journalIdleCopyMs: 3_600_000 });
  stores.push(store);
  const docs = new Map<string, Y.Doc>();
  const longest = Math.max(...Object.values(texts).map((t) => t.length));
  for (let i = 0; i < longest; i += 1) {
    for (const [name, text] of Object.entries(texts)) {
      const char = text[i];
      if (char === undefined) continue;
      const doc = docs.get(name) ?? new Y.Doc();
      docs.set(name, doc);
      await store.append(name, appendTextUpdate(doc, char), { author: `author-of-${name}` });
    }
  }
  // Let the next segment's creation finish, as it would have on a running server.
  await sleep(50);
}

const logOnly = (dataDir: string): DataDirArchive => new DataDirArchive(dataDir, undefined, undefined, { journal: false });
const segmentsOf = (dataDir: string): string[] => readdirSync(join(dataDir, 'journal')).filter((f) => f.endsWith('.wal')).sort();
/**
 * Records in the journal of a store that is running: a segment it deletes between the listing
 * and the read counts as not read yet (-1), so the caller asks again.
 */
async function journalEntriesWhileOpen(dataDir: string): Promise<number> {
  try {
    return (await readJournal(nodeFs, join(dataDir, 'journal'))).entries.length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw error;
  }
}

describe('the journal', () => {
  it('holds acknowledged records until copied: a crash before the copy loses nothing', async () => {
    const dataDir = tempDir();
    await crashingStore(dataDir, { one: 'hello', two: 'journal', three: 'x' });
    // The logs do not hold them yet; only the journal does.
    expect(await logOnly(dataDir).readHistory('one')).toBeNull();
    expect((await readJournal(nodeFs, join(dataDir, 'journal'))).entries).toHaveLength(13);

    const logger = captureLogger();
    const restarted = new FileStore(dataDir, { logger });
    stores.push(restarted);
    await restarted.ready();
    expect(logger.lines.join('\n')).toMatch(/copied journal records into the document logs.*"records":13,"docs":3/);
    for (const [name, text] of [['one', 'hello'], ['two', 'journal'], ['three', 'x']] as const) {
      const loaded = await restarted.load(name);
      expect(textOf(loaded.state)).toBe(text);
      expect(loaded.seq).toBe(text.length);
      const history = await logOnly(dataDir).readHistory(name);
      expect(history?.records.map((r) => r.seq)).toEqual([...text].map((_, i) => i + 1));
      expect(history?.records.every((r) => r.offset > 0 && r.author === `author-of-${name}`)).toBe(true);
    }
    expect(await restarted.append('one', appendTextUpdate(new Y.Doc(), '!'), { author: null })).toBe(6);
    // The old segments are gone: only the new one (and the one prepared after it) remain.
    expect(segmentsOf(dataDir).every((f) => Number(f.slice(0, 12)) > 2)).toBe(true);
  });

  it('drops a torn final write quietly, and keeps damaged bytes aside with their path and offset', async () => {
    const dataDir = tempDir();
    await crashingStore(dataDir, { doc: 'abcdef' });
    const segment = join(dataDir, 'journal', segmentsOf(dataDir)[0] ?? '');
    const bytes = readFileSync(segment);
    // Entries are length-prefixed (journal-format.ts), then the segment's preallocated zeros.
    const offsets: number[] = [];
    for (let at = 20; bytes.readUInt32BE(at) !== 0; at += 8 + bytes.readUInt32BE(at)) offsets.push(at);
    expect(offsets).toHaveLength(6);
    const lastEnd = (offsets[5] ?? 0) + 8 + bytes.readUInt32BE(offsets[5] ?? 0);

    // Torn: the last write was cut short (its end never reached the disk), so it was never
    // acknowledged to anyone.
    bytes.fill(0, lastEnd - 3, lastEnd);
    writeFileSync(segment, bytes);
    const quiet = captureLogger();
    const first = new FileStore(dataDir, { logger: quiet });
    stores.push(first);
    expect(textOf((await first.load('doc')).state)).toBe('abcde');
    expect(quiet.lines.filter((l) => /store recovery: .*journal/.test(l) && !/copied/.test(l))).toEqual([]);
    await first.close();

    // Damage: a flipped byte in the third of four entries.
    const dataDir2 = tempDir();
    await crashingStore(dataDir2, { doc: 'wxyz' });
    const segment2 = join(dataDir2, 'journal', segmentsOf(dataDir2)[0] ?? '');
    const damaged = readFileSync(segment2);
    // Entries are length-prefixed (journal-format.ts): step over the first two.
    const second = 20 + 8 + damaged.readUInt32BE(20);
    const third = second + 8 + damaged.readUInt32BE(second);
    damaged[third + 12] = (damaged[third + 12] ?? 0) ^ 0xff;
    writeFileSync(segment2, damaged);
    const loud = captureLogger();
    const reopened = new FileStore(dataDir2, { logger: loud });
    stores.push(reopened);
    expect(textOf((await reopened.load('doc')).state)).toBe('wx');
    expect(loud.lines.join('\n')).toContain(`${segment2} at byte ${third}: entry checksum mismatch`);
    expect(readdirSync(join(dataDir2, 'journal')).some((f) => f.startsWith('000000000001.wal.corrupt-'))).toBe(true);
  });

  it('takes a segment whose creation a crash interrupted (zeros, no header yet) for an empty one', async () => {
    const dataDir = tempDir();
    await crashingStore(dataDir, { doc: 'abc' });
    // Segments are filled with zeros before their header is written: a crash in between.
    const half = join(dataDir, 'journal', '000000000099.wal');
    writeFileSync(half, Buffer.alloc(64 * 1024));
    const logger = captureLogger();
    const restarted = new FileStore(dataDir, { logger });
    stores.push(restarted);
    expect(textOf((await restarted.load('doc')).state)).toBe('abc');
    expect(logger.lines.filter((l) => /store recovery: .*journal/.test(l) && !/copied/.test(l))).toEqual([]);
    expect(existsSync(half)).toBe(false);
    expect(readdirSync(join(dataDir, 'journal')).some((f) => f.includes('.corrupt-'))).toBe(false);
  });

  it('lets readers beside the server see records only in the journal, new documents too', async () => {
    const dataDir = tempDir();
    await crashingStore(dataDir, { fresh: 'new!', other: 'ab' });
    const archive = new DataDirArchive(dataDir);
    const listed = await archive.listDocs();
    expect(listed.map((d) => [d.name, d.records]).sort()).toEqual([['fresh', 4], ['other', 2]]);
    const history = await archive.readHistory('fresh');
    expect(history?.records.map((r) => [r.seq, r.offset])).toEqual([[1, -1], [2, -1], [3, -1], [4, -1]]);
    expect(history?.problems).toEqual([]);
  });

  it('copies records into the logs in the background and deletes copied segments', async () => {
    const dataDir = tempDir();
    const store = new FileStore(dataDir, { journalFlushMs: 20, checkpointEvery: 5 });
    stores.push(store);
    const doc = new Y.Doc();
    for (const char of 'background copy') await store.append('bg', appendTextUpdate(doc, char), { author: null });
    await waitFor(() => store.stats().copies > 0, 'a copy', 20_000);
    // A segment is deleted once sealed, which waits for the next one to exist: a pass or two.
    // Every segment left then holds no records: the copied ones were deleted.
    await expect.poll(() => journalEntriesWhileOpen(dataDir)).toBe(0);
    const history = await logOnly(dataDir).readHistory('bg');
    expect(history?.records).toHaveLength('background copy'.length);
    // Checkpoints follow the copies.
    expect(readdirSync(join(dataDir, 'docs', docDirName('bg'))).some((f) => f.startsWith('checkpoint-'))).toBe(true);
    await store.close();
    expect(existsSync(join(dataDir, 'journal'))).toBe(true);
    expect(segmentsOf(dataDir)).toEqual([]);
  });
  it('copies once commits pause, long before the longest interval between passes', async () => {
    const dataDir = tempDir();
    // A pass is due after an hour, or once no commit has been made for 50 ms.
    const store = new FileStore(dataDir, { journalFlushMs: 3_600_000, journalIdleCopyMs: 50 });
    stores.push(store);
    const doc = new Y.Doc();
    for (const char of 'a pause') await store.append('quiet', appendTextUpdate(doc, char), { author: null });
    // (A slow machine may pause between appends too: a pass then copies part, and a later one the rest.)
    await expect.poll(async () => (await logOnly(dataDir).readHistory('quiet'))?.records.length, { timeout: 20_000 }).toBe('a pause'.length);
  });
});
