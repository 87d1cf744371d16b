/**
 * The file store's housekeeping: group commit shares write cycles between documents, idle
 * logs are closed, old checkpoints are pruned, and the data-dir lock admits one process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DataDirLock, LOCK_FILE, readLiveLock } from '../../persistence/file/data-dir-lock.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { useTempDataDirs } from '../helpers/temp-data-dirs.js';
import { waitFor } from '../helpers/wait.js';

const { tempDir } = useTempDataDirs('lifecycle');

function edit(doc: Y.Doc, text: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc, before);
}

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
    // Closed once copied out of the journal and idle for 30 ms: a moment, or longer on a busy machine.
    await waitFor(() => store.assignedSeq('idle') === null, 'the idle log to be closed');
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

  it('admits one process per data dir, through a lock the OS holds for the owner', async () => {
    const dataDir = tempDir();
    const lock = await DataDirLock.acquire(dataDir, 'serve');
    await lock.setUrl('http://127.0.0.1:9');
    expect(await readLiveLock(dataDir)).toMatchObject({ pid: process.pid, command: 'serve', url: 'http://127.0.0.1:9' });
    const refused = await lockInChild(dataDir);
    expect(refused).toContain('ERR_DATA_DIR_LOCKED');
    expect(refused).toContain(`held by process ${process.pid} (tandem serve at http://127.0.0.1:9)`);
    // A second lock in this very process is refused too: the lock belongs to the open file.
    await expect(DataDirLock.acquire(dataDir, 'restore')).rejects.toMatchObject({ code: 'ERR_DATA_DIR_LOCKED' });
    await lock.release();
    expect(await readLiveLock(dataDir)).toBeNull();
    expect(await lockInChild(dataDir)).toContain('acquired');
  });

  it('is free again once its owner is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['-e', lockScript(dataDir, true)], { env: { ...process.env, NODE_OPTIONS: '--import tsx' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor(() => output.includes('acquired'), 'the child to take the lock');
    expect(await readLiveLock(dataDir)).toMatchObject({ pid: child.pid, command: 'child' });
    await expect(DataDirLock.acquire(dataDir, 'serve')).rejects.toMatchObject({ code: 'ERR_DATA_DIR_LOCKED' });
    child.kill('SIGKILL');
    await exited;
    // The file still names the dead process; only the OS's lock counts.
    expect(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).toContain(`"pid":${child.pid}`);
    expect(await readLiveLock(dataDir)).toBeNull();
    const taken = await DataDirLock.acquire(dataDir, 'serve');
    await taken.release();
  });

  it('is taken over when the file names a live process that does not hold it (a reused pid)', async () => {
    const dataDir = tempDir();
    // This test runner is alive, and is not a Tandem process holding the data dir.
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, command: 'serve', url: 'http://127.0.0.1:9', startedAt: '' }));
    expect(await readLiveLock(dataDir)).toBeNull();
    expect(await lockInChild(dataDir)).toContain('acquired');
  });
});

/** A script that takes the lock as `child` and reports; `hold` keeps it until killed. */
function lockScript(dataDir: string, hold: boolean): string {
  return `import(${JSON.stringify(new URL('../../persistence/file/data-dir-lock.ts', import.meta.url).href)}).then(async (m) => {
    try { await m.DataDirLock.acquire(${JSON.stringify(dataDir)}, 'child'); console.log('acquired'); ${hold ? 'setInterval(() => {}, 1000);' : ''} }
    catch (e) { console.log(e.code, e.message); }
  });`;
}

async function lockInChild(dataDir: string): Promise<string> {
  const child = spawnSync(process.execPath, ['-e', lockScript(dataDir, false)], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--import tsx' }, timeout: 90_000 });
  return child.stdout + child.stderr;
}
