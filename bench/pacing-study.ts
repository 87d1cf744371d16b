/**
 * `node --import tsx bench/pacing-study.ts [repeats=3] [servers=tandem,y-websocket-server,raw-relay] [variants=A,B,D,E] [--nice=N]`:
 * one 100 rooms × 4 workload in variants that change one thing at a time — the edit rate,
 * how edits are paced (one 5 ms timer for everyone, or every client on its own clock), the
 * window, cursor moves — to show which of them moves a server's latency and CPU per edit.
 * Runs are interleaved; prints the median of each figure. BENCHMARKS.md quotes its output.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchDatabase } from './harness/bench-database.js';
import { buildServer } from './harness/build-server.js';
import { pinningPlan } from './harness/cpu-set.js';
import { runOne } from './harness/run-one.js';
import { isServerId, type ServerId } from './harness/server-kinds.js';
import { median } from './harness/summary.js';
import type { TrafficScenario } from './load/scenario.js';

const variant = (change: Partial<TrafficScenario>): TrafficScenario => ({
  kind: 'traffic', rooms: 100, clientsPerRoom: 4, writersPerRoom: 4, editsPerSecondPerWriter: 5, cursorMovers: 'none', cursorsPerSecondPerMover: 0,
  presence: 'all', applyRemote: true, warmupMs: 1000, windowMs: 3000, drainMs: 2000, ...change,
});
const VARIANTS: Record<string, { what: string; scenario: TrafficScenario }> = {
  A: { what: 'rooms-100x4: 5 edits/s per client from one 5 ms timer, 3 s window', scenario: variant({}) },
  B: { what: 'A at 2 edits/s', scenario: variant({ editsPerSecondPerWriter: 2 }) },
  C: { what: 'B with a 15 s window', scenario: variant({ editsPerSecondPerWriter: 2, warmupMs: 2000, windowMs: 15_000 }) },
  D: { what: 'C with every client on its own clock', scenario: variant({ editsPerSecondPerWriter: 2, warmupMs: 2000, windowMs: 15_000, typists: { cursorEveryNthEdit: 0 } }) },
  E: { what: 'D with a cursor move after every 5th edit (paced-100x4)', scenario: variant({ editsPerSecondPerWriter: 2, warmupMs: 2000, windowMs: 15_000, typists: { cursorEveryNthEdit: 5 } }) },
};

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const nice = Number(process.argv.find((a) => a.startsWith('--nice='))?.slice(7) ?? 0);
const repeats = Number(args[0] ?? 3);
const servers = (args[1] ?? 'tandem,y-websocket-server,raw-relay').split(',');
const variants = (args[2] ?? 'A,B,D,E').split(',');
for (const s of servers) if (!isServerId(s)) throw new Error(`unknown server "${s}"`);
for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown variant "${v}" (known: ${Object.keys(VARIANTS).join(', ')})`);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
buildServer(repoRoot);
const outDir = path.join(repoRoot, 'bench', 'results', `pacing-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(outDir, { recursive: true });
const figures = new Map<string, { p50: number[]; p99: number[]; cpu: number[] }>();
// Started only if a server kind needs PostgreSQL (tandem-postgres).
const database = new BenchDatabase(nice);
for (let repeat = 1; repeat <= repeats; repeat += 1) {
  for (const id of variants) {
    const { what, scenario } = VARIANTS[id] ?? {};
    if (!scenario || !what) continue;
    // Every other repeat in reverse order, so no server always runs right after another.
    for (const server of (repeat % 2 ? servers : [...servers].reverse()) as ServerId[]) {
      const workload = { id: `pacing-${id}`, title: what, describe: () => what, scenario: () => scenario, timeoutMs: 120_000 };
      const record = await runOne(workload, server, repeat, { repoRoot, outDir, quick: false, cpus: pinningPlan(), nice, profileDir: null, database });
      const r = record.result?.kind === 'traffic' ? record.result : null;
      const key = `${id} ${server}`;
      const f = figures.get(key) ?? { p50: [], p99: [], cpu: [] };
      if (r) {
        f.p50.push(r.edits.latencyMs.p50);
        f.p99.push(r.edits.latencyMs.p99);
        if (r.cpuPerEditUs !== null) f.cpu.push(r.cpuPerEditUs);
      }
      figures.set(key, f);
      process.stdout.write(`${key} #${repeat}: ${r ? `p50 ${r.edits.latencyMs.p50.toFixed(2)} ms, p99 ${r.edits.latencyMs.p99.toFixed(1)} ms, CPU/edit ${r.cpuPerEditUs?.toFixed(0)} µs` : `failed: ${record.error}`}\n`);
    }
  }
}
await database.destroy();
process.stdout.write('\nmedians: p50 ms / p99 ms, CPU µs per edit\n');
for (const id of variants) {
  const cells = servers.map((s) => {
    const f = figures.get(`${id} ${s}`);
    const m = (v: number[] | undefined, d: number): string => median(v ?? [])?.toFixed(d) ?? '—';
    return `${s} ${m(f?.p50, 2)} / ${m(f?.p99, 1)}, ${m(f?.cpu, 0)}`;
  });
  process.stdout.write(`${id} (${VARIANTS[id]?.what}): ${cells.join(' · ')}\n`);
}
