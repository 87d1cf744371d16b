/**
 * A server's archive keeps the logs it read (persistence/file/kept-scans.ts) and scans only
 * what was appended since: what it reads is always what a fresh reader reads — after appends,
 * after a compaction rewrote the log, after the document was deleted and made again under the
 * same name, and for a damaged log (never kept: the damage is reported every time).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocHistory } from '../../persistence/archive.js';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { nodeFs, type StoreFs } from '../../persistence/file/store-fs.js';
import { appendTextUpdate } from '../helpers/text-doc.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-kept-scans-'));
  dirs.push(dir);
  return dir;
}

/** What a history says, without the functions of its checkpoints. */
function facts(history: DocHistory | null): unknown {
  if (!history) return null;
  return { ...history, records: history.records.map((r) => ({ ...r, update: [...r.update] })), checkpoints: history.checkpoints.map((c) => [c.seq, c.path]) };
}

/** The node file system, counting the bytes read from logs. */
function countingFs(): { fs: StoreFs; read: () => number } {
  let read = 0;
  const fs: StoreFs = {
    ...nodeFs,
    open: async (path, flags) => {
      const isLog = path.endsWith('/log');
      const handle = await nodeFs.open(path, flags);
      return {
        ...handle,
        writeAll: (data, position) => handle.writeAll(data, position),
        writeAllSync: (data, position) => handle.writeAllSync(data, position),
        read: async (length, position) => {
          const bytes = await handle.read(length, position);
          if (isLog) read += bytes.length;
          return bytes;
        },
        datasync: () => handle.datasync(),
        truncate: (length) => handle.truncate(length),
        size: () => handle.size(),
        close: () => handle.close(),
      };
    },
  };
  return { fs, read: () => read };
}

async function append(store: FileStore, doc: Y.Doc, texts: string[], author = 'ada'): Promise<void> {
  for (const text of texts) await store.append('d', appendTextUpdate(doc, text), { author });
}

describe('kept scans', () => {
  it('read what a fresh reader reads: after appends, a compaction, and the document made again', async () => {
    const dataDir = tempDir();
    const counting = countingFs();
    const kept = new DataDirArchive(dataDir, counting.fs, undefined, { keptScans: 2 });
    const fresh = (): DataDirArchive => new DataDirArchive(dataDir);
    const same = async (): Promise<void> => expect(facts(await kept.readHistory('d'))).toEqual(facts(await fresh().readHistory('d')));

    expect(await kept.readHistory('d')).toBeNull();
    // No checkpoint is written meanwhile, so both readers read the same files.
    let store = new FileStore(dataDir, { checkpointEvery: 1_000_000, journal: false });
    const doc = new Y.Doc();
    await append(store, doc, ['a', 'b', 'c']);
    await same();
    await same();
    await append(store, doc, ['d', 'e', 'f', 'g'], 'bob');
    await same();
    expect((await kept.readHistory('d'))?.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Read again with little new: the log's old frames are not read again, only compared at a few places.
    await append(store, doc, Array.from({ length: 300 }, (_, i) => String(i % 10)));
    await same();
    await append(store, doc, ['!']);
    const before = counting.read();
    await same();
    const logBytes = readFileSync(join(dataDir, 'docs', docDirName('d'), 'log')).length;
    expect(counting.read() - before).toBeLessThan(logBytes / 2);

    await store.compact('d', { seq: 4 });
    await same();
    expect((await kept.readHistory('d'))?.compacted?.seq).toBe(4);
    expect((await kept.readHistory('d'))?.records[0]?.seq).toBe(5);
    await append(store, doc, ['h']);
    await same();
    await store.close();

    // Deleted and made again: another log of the same name, as long as the old one and longer.
    const other = tempDir();
    store = new FileStore(other, { journal: false });
    const again = new Y.Doc();
    await append(store, again, ['x', 'y', 'z', 'w', 'v', 'u', 't', 's', 'r'], 'carol');
    await store.close();
    const log = (dir: string): string => join(dir, 'docs', docDirName('d'), 'log');
    copyFileSync(log(other), log(dataDir));
    await same();
    expect((await kept.readHistory('d'))?.records.map((r) => r.author)).toEqual(Array(9).fill('carol'));
  });

  it('read a damaged log whole every time, reporting the damage', async () => {
    const dataDir = tempDir();
    const store = new FileStore(dataDir, { journal: false });
    const doc = new Y.Doc();
    await append(store, doc, ['a', 'b', 'c', 'd']);
    await store.close();
    const path = join(dataDir, 'docs', docDirName('d'), 'log');
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const kept = new DataDirArchive(dataDir, undefined, undefined, { keptScans: 2 });
    for (let i = 0; i < 2; i++) {
      const history = await kept.readHistory('d');
      expect(history?.problems.map((p) => p.message).join()).toMatch(/checksum/);
      expect(facts(history)).toEqual(facts(await new DataDirArchive(dataDir).readHistory('d')));
    }
  });
});
