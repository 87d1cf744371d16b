/**
 * Where journal commits are made: on the event loop's thread while the disk answers fast; for a
 * while after a slow commit, through the thread pool (the event loop keeps serving meanwhile). Either way every append resolves durable, in order, and survives a
 * restart. The disk here is real; only a pause is added to chosen commits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import type { StoreFs } from '../../persistence/file/store-fs.js';
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { fsWithHandles } from '../helpers/wrapped-fs.js';
import { sleep } from '../helpers/wait.js';

const dirs: string[] = [];
const stores: FileStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Pauses the calling thread, as a disk that takes its time would. */
const block = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Records which way each journal write went; `slowNext` makes the next on-thread write take 200 ms. */
function watchedFs(): { fs: StoreFs; calls: Array<'thread' | 'pool'>; slowNext: { on: boolean } } {
  const calls: Array<'thread' | 'pool'> = [];
  const slowNext = { on: false };
  const fs = fsWithHandles((handle, path) => ({
    writeAll: async (data, position) => {
      // Segment creation writes zeros and the header through here too; commits are the rest.
      if (path.endsWith('.wal') && position > 0 && data.some((byte) => byte !== 0)) calls.push('pool');
      return handle.writeAll(data, position);
    },
    writeAllSync: (data, position) => {
      calls.push('thread');
      if (slowNext.on) {
        slowNext.on = false;
        block(200);
      }
      handle.writeAllSync(data, position);
    },
  }));
  return { fs, calls, slowNext };
}

it('commits on the event loop, moves to the thread pool after a slow commit, and comes back later', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-commit-path-'));
  dirs.push(dataDir);
  const { fs, calls, slowNext } = watchedFs();
  // A commit counts as slow past 50 ms (the forced one takes 200 ms), and moves the next
  // ones off the thread for 300 ms: room to spare for a disk busy with other work.
  const store = new FileStore(dataDir, { fs, slowCommitMs: 50, slowDiskHoldMs: 300 });
  stores.push(store);
  const doc = new Y.Doc();
  const append = (text: string): Promise<number> => store.append('doc', appendTextUpdate(doc, text), { author: null });

  let seq = 0;
  const next = async (): Promise<void> => {
    seq += 1;
    expect(await append(String.fromCharCode(97 + (seq % 26)))).toBe(seq);
  };
  /** Appends until a commit is made on the event loop's thread (the disk may be busy a while). */
  const untilOnThread = async (): Promise<void> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      await next();
      if (calls.at(-1) === 'thread') return;
      if (Date.now() > deadline) throw new Error(`no commit on the event loop within 20 s: ${calls.slice(-20).join(', ')}`);
      await sleep(50);
    }
  };

  await untilOnThread();
  // The next commit made on the thread takes 200 ms: the ones after it go through the pool...
  slowNext.on = true;
  await untilOnThread();
  expect(slowNext.on).toBe(false);
  await next();
  expect(calls.at(-1)).toBe('pool');
  // ...and a while after the last slow one, they are made on the thread again.
  await untilOnThread();
  await store.close();
  stores.splice(0);

  const reopened = new FileStore(dataDir);
  stores.push(reopened);
  const loaded = await reopened.load('doc');
  expect(loaded.seq).toBe(seq);
  expect(textOf(loaded.state)).toBe(doc.getText('t').toString());
});
