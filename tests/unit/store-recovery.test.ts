/**
 * The file store against damaged files: torn tails, flipped bytes, damaged and unbacked
 * checkpoints, half-created logs. Each time: a clear report (path and offset), the valid
 * prefix kept, the document served, and the log parseable again after the next write.
 */
import { readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { RECOVERY_AUTHOR } from '../../persistence/author.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { captureLogger } from '../helpers/store-logger.js';
import { textOf } from '../helpers/text-doc.js';
import { useTempDataDirs } from '../helpers/temp-data-dirs.js';

const { tempDir } = useTempDataDirs('recovery');

/** Appends `count` one-letter inserts ("a", "b", …) and closes the store. */
async function writeDoc(dataDir: string, name: string, count: number, checkpointEvery = 1_000_000): Promise<string> {
  // Without the journal, so checkpoints are taken at predictable points.
  const store = new FileStore(dataDir, { checkpointEvery, journal: false });
  const doc = new Y.Doc();
  let expected = '';
  for (let i = 0; i < count; i += 1) {
    const letter = String.fromCharCode(97 + (i % 26));
    const before = Y.encodeStateVector(doc);
    doc.getText('t').insert(doc.getText('t').length, letter);
    expected += letter;
    await store.append(name, Y.encodeStateAsUpdate(doc, before), { author: `user${i % 2}` });
  }
  await store.close();
  return expected;
}

const docDir = (dataDir: string, name: string): string => join(dataDir, 'docs', docDirName(name));

function checkpointSeqs(dataDir: string, name: string): number[] {
  return readdirSync(docDir(dataDir, name))
    .filter((f) => /^checkpoint-\d{12}$/.test(f))
    .map((f) => Number(f.slice('checkpoint-'.length)))
    .sort((a, b) => a - b);
}

/** Offsets of each record in a log (header, then length-prefixed frames). */
function recordOffsets(logPath: string): number[] {
  const buf = readFileSync(logPath);
  let at = 12 + buf.readUInt16BE(10) + 4;
  const offsets: number[] = [];
  while (at < buf.length) {
    offsets.push(at);
    at += 8 + buf.readUInt32BE(at);
  }
  return offsets;
}

describe('file store recovery', () => {
  it('reopens with every record, and loads from checkpoints', async () => {
    const dataDir = tempDir();
    const expected = await writeDoc(dataDir, 'doc', 55, 10);
    // Checkpoints are written in the background, so their exact seqs depend on timing.
    const checkpoints = checkpointSeqs(dataDir, 'doc');
    expect(checkpoints).toHaveLength(3);
    expect(checkpoints[2]).toBeGreaterThanOrEqual(40);
    const store = new FileStore(dataDir);
    const loaded = await store.load('doc');
    expect(loaded.seq).toBe(55);
    expect(textOf(loaded.state)).toBe(expected);
    expect(await store.append('doc', Y.encodeStateAsUpdate(new Y.Doc()), { author: null })).toBe(56);
    await store.close();
  });

  it('keeps the valid prefix of a torn log, reports where, and appends after it', async () => {
    const dataDir = tempDir();
    const expected = await writeDoc(dataDir, 'torn', 10);
    const logPath = join(docDir(dataDir, 'torn'), 'log');
    const lastOffset = recordOffsets(logPath).at(-1) ?? 0;
    truncateSync(logPath, statSync(logPath).size - 3);

    const logger = captureLogger();
    const store = new FileStore(dataDir, { logger });
    const loaded = await store.load('torn');
    expect(loaded.seq).toBe(9);
    expect(textOf(loaded.state)).toBe(expected.slice(0, 9));
    expect(logger.lines.join('\n')).toContain(`${logPath} at byte ${lastOffset}: record cut short`);

    const more = new Y.Doc();
    more.getText('u').insert(0, 'after');
    expect(await store.append('torn', Y.encodeStateAsUpdate(more), { author: null })).toBe(10);
    await store.close();

    const again = captureLogger();
    const reopened = new FileStore(dataDir, { logger: again });
    const history = await reopened.readHistory('torn');
    expect(history?.problems).toEqual([]);
    expect(history?.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(again.lines).toEqual([]);
    await reopened.close();
  });

  it('moves flipped bytes aside, keeps the records before them and serves the document', async () => {
    const dataDir = tempDir();
    const expected = await writeDoc(dataDir, 'flip', 20);
    const logPath = join(docDir(dataDir, 'flip'), 'log');
    const offsets = recordOffsets(logPath);
    const bad = offsets[12] ?? 0;
    const bytes = readFileSync(logPath);
    bytes[bad + 20] = (bytes[bad + 20] ?? 0) ^ 0xff;
    writeFileSync(logPath, bytes);

    const logger = captureLogger();
    const store = new FileStore(dataDir, { logger });
    const loaded = await store.load('flip');
    expect(loaded.seq).toBe(12);
    expect(textOf(loaded.state)).toBe(expected.slice(0, 12));
    expect(logger.lines.join('\n')).toContain(`${logPath} at byte ${bad}: record checksum mismatch`);
    await store.append('flip', Y.encodeStateAsUpdate(new Y.Doc()), { author: null });
    await store.close();

    const aside = readdirSync(docDir(dataDir, 'flip')).filter((f) => f.startsWith('log.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(docDir(dataDir, 'flip'), aside[0] ?? '')).length).toBe(bytes.length - bad);
    // Cut at the damage, then one new record: 8 bytes of frame head, 14 of fixed body, a 2-byte update.
    expect(statSync(logPath).size).toBe(bad + 24);
    const reopened = new FileStore(dataDir);
    expect((await reopened.readHistory('flip'))?.problems).toEqual([]);
    await reopened.close();
  });

  it('falls back to an older checkpoint when the newest is damaged', async () => {
    const dataDir = tempDir();
    const expected = await writeDoc(dataDir, 'cp', 35, 10);
    const seqs = checkpointSeqs(dataDir, 'cp');
    expect(seqs.length).toBeGreaterThanOrEqual(2);
    const newest = join(docDir(dataDir, 'cp'), `checkpoint-${String(seqs.at(-1)).padStart(12, '0')}`);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0x55;
    writeFileSync(newest, bytes);

    const logger = captureLogger();
    const store = new FileStore(dataDir, { logger });
    const loaded = await store.load('cp');
    expect(loaded.seq).toBe(35);
    expect(textOf(loaded.state)).toBe(expected);
    expect(logger.lines.join('\n')).toContain(`${newest}: checkpoint checksum mismatch; falling back`);
    await store.close();
  });

  it('merges back what a checkpoint holds when the log lost the records it was made from', async () => {
    const dataDir = tempDir();
    const expected = await writeDoc(dataDir, 'orphan', 25, 20);
    const [held = 0] = checkpointSeqs(dataDir, 'orphan');
    expect(held).toBeGreaterThanOrEqual(20);
    // As if an old copy of the log came back from a backup: only records 1–5.
    const logPath = join(docDir(dataDir, 'orphan'), 'log');
    truncateSync(logPath, recordOffsets(logPath)[5] ?? 0);

    const logger = captureLogger();
    const store = new FileStore(dataDir, { logger });
    const loaded = await store.load('orphan');
    // Records 1–5 from the log, and everything the checkpoint holds: only records after it are lost.
    expect(textOf(loaded.state)).toBe(expected.slice(0, held));
    expect(loaded.seq).toBe(6);
    expect(logger.lines.join('\n')).toContain(`is not backed by the log; its content will be merged back`);
    await store.close();

    const reopened = new FileStore(dataDir);
    const history = await reopened.readHistory('orphan');
    expect(history?.records.at(-1)?.author).toBe(RECOVERY_AUTHOR);
    expect(textOf((await reopened.load('orphan')).state)).toBe(expected.slice(0, held));
    expect(readdirSync(docDir(dataDir, 'orphan')).filter((f) => f.startsWith('orphan-') || f.startsWith('checkpoint-'))).toEqual([]);
    await reopened.close();
  });

  it('serves a document from its checkpoint past damage before it; history reads past the damage', async () => {
    const dataDir = tempDir();
    const expected = await writeDoc(dataDir, 'mid', 30, 20);
    const logPath = join(docDir(dataDir, 'mid'), 'log');
    const bad = recordOffsets(logPath)[5] ?? 0;
    const bytes = readFileSync(logPath);
    bytes[bad + 9] = (bytes[bad + 9] ?? 0) ^ 0x01;
    writeFileSync(logPath, bytes);

    const store = new FileStore(dataDir);
    expect(textOf((await store.load('mid')).state)).toBe(expected);
    const history = await store.readHistory('mid');
    expect(history?.problems).toEqual([{ path: logPath, offset: bad, message: expect.stringContaining('record checksum mismatch') }]);
    expect(history?.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, ...Array.from({ length: 24 }, (_, i) => i + 7)]);
    expect(history?.checkpoints.length).toBeGreaterThan(0);
    await store.close();
  });

  it('treats a log cut short inside its header as never created', async () => {
    const dataDir = tempDir();
    await writeDoc(dataDir, 'half', 3);
    const logPath = join(docDir(dataDir, 'half'), 'log');
    truncateSync(logPath, 5);
    const store = new FileStore(dataDir);
    expect((await store.load('half')).seq).toBe(0);
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'new');
    expect(await store.append('half', Y.encodeStateAsUpdate(doc), { author: null })).toBe(1);
    await store.close();
    const reopened = new FileStore(dataDir);
    expect(textOf((await reopened.load('half')).state)).toBe('new');
    await reopened.close();
  });

  it('refuses a log whose header is damaged, naming the file', async () => {
    const dataDir = tempDir();
    await writeDoc(dataDir, 'hdr', 3);
    const logPath = join(docDir(dataDir, 'hdr'), 'log');
    const bytes = readFileSync(logPath);
    bytes[13] = (bytes[13] ?? 0) ^ 0xff;
    writeFileSync(logPath, bytes);
    const store = new FileStore(dataDir);
    await expect(store.load('hdr')).rejects.toThrow(`${logPath} at byte 0: log header checksum mismatch`);
    await store.close();
  });
});
