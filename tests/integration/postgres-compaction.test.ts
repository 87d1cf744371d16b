/**
 * Compaction in the database: history before the cut is deleted and the state there kept as a
 * checkpoint, in one transaction, while another server keeps appending to the same document;
 * every state from the cut on stays exact, seqs go on, verify tells compaction from loss, a
 * cluster node behind the cut catches up from the state kept there, and a compacted history
 * moves to a data dir and back (`tandem migrate`) as it is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CompactionError } from '../../persistence/compaction.js';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { copyIntoDataDir, copyIntoDatabase } from '../../persistence/postgres/data-move.js';
import { Database } from '../../persistence/postgres/database.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { verifyDatabase } from '../../persistence/postgres/postgres-verify.js';
import { HistoryPointError, resolveHistoryPoint } from '../../persistence/replay.js';
import type { DocArchive } from '../../persistence/archive.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { appendTextUpdate, textAtSeq, textOf } from '../helpers/text-doc.js';

let cluster: PgCluster;
const stores: PostgresStore[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  cluster = await PgCluster.start();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await cluster.destroy();
});

function open(url: string, options: ConstructorParameters<typeof PostgresStore>[1] = {}): PostgresStore {
  const store = new PostgresStore(url, { checkpointEvery: 10, keepCheckpoints: 2, ...options });
  stores.push(store);
  return store;
}

const letter = (i: number): string => String.fromCharCode(97 + (i % 26));
const expectedText = (seq: number): string => Array.from({ length: seq }, (_, i) => letter(i)).join('');

const textAt = (archive: DocArchive, seq: number): Promise<string> => textAtSeq(archive, 'd', seq);

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('compaction in the database', () => {
  it('keeps every state from the cut on while another server appends to the document', async () => {
    const url = await cluster.createDatabase('compact');
    const writer = open(url);
    const compactor = open(url);
    const doc = new Y.Doc();
    for (let i = 0; i < 40; i += 1) await writer.append('d', appendTextUpdate(doc, letter(i)), { author: i % 2 === 0 ? 'ada' : 'bob' });

    // The other server appends throughout; each append goes on from the last seq.
    let appending = true;
    let appended = 40;
    const appends = (async () => {
      for (let i = 40; appending && i < 2000; i += 1) {
        expect(await writer.append('d', appendTextUpdate(doc, letter(i)), { author: 'ada' })).toBe(i + 1);
        appended = i + 1;
      }
    })();
    // Awaited below; observed now so that a failure before leaves no unhandled rejection.
    appends.catch(() => undefined);
    const first = await compactor.compact('d', { seq: 12 });
    expect(first).toMatchObject({ name: 'd', cut: 12, removed: 12 });
    expect(first.bytesAfter).toBeLessThan(first.bytesBefore);
    const second = await compactor.compact('d', { seq: 25 });
    expect(second).toMatchObject({ cut: 25, removed: 13 });
    // A reload by a server that had it open gives the whole current document.
    const reloaded = await writer.load('d');
    expect(textOf(reloaded.state)).toBe(expectedText(reloaded.seq));
    while (appended < 80) await new Promise((resolve) => setTimeout(resolve, 20));
    appending = false;
    await appends;
    await writer.flush();

    const history = await compactor.readHistory('d');
    expect(history?.compacted).toMatchObject({ seq: 25 });
    expect(history?.records[0]).toMatchObject({ seq: 26, author: 'bob' });
    expect(history?.records.at(-1)?.seq).toBe(appended);
    expect(history?.problems).toEqual([]);
    for (const seq of [25, 26, 39, appended]) expect(await textAt(compactor, seq)).toBe(expectedText(seq));
    expect(() => history && resolveHistoryPoint(history, { seq: 24 })).toThrow(/history of "d" before seq 25 was compacted on .*; the earliest point kept is seq 25/);
    expect(() => history && resolveHistoryPoint(history, { timeMs: 0 })).toThrow(HistoryPointError);
    expect(textOf((await open(url).load('d')).state)).toBe(expectedText(appended));

    // Checkpoints kept: the newest two, and the one at the cut (the only way to seqs 25–…).
    await writer.close();
    const seqs = (await query<{ seq: number }>(url, 'SELECT seq::int FROM tandem_checkpoints ORDER BY seq')).map((r) => r.seq);
    expect(seqs[0]).toBe(25);
    expect(seqs.length).toBeLessThanOrEqual(3);
    expect(await query(url, 'SELECT min(seq)::int AS first FROM tandem_records')).toEqual([{ first: 26 }]);

    const db = new Database(url, { logger: { info() {}, warn() {}, error() {} } });
    try {
      const report = await verifyDatabase(db);
      expect(report.ok, JSON.stringify(report)).toBe(true);
      expect(report.docs[0]).toMatchObject({ name: 'd', records: appended - 25, compacted: { seq: 25 } });
    } finally {
      await db.close();
    }
  });

  it('gives a cluster node behind the cut the state kept there, then the records after it', async () => {
    const url = await cluster.createDatabase('compact');
    const store = open(url);
    const doc = new Y.Doc();
    for (let i = 0; i < 12; i += 1) await store.append('d', appendTextUpdate(doc, letter(i)), { author: null });
    await store.compact('d', { seq: 8 });
    const behind = await store.recordsAfter('d', 3, 100);
    expect(behind.map((r) => [r.seq, r.base ?? false])).toEqual([[8, true], [9, false], [10, false], [11, false], [12, false]]);
    const rebuilt = new Y.Doc();
    for (const record of behind) Y.applyUpdate(rebuilt, record.update);
    expect(rebuilt.getText('t').toString()).toBe(expectedText(12));
    // A reader past the cut gets records only, as before.
    expect((await store.recordsAfter('d', 8, 100)).map((r) => [r.seq, r.base ?? false])).toEqual([[9, false], [10, false], [11, false], [12, false]]);
    expect((await store.recordsAfter('d', 9, 2)).map((r) => r.seq)).toEqual([10, 11]);
  });

  it('cuts at a time, refuses a point past the end, an unknown document and a damaged history', async () => {
    const url = await cluster.createDatabase('compact');
    // No checkpoint past the damage made below: verify would report it too.
    const store = open(url, { checkpointEvery: 1000 });
    const doc = new Y.Doc();
    for (let i = 0; i < 6; i += 1) await store.append('d', appendTextUpdate(doc, letter(i)), { author: null });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const between = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    for (let i = 6; i < 10; i += 1) await store.append('d', appendTextUpdate(doc, letter(i)), { author: null });

    await expect(store.compact('d', { seq: 11 })).rejects.toThrow('document "d" has 10 records; there is no record 11');
    await expect(store.compact('nobody', { seq: 1 })).rejects.toBeInstanceOf(CompactionError);
    expect(await store.compact('d', { timeMs: between })).toMatchObject({ cut: 6, removed: 6 });
    expect(await store.compact('d', { seq: 3 })).toMatchObject({ cut: 6, removed: 0 });
    expect(await textAt(store, 6)).toBe('abcdef');

    await query(url, 'DELETE FROM tandem_records WHERE seq = 8');
    await expect(store.compact('d', { seq: 9 })).rejects.toThrow(/"d" is damaged .* compacting would hide what was lost/);
    expect((await store.readHistory('d'))?.compacted?.seq).toBe(6);
    const db = new Database(url, { logger: { info() {}, warn() {}, error() {} } });
    try {
      const report = await verifyDatabase(db);
      expect(report.ok).toBe(false);
      // The compacted records are not reported; the lost one is.
      expect(report.docs[0]?.errors.map((e) => e.message)).toEqual(['records 8–8 are missing']);
    } finally {
      await db.close();
    }
  });

  it('moves a compacted history to a data dir and back into another database as it is', async () => {
    const url = await cluster.createDatabase('compact');
    const store = open(url);
    const doc = new Y.Doc();
    for (let i = 0; i < 30; i += 1) await store.append('d', appendTextUpdate(doc, letter(i)), { author: 'ada' });
    await store.append('other', appendTextUpdate(new Y.Doc(), 'x'), { author: null });
    await store.compact('d', { seq: 17 });

    const quiet = { info() {}, warn() {}, error() {} };
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-pg-compact-'));
    dirs.push(dataDir);
    const source = new Database(url, { logger: quiet });
    const files = new FileStore(dataDir, { journal: false });
    try {
      expect(await copyIntoDataDir(source, files)).toEqual({ docs: 2, records: 14, problems: [] });
      // Run again: nothing left to copy, and nothing refused.
      expect(await copyIntoDataDir(source, files)).toEqual({ docs: 2, records: 0, problems: [] });
      expect(textOf((await files.load('d')).state)).toBe(expectedText(30));
      expect(await files.append('d', appendTextUpdate(doc, '!'), { author: null })).toBe(31);
    } finally {
      await files.close();
      await source.close();
    }
    const report = await verifyDataDir(dataDir, { live: false });
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(report.docs.find((d) => d.name === 'd')).toMatchObject({ records: 14, compacted: { seq: 17 } });

    const back = new Database(await cluster.createDatabase('back'), { logger: quiet });
    const target = new PostgresStore(back.url);
    stores.push(target);
    await target.ready();
    try {
      expect(await copyIntoDatabase(new DataDirArchive(dataDir), back)).toEqual({ docs: 2, records: 15, problems: [] });
      const history = await target.readHistory('d');
      expect(history?.compacted).toMatchObject({ seq: 17 });
      expect(await textAt(target, 17)).toBe(expectedText(17));
      expect(textOf((await target.load('d')).state)).toBe(`${expectedText(30)}!`);
      expect((await verifyDatabase(back)).ok).toBe(true);
    } finally {
      await back.close();
    }
  });
});
