/**
 * `node --import tsx bench/pg-commit-cost.ts [--baseline DIR] [--commits N] [--rounds R] [--only this|baseline] [--cpu C]`:
 * the node's CPU per PostgreSQL write cycle of the store, for batches of 1, 2 and 4 records.
 *
 * A throwaway PostgreSQL (tests/helpers/pg-cluster.ts) and the built store (dist/) of this
 * checkout and, with `--baseline`, of another one, each on a database of its own. A batch of k
 * records is k appends of ~60 bytes to k documents made in one turn of the event loop, so they
 * share one write cycle (one transaction), as edits of k rooms arriving together do; the next
 * batch starts when its appends resolve. CPU is `process.cpuUsage` over the loop, so it counts
 * everything the cycle costs this process: the store's bookkeeping, pg's protocol, the socket,
 * waking up for the answer. Rounds alternate between the builds (the machine is shared and
 * noisy); medians per build and batch size. Add `--cpu-prof` to node (with `--only`) for a profile.
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { PgCluster } from '../tests/helpers/pg-cluster.js';

interface StoreLike {
  ready(): Promise<void>;
  append(name: string, update: Uint8Array, meta: { author: string | null }): Promise<number>;
  close(): Promise<void>;
}
type StoreClass = new (url: string, options?: object) => StoreLike;

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    commits: { type: 'string', default: '1500' },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
    cpu: { type: 'string' },
  },
});
const commits = Number(values.commits);
const rounds = Number(values.rounds);
const SIZES = [1, 2, 4];
const repoRoot = path.resolve(import.meta.dirname, '..');

const builds: Array<{ id: string; root: string }> = [{ id: 'this', root: repoRoot }];
if (values.baseline) builds.push({ id: 'baseline', root: path.resolve(values.baseline) });
const chosen = values.only ? builds.filter((b) => b.id === values.only) : builds;

/** `count` typing edits (one character each, as Yjs updates), made before the loop that stores them. */
function typing(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const text = doc.getText('t');
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < count; i++) text.insert(text.length, 'abcdefghij'[i % 10] ?? 'x');
  doc.destroy();
  return updates;
}

/** CPU per cycle, user and system, and wall time per cycle, in µs. */
async function loop(store: StoreLike, size: number, count: number): Promise<{ user: number; system: number; wall: number }> {
  const updates = typing(count * size);
  const start = process.cpuUsage();
  const began = performance.now();
  for (let c = 0; c < count; c++) {
    const appends: Promise<number>[] = [];
    for (let k = 0; k < size; k++) appends.push(store.append(`doc-${k}`, updates[c * size + k] ?? new Uint8Array(), { author: 'bench' }));
    await Promise.all(appends);
  }
  const used = process.cpuUsage(start);
  return { user: used.user / count, system: used.system / count, wall: ((performance.now() - began) * 1000) / count };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const cluster = await PgCluster.start();
// Pinned after PostgreSQL started, so that only this process is (as the cluster bench pins nodes).
if (values.cpu !== undefined) execFileSync('taskset', ['-pc', values.cpu, String(process.pid)], { stdio: 'ignore' });
try {
  const stores = new Map<string, StoreLike>();
  for (const build of chosen) {
    const module = (await import(path.join(build.root, 'dist/persistence/postgres/postgres-store.js'))) as { PostgresStore: StoreClass };
    // No checkpoints: the commit alone is measured.
    const store = new module.PostgresStore(await cluster.createDatabase('commit_cost'), { checkpointEvery: Number.MAX_SAFE_INTEGER, checkpointBytes: Number.MAX_SAFE_INTEGER });
    await store.ready();
    // Warm-up: the connection, the prepared statement, the generic plan, the JIT of the hot path.
    for (const size of SIZES) await loop(store, size, 300);
    stores.set(build.id, store);
  }
  const samples = new Map<string, Array<{ user: number; system: number; wall: number }>>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? chosen : [...chosen].reverse();
    for (const size of SIZES) {
      for (const build of order) {
        const store = stores.get(build.id);
        if (!store) continue;
        const key = `${build.id} ${size}`;
        samples.set(key, [...(samples.get(key) ?? []), await loop(store, size, commits)]);
      }
    }
  }
  console.log(`CPU per write cycle in µs (user + system = total; wall time per cycle), median of ${rounds} rounds of ${commits} cycles`);
  console.log(['records', ...chosen.map((b) => b.id), ...(chosen.length === 2 ? ['this ÷ baseline (total)'] : [])].join('\t'));
  for (const size of SIZES) {
    const cells = chosen.map((b) => {
      const runs = samples.get(`${b.id} ${size}`) ?? [];
      return { user: median(runs.map((r) => r.user)), system: median(runs.map((r) => r.system)), total: median(runs.map((r) => r.user + r.system)), wall: median(runs.map((r) => r.wall)) };
    });
    const [first, second] = cells;
    const ratio = first && second ? [(first.total / second.total).toFixed(2)] : [];
    console.log([size, ...cells.map((c) => `${c.user.toFixed(0)} + ${c.system.toFixed(0)} = ${c.total.toFixed(0)} (wall ${c.wall.toFixed(0)})`), ...ratio].join('\t'));
  }
  for (const store of stores.values()) await store.close();
} finally {
  await cluster.destroy();
}
