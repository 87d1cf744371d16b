/**
 * Write failures (disk full, I/O errors) never drop records: they stay queued, are retried
 * with backoff, `health()` says why, and once the disk works again every record lands once.
 * With the journal, a failure to copy records into a document's log (the journal already holds
 * them) leaves appends working, is reported, and is retried the same way.
 * Tests run as root, so failures are injected through the store's file system seam.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { FileStore, type StoreLogger } from '../../persistence/file/file-store.js';
import { nodeFs, type StoreFs } from '../../persistence/file/store-fs.js';
import { fsWithHandles } from '../helpers/wrapped-fs.js';
import { StoreNotDurableError } from '../../persistence/store.js';
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { waitFor } from '../helpers/wait.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Faults {
  write: boolean;
  datasync: boolean;
  mkdir: boolean;
  /** Write attempts made, failed or not. */
  writes?: number;
}

function faultyFs(faults: Faults): StoreFs {
  const fail = (what: string): Error => Object.assign(new Error(`ENOSPC: no space left on device, ${what}`), { code: 'ENOSPC' });
  const mkdir = async (path: string): Promise<void> => {
    if (faults.mkdir) throw fail('mkdir');
    return nodeFs.mkdir(path);
  };
  return fsWithHandles(
    (handle) => ({
      async writeAll(data, position) {
        faults.writes = (faults.writes ?? 0) + 1;
        // Half the bytes reach the file before the failure, as a full disk would leave them.
        if (faults.write) {
          await handle.writeAll(data.subarray(0, Math.floor(data.byteLength / 2)), position);
          throw fail('write');
        }
        return handle.writeAll(data, position);
      },
      writeAllSync(data, position) {
        faults.writes = (faults.writes ?? 0) + 1;
        if (faults.write) {
          handle.writeAllSync(data.subarray(0, Math.floor(data.byteLength / 2)), position);
          throw fail('write');
        }
        handle.writeAllSync(data, position);
      },
      async datasync() {
        if (faults.datasync) throw fail('fdatasync');
        return handle.datasync();
      },
    }),
    { mkdir },
  );
}

/** A fresh data dir, no faults yet, and a logger keeping the error lines. */
function setup(): { dataDir: string; faults: Faults; errors: string[]; logger: StoreLogger } {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-failure-'));
  dirs.push(dataDir);
  const errors: string[] = [];
  const logger: StoreLogger = { info() {}, warn() {}, error: (obj, msg) => void errors.push(`${msg} ${JSON.stringify(obj)}`) };
  return { dataDir, faults: { write: false, datasync: false, mkdir: false }, errors, logger };
}

const settled = <T>(promise: Promise<T>): { done: boolean } => {
  const state = { done: false };
  void promise.then(() => (state.done = true));
  return state;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('file store write failures', () => {
  for (const kind of ['write', 'datasync', 'mkdir'] as const) {
    it(`keeps records through failing ${kind} calls, reports unhealthy, and recovers (per-document logs)`, async () => {
      const { dataDir, faults, errors, logger } = setup();
      const store = new FileStore(dataDir, { fs: faultyFs(faults), logger, retryMinMs: 5, retryMaxMs: 20, journal: false });
      const doc = new Y.Doc();
      // mkdir only fails for a document whose directory does not exist yet.
      if (kind !== 'mkdir') expect(await store.append('d', appendTextUpdate(doc, 'a'), { author: null })).toBe(1);

      faults[kind] = true;
      const appends = ['b', 'c', 'd'].map((t) => store.append('d', appendTextUpdate(doc, t), { author: 'u' }));
      const watch = appends.map(settled);
      // Several attempts have failed (each retried after a backoff), and none resolved meanwhile.
      await waitFor(() => errors.length > 2, 'several failed write attempts');
      expect(watch.some((w) => w.done)).toBe(false);
      const health = store.health();
      expect(health.ok).toBe(false);
      expect(health.reason).toContain('ENOSPC');
      expect(health.reason).toContain('records kept in memory');
      expect(errors[0]).toContain('store write failed');
      const load = store.load('d');
      const loadWatch = settled(load);
      await sleep(30);
      expect(loadWatch.done).toBe(false);

      faults[kind] = false;
      expect(await Promise.all(appends)).toEqual(kind === 'mkdir' ? [1, 2, 3] : [2, 3, 4]);
      expect(store.health()).toEqual({ ok: true });
      expect(textOf((await load).state)).toBe(kind === 'mkdir' ? 'bcd' : 'abcd');
      await store.close();

      const reopened = new FileStore(dataDir);
      const history = await reopened.readHistory('d');
      expect(history?.problems).toEqual([]);
      expect(history?.records.map((r) => r.seq)).toEqual(kind === 'mkdir' ? [1, 2, 3] : [1, 2, 3, 4]);
      expect(textOf((await reopened.load('d')).state)).toBe(kind === 'mkdir' ? 'bcd' : 'abcd');
      await reopened.close();
    });
  }

  it('keeps records through failing journal writes: appends wait, health says why, nothing is lost', async () => {
    const { dataDir, faults, errors, logger } = setup();
    const store = new FileStore(dataDir, { fs: faultyFs(faults), logger, retryMinMs: 5, retryMaxMs: 20 });
    const doc = new Y.Doc();
    expect(await store.append('d', appendTextUpdate(doc, 'a'), { author: null })).toBe(1);
    faults.write = true;
    const appends = ['b', 'c', 'd'].map((t) => store.append('d', appendTextUpdate(doc, t), { author: 'u' }));
    const watch = appends.map(settled);
    await waitFor(() => errors.length > 2, 'several failed journal writes');
    expect(watch.some((w) => w.done)).toBe(false);
    expect(store.health().ok).toBe(false);
    expect(store.health().reason).toMatch(/cannot write the journal in .*journal: ENOSPC.*3 records kept in memory/);
    expect(errors[0]).toContain('store write failed');
    faults.write = false;
    expect(await Promise.all(appends)).toEqual([2, 3, 4]);
    expect(store.health()).toEqual({ ok: true });
    await store.close();
    const reopened = new FileStore(dataDir);
    expect((await reopened.readHistory('d'))?.records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(textOf((await reopened.load('d')).state)).toBe('abcd');
    await reopened.close();
  });

  for (const kind of ['datasync', 'mkdir'] as const) {
    it(`keeps records in the journal while copying them to the log fails (${kind}), and copies them later`, async () => {
      const { dataDir, faults, errors, logger } = setup();
      const store = new FileStore(dataDir, { fs: faultyFs(faults), logger, journalFlushMs: 10 });
      await store.ready();
      faults[kind] = true;
      const doc = new Y.Doc();
      // Durable in the journal: the appends resolve although no log can be written.
      const appended = [];
      for (const t of ['a', 'b', 'c']) appended.push(await store.append('d', appendTextUpdate(doc, t), { author: null }));
      expect(appended).toEqual([1, 2, 3]);
      await waitFor(() => !store.health().ok, 'the failed copy to show in health');
      expect(store.health().reason).toMatch(/ENOSPC.*3 records kept in the journal/);
      expect(errors[0]).toContain('copying journal records into the log failed');
      expect(textOf((await store.load('d')).state)).toBe('abc');
      // A reader beside the server sees them too, from the journal.
      expect((await new DataDirArchive(dataDir).readHistory('d'))?.records.map((r) => r.seq)).toEqual([1, 2, 3]);

      faults[kind] = false;
      await waitFor(() => store.health().ok, 'the copy to succeed once the disk works');
      await store.close();
      expect(readdirSync(join(dataDir, 'journal'))).toEqual([]);
      const reopened = new FileStore(dataDir);
      const history = await reopened.readHistory('d');
      expect(history?.problems).toEqual([]);
      expect(history?.records.map((r) => [r.seq, r.offset > 0])).toEqual([[1, true], [2, true], [3, true]]);
      await reopened.close();
    });
  }

  it('closes by a deadline when writes keep failing: names what is not durable, then stops retrying', async () => {
    const { dataDir, faults, logger } = setup();
    const store = new FileStore(dataDir, { fs: faultyFs(faults), logger, retryMinMs: 5, retryMaxMs: 20 });
    const doc = new Y.Doc();
    expect(await store.append('d', appendTextUpdate(doc, 'a'), { author: null })).toBe(1);
    faults.write = true;
    for (const t of ['b', 'c', 'd']) void store.append('d', appendTextUpdate(doc, t), { author: null });
    void store.append('e', appendTextUpdate(new Y.Doc(), 'x'), { author: null });
    await waitFor(() => store.pendingWrites().length === 2, 'both documents to have queued records');
    expect(store.pendingWrites()).toEqual([{ doc: 'd', records: 3 }, { doc: 'e', records: 1 }]);

    const closing = store.close(AbortSignal.timeout(300));
    await expect(closing).rejects.toBeInstanceOf(StoreNotDurableError);
    await expect(closing).rejects.toThrow('4 records of 2 documents are not durable: "d" (3 records), "e" (1 record)');
    expect(await closing.catch((error: StoreNotDurableError) => error.pending)).toEqual([{ doc: 'd', records: 3 }, { doc: 'e', records: 1 }]);
    // Given up: no write is retried any more.
    const attempts = faults.writes;
    await sleep(150);
    expect(faults.writes).toBe(attempts);

    // What was durable before is all there (plus any entry the half-done writes left whole).
    faults.write = false;
    const reopened = new FileStore(dataDir);
    expect(textOf((await reopened.load('d')).state)).toMatch(/^a/);
    await reopened.close();
  });

  it('closes by a deadline without complaint when everything is durable in the journal', async () => {
    const { dataDir, faults, logger } = setup();
    const store = new FileStore(dataDir, { fs: faultyFs(faults), logger, journalFlushMs: 10 });
    await store.ready();
    faults.datasync = true;
    const doc = new Y.Doc();
    for (const t of ['a', 'b']) await store.append('d', appendTextUpdate(doc, t), { author: null });
    await store.close(AbortSignal.timeout(2000));
    faults.datasync = false;
    const reopened = new FileStore(dataDir);
    expect(textOf((await reopened.load('d')).state)).toBe('ab');
    await reopened.close();
  });
});
