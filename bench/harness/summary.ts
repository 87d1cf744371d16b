/** Medians over repeats, ratios between servers, and the issue's targets checked against them. */
import type { Metric } from './metrics.js';
import { METRICS } from './metrics.js';
import type { RunRecord } from './run-one.js';
import type { ServerId } from './server-kinds.js';

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function values(runs: readonly RunRecord[], workload: string, server: ServerId, metric: Metric): number[] {
  const out: number[] = [];
  for (const run of runs) {
    if (run.workload !== workload || run.server !== server || !run.result) continue;
    const v = metric.get(run.result);
    if (v !== null) out.push(v);
  }
  return out;
}

export const medianOf = (runs: readonly RunRecord[], workload: string, server: ServerId, metric: Metric): number | null =>
  median(values(runs, workload, server, metric));

export interface TargetCheck {
  target: string;
  measured: string;
  /** null when a figure is missing (workload or server not run, or failed). */
  met: boolean | null;
  /** How far from the target, as a share of the target (positive = missed by). */
  miss: number | null;
}

const fmt = (v: number, digits = 2): string => v.toFixed(digits);

/** `value` must be at most `limit` (or at least, for `atLeast`). */
function check(target: string, describe: (v: number) => string, value: number | null, limit: number | null, atLeast = false): TargetCheck {
  if (value === null || limit === null || !Number.isFinite(value) || !Number.isFinite(limit) || limit === 0) {
    return { target, measured: 'n/a', met: null, miss: null };
  }
  const met = atLeast ? value >= limit : value <= limit;
  const miss = atLeast ? limit / value - 1 : value / limit - 1;
  return { target, measured: describe(value), met, miss: met ? null : miss };
}

const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);

/** True when most of a server's sweeps stopped because the generator, not the server, ran out. */
function sweepGeneratorBound(runs: readonly RunRecord[], server: ServerId): boolean {
  const ends = runs.flatMap((r) => (r.workload === 'sweep-100x4' && r.server === server && r.result?.kind === 'traffic' ? [r.result.steps.at(-1)?.verdict] : []));
  return ends.filter((v) => v === 'generator-bound').length * 2 > ends.length;
}

/** Issue 10's targets (people typing, durability on): what users feel next to @y/websocket-server. */
export function checkTypingTargets(runs: readonly RunRecord[]): TargetCheck[] {
  const med = (workload: string, server: ServerId, metric: Metric): number | null => medianOf(runs, workload, server, metric);
  const gap = (workload: string): number | null => {
    const ours = med(workload, 'tandem', METRICS.editP50);
    const theirs = med(workload, 'y-websocket-server', METRICS.editP50);
    return ours === null || theirs === null ? null : ours - theirs;
  };
  const p99 = (workload: string, s: ServerId) => med(workload, s, METRICS.editP99);
  const cpu = (s: ServerId) => med('paced-100x4', s, METRICS.cpuPerEdit);
  const rss = (s: ServerId) => med('idle-2000', s, METRICS.perConnection);
  const ms = (v: number | null): string => fmt(v ?? NaN);
  // `check` needs a non-zero limit: "within 0.3 ms" is checked as gap + 1 ≤ 1.3.
  const within = (target: string, workload: string): TargetCheck => {
    const g = gap(workload);
    const result = check(target, () => `${ms(med(workload, 'tandem', METRICS.editP50))} vs ${ms(med(workload, 'y-websocket-server', METRICS.editP50))} ms (+${ms(g)})`, g === null ? null : g + 1, 1.3);
    return { ...result, miss: result.miss === null || g === null ? null : (g - 0.3) / 0.3 };
  };
  return [
    within('p50 at 100×4 typing within 0.3 ms of @y/websocket-server’s', 'paced-100x4'),
    within('p50 at 1×50 typing within 0.3 ms of @y/websocket-server’s', 'paced-1x50'),
    check('p99 at 100×4 typing ≤ @y/websocket-server’s', (v) => `${fmt(v)}× (${ms(p99('paced-100x4', 'tandem'))} vs ${ms(p99('paced-100x4', 'y-websocket-server'))} ms)`, ratio(p99('paced-100x4', 'tandem'), p99('paced-100x4', 'y-websocket-server')), 1.0),
    check('p99 at 1×50 typing ≤ @y/websocket-server’s', (v) => `${fmt(v)}× (${ms(p99('paced-1x50', 'tandem'))} vs ${ms(p99('paced-1x50', 'y-websocket-server'))} ms)`, ratio(p99('paced-1x50', 'tandem'), p99('paced-1x50', 'y-websocket-server')), 1.0),
    check('Cursor p99 at 1×50 typing ≤ 100 ms', (v) => `${fmt(v)} ms`, med('paced-1x50', 'tandem', METRICS.cursorP99), 100),
    check('CPU per edit at 100×4 typing ≤ 1.0 × @y/websocket-server', (v) => `${fmt(v)}× (${fmt(cpu('tandem') ?? NaN, 0)} vs ${fmt(cpu('y-websocket-server') ?? NaN, 0)} µs)`, ratio(cpu('tandem'), cpu('y-websocket-server')), 1.0),
    check('RSS per idle connection ≤ @y/websocket-server’s', (v) => `${fmt(v)}× (${fmt(rss('tandem') ?? NaN, 1)} vs ${fmt(rss('y-websocket-server') ?? NaN, 1)} KiB)`, ratio(rss('tandem'), rss('y-websocket-server')), 1.0),
  ];
}

/** Issue 6's targets, all for Tandem with durability on. */
export function checkTargets(runs: readonly RunRecord[]): TargetCheck[] {
  const med = (workload: string, server: ServerId, metric: Metric): number | null => medianOf(runs, workload, server, metric);
  const cpuEdit = (s: ServerId) => med('rooms-100x4', s, METRICS.cpuPerEdit);
  const p99 = (s: ServerId) => med('rooms-100x4', s, METRICS.editP99);
  const tandemCursor = med('cursors-200', 'tandem', METRICS.cpuPerCursor);
  return [
    check('CPU per edit at 100×4 ≤ 0.65 × @y/websocket-server', (v) => `${fmt(v)}×`, ratio(cpuEdit('tandem'), cpuEdit('y-websocket-server')), 0.65),
    check('CPU per edit at 100×4 ≤ 1.3 × raw relay', (v) => `${fmt(v)}×`, ratio(cpuEdit('tandem'), cpuEdit('raw-relay')), 1.3),
    check('Latency p50 at 100×4 ≤ 1.0 ms (fsync included)', (v) => `${fmt(v)} ms`, med('rooms-100x4', 'tandem', METRICS.editP50), 1.0),
    check('Latency p99 at 100×4 ≤ @y/websocket-server’s', (v) => `${fmt(v)}× (${fmt(p99('tandem') ?? NaN)} vs ${fmt(p99('y-websocket-server') ?? NaN)} ms)`, ratio(p99('tandem'), p99('y-websocket-server')), 1.0),
    check(
      'Memory per idle connection ≤ 1.1 × raw relay',
      (v) => `${fmt(v)}×`,
      ratio(med('idle-2000', 'tandem', METRICS.perConnection), med('idle-2000', 'raw-relay', METRICS.perConnection)),
      1.1,
    ),
    check(
      'Saturation ≥ 2 × @y/websocket-server',
      (v) => {
        const bound = (['tandem', 'y-websocket-server'] as const).filter((s) => sweepGeneratorBound(runs, s));
        return `${fmt(v)}×${bound.length ? ` (generator-bound before ${bound.join(' and ')} saturated)` : ''}`;
      },
      ratio(med('sweep-100x4', 'tandem', METRICS.saturation), med('sweep-100x4', 'y-websocket-server', METRICS.saturation)),
      2,
      true,
    ),
    check('20 joiners on a large doc ≤ 0.3 × @y/websocket-server’s time', (v) => `${fmt(v)}×`, ratio(med('join-large', 'tandem', METRICS.joinAll), med('join-large', 'y-websocket-server', METRICS.joinAll)), 0.3),
    check('CPU per cursor move (200 in a room) ≤ CPU per edit (100×4)', (v) => `${fmt(v)}× (${fmt(tandemCursor ?? NaN, 1)} vs ${fmt(cpuEdit('tandem') ?? NaN, 1)} µs)`, ratio(tandemCursor, cpuEdit('tandem')), 1.0),
  ];
}
