/**
 * Load time of a document with 100,000 logged updates, with checkpoints (the default: one per
 * 1,000 records, the newest three kept; 999 records after the newest, the most there can be)
 * and without (the whole log replayed), plus the time to read its whole history and rebuild
 * the latest state (what export and history do). A load here includes applying the state to
 * a Y.Doc, as the room does.
 *
 *   node --import tsx bench/store-load.ts [records=100000] [runs=5] [typing|random]
 *
 * typing (default): one keystroke per update at a cursor that mostly moves on, sometimes
 * jumps, with backspaces — how documents are written. random: every keystroke at a random
 * place, the worst case for Yjs (no two characters merge into one item).
 *
 * Each load is a fresh FileStore opening the document (page cache warm: the files were just
 * written). Medians of `runs` loads, alternating between the two data dirs.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { FileStore } from '../persistence/file/file-store.js';
import { docDirName } from '../persistence/file/file-names.js';
import { docAt } from '../persistence/replay.js';
import { fixed, median, table } from './store-stats.js';

const RECORDS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 5);
const PATTERN = process.argv[4] === 'random' ? 'random' : 'typing';
const NAME = 'big-doc';

/**
 * Keystrokes from three authors, one update each. The last TAIL of them are written after the
 * newest checkpoint (one short of the next), the most a load ever replays after it.
 */
const TAIL = 999;
async function build(dataDir: string): Promise<{ text: string; logBytes: number; checkpoints: number }> {
  let store = new FileStore(dataDir, { fsync: false });
  const doc = new Y.Doc();
  const text = doc.getText('t');
  let seed = 42;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let pending: Promise<number>[] = [];
  let author = 'user0';
  // Each keystroke's update as a client sends it (the transaction's own update).
  doc.on('update', (update: Uint8Array) => pending.push(store.append(NAME, update, { author })));
  let cursor = 0;
  for (let i = 0; i < RECORDS; i += 1) {
    if (i === RECORDS - TAIL) {
      await Promise.all(pending);
      pending = [];
      await store.close();
      store = new FileStore(dataDir, { fsync: false });
    }
    author = `user${Math.floor(i / 500) % 3}`;
    const letter = String.fromCharCode(97 + Math.floor(random() * 26));
    if (PATTERN === 'random') {
      if (text.length > 20 && random() < 0.15) text.delete(Math.floor(random() * (text.length - 1)), 1);
      else text.insert(Math.floor(random() * (text.length + 1)), letter);
    } else {
      if (random() < 0.02) cursor = Math.floor(random() * (text.length + 1));
      if (cursor > 0 && random() < 0.12) {
        text.delete(cursor - 1, 1);
        cursor -= 1;
      } else {
        text.insert(cursor, letter);
        cursor += 1;
      }
    }
    if (pending.length === 1000) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  await store.close();
  const dir = join(dataDir, 'docs', docDirName(NAME));
  return {
    text: text.toString(),
    logBytes: statSync(join(dir, 'log')).size,
    checkpoints: readdirSync(dir).filter((f) => f.startsWith('checkpoint-')).length,
  };
}

/** Never checkpoints: a store closing after a load would otherwise write one, changing the data dir. */
const readOnly = { checkpointEvery: Number.MAX_SAFE_INTEGER, checkpointBytes: Number.MAX_SAFE_INTEGER };

async function timeLoad(dataDir: string, expected: string): Promise<number> {
  const store = new FileStore(dataDir, readOnly);
  const start = performance.now();
  const loaded = await store.load(NAME);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, loaded.state);
  const ms = performance.now() - start;
  if (doc.getText('t').toString() !== expected || loaded.seq !== RECORDS) throw new Error('loaded the wrong document');
  await store.close();
  return ms;
}

async function timeHistory(dataDir: string, expected: string): Promise<number> {
  const store = new FileStore(dataDir, readOnly);
  const start = performance.now();
  const history = await store.readHistory(NAME);
  if (!history) throw new Error('no history');
  const doc = await docAt(history, RECORDS);
  const ms = performance.now() - start;
  if (doc.getText('t').toString() !== expected) throw new Error('rebuilt the wrong document');
  await store.close();
  return ms;
}

const withCheckpoints = mkdtempSync(join(tmpdir(), 'tandem-bench-load-'));
const withoutCheckpoints = mkdtempSync(join(tmpdir(), 'tandem-bench-load-bare-'));
try {
  const buildStart = performance.now();
  const built = await build(withCheckpoints);
  process.stderr.write(`built ${RECORDS} records (${fixed(built.logBytes / 1024 / 1024)} MiB log, ${built.checkpoints} checkpoints kept, text ${built.text.length} chars) in ${fixed((performance.now() - buildStart) / 1000, 1)} s\n`);
  cpSync(withCheckpoints, withoutCheckpoints, { recursive: true });
  const bareDir = join(withoutCheckpoints, 'docs', docDirName(NAME));
  for (const file of readdirSync(bareDir)) if (file.startsWith('checkpoint-')) unlinkSync(join(bareDir, file));

  const times = { load: [] as number[], loadBare: [] as number[], history: [] as number[], historyBare: [] as number[] };
  for (let i = 0; i < RUNS; i += 1) {
    times.load.push(await timeLoad(withCheckpoints, built.text));
    times.loadBare.push(await timeLoad(withoutCheckpoints, built.text));
    times.history.push(await timeHistory(withCheckpoints, built.text));
    times.historyBare.push(await timeHistory(withoutCheckpoints, built.text));
    process.stderr.write(`run ${i + 1}: load ${fixed(times.load.at(-1) ?? NaN)} ms / ${fixed(times.loadBare.at(-1) ?? NaN)} ms without checkpoints; history+latest ${fixed(times.history.at(-1) ?? NaN)} / ${fixed(times.historyBare.at(-1) ?? NaN)} ms\n`);
  }
  const load = median(times.load);
  const loadBare = median(times.loadBare);
  console.log(`\nLoading a document of ${RECORDS} updates (${PATTERN}), medians of ${RUNS} runs (Node ${process.version})`);
  console.log(table([
    ['', 'with checkpoints', 'without', 'without/with'],
    ['store.load (ms): what a room does on first join', fixed(load), fixed(loadBare), fixed(loadBare / load, 1)],
    ['whole history + latest state (ms): export, history', fixed(median(times.history)), fixed(median(times.historyBare)), fixed(median(times.historyBare) / median(times.history), 1)],
  ]));
} finally {
  rmSync(withCheckpoints, { recursive: true, force: true });
  rmSync(withoutCheckpoints, { recursive: true, force: true });
}
