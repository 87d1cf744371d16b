/**
 * The file store's housekeeping: group commit shares write cycles between documents, idle
 * logs are closed, old checkpoints are pruned, and the data-dir lock admits one process.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DataDirLock, LOCK_FILE, readLiveLock } from '../../persistence/file/data-dir-lock.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { useTempDataDirs } from '../helpers/temp-data-dirs.js';

const { tempDir } = useTempDataDirs('lifecycle');

function edit(doc: Y.Doc, text: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc, before);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('file store housekeeping', () => {
  it('writes appends made together in shared cycles, one batch per document', async () => {
    const store = new FileStore(tempDir());
    const docs = Array.from({ length: 20 }, () => new Y.Doc());
    const appends = [];
    for (let round = 0; round < 10; round += 1) {
      for (const [i, doc] of docs.entries()) appends.push(store.append(`doc-${i}`, edit(doc, 'x'), { author: null }));
    }
    await Promise.all(appends);
    const stats = store.stats();
    expect(stats.records).toBe(200);
    // The first cycle opens the logs; all 200 appends land in a handful of cycles, not 200.
    expect(stats.cycles).toBeLessThanOrEqual(3);
    expect(stats.batches).toBeLessThanOrEqual(60);
    await store.close();
  });

  it('closes logs that sit idle, and reopens them on demand', async () => {
    const store = new FileStore(tempDir(), { idleMs: 30, journalFlushMs: 10 });
    const doc = new Y.Doc();
    await store.append('idle', edit(doc, 'a'), { author: null });
    expect(store.assignedSeq('idle')).toBe(1);
    await sleep(120);
    expect(store.assignedSeq('idle')).toBeNull();
    expect(await store.append('idle', edit(doc, 'b'), { author: null })).toBe(2);
    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, (await store.load('idle')).state);
    expect(loaded.getText('t').toString()).toBe('ba');
    await store.close();
  });

  it('keeps only the newest checkpoints', async () => {
    const dataDir = tempDir();
    // Without the journal, records reach the log (and count toward a checkpoint) one by one.
    const store = new FileStore(dataDir, { checkpointEvery: 5, keepCheckpoints: 2, journal: false });
    const doc = new Y.Doc();
    for (let i = 0; i < 60; i += 1) await store.append('cp', edit(doc, 'c'), { author: null });
    await store.close();
    expect(store.stats().checkpoints).toBeGreaterThanOrEqual(4);
    const files = readdirSync(join(dataDir, 'docs', docDirName('cp')));
    expect(files.filter((f) => f.startsWith('checkpoint-'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('admits one process per data dir and takes over a lock whose process is gone', async () => {
    const dataDir = tempDir();
    const lock = await DataDirLock.acquire(dataDir, 'serve');
    await lock.setUrl('http://127.0.0.1:9');
    // The lock names this very process, so readLiveLock (which skips its own pid) sees nothing.
    expect(await readLiveLock(dataDir)).toBeNull();
    const child = spawnSync(process.execPath, ['-e', `
      import('${new URL('../../persistence/file/data-dir-lock.ts', import.meta.url).href}').then(async (m) => {
        try { await m.DataDirLock.acquire(${JSON.stringify(dataDir)}, 'restore'); console.log('acquired'); }
        catch (e) { console.log(e.code, e.message); }
      });`], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--import tsx' }, timeout: 90_000 });
    expect(child.stdout).toContain('ERR_DATA_DIR_LOCKED');
    expect(child.stdout).toContain('tandem serve at http://127.0.0.1:9');
    await lock.release();
    expect(readdirSync(dataDir)).toEqual([]);

    // A lock left by a process that no longer exists.
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid ?? 999_999;
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: dead, command: 'serve', url: null, startedAt: '' }));
    const taken = await DataDirLock.acquire(dataDir, 'serve');
    await taken.release();
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
