/**
 * The figures of the cluster report, from the runs: per workload and node count, medians over
 * repeats; and the two targets.
 */
import type { Batching } from '../harness/bench-database.js';
import type { ProfileSummary } from '../harness/profile-summary.js';
import type { TrafficResult } from '../load/scenario.js';
import type { WorkloadId } from './cluster-options.js';
import { total, type BusCounts } from './node-metrics.js';

/** This checkout, or the one given with `--baseline`. */
export type ClusterBuild = 'this' | 'baseline';

export interface ClusterRun {
  build: ClusterBuild;
  workload: WorkloadId;
  nodes: number;
  repeat: number;
  result: TrafficResult | null;
  error: string | null;
  /** Each node's bus messages over the run (connects to drain), in node order. */
  bus?: BusCounts[];
  /** Records stored and the transactions that stored them, all nodes together. */
  batching?: Batching;
  profiles?: (ProfileSummary & { node: string; file: string })[];
}

export function median(values: number[]): number | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Row {
  nodes: number;
  sent: number | null;
  p50: number | null;
  p99: number | null;
  /** Median CPU share of each node (sorted, busiest first), and of all nodes together. */
  perNode: (number | null)[];
  total: number | null;
  busiest: number | null;
  converged: string;
  ok: string;
  /** Records and other messages the nodes published on the bus over a run (medians). */
  busRecords: number | null;
  busOther: number | null;
  /** Records stored per PostgreSQL transaction. */
  recordsPerCommit: number | null;
}

const records = (n: BusCounts): number => (n.published.record ?? 0) + (n.published.recordRef ?? 0);

export function rows(runs: readonly ClusterRun[], build: ClusterBuild, workload: WorkloadId): Row[] {
  const mine = runs.filter((r) => r.build === build && r.workload === workload);
  const counts = [...new Set(mine.map((r) => r.nodes))].sort((a, b) => a - b);
  return counts.map((nodes) => {
    const these = mine.filter((r) => r.nodes === nodes);
    const results = these.flatMap((r) => (r.result ? [r.result] : []));
    const shares = results.map((r) => (r.nodes ?? []).map((n) => n.cpuShare).sort((a, b) => b - a));
    return {
      nodes,
      sent: median(results.map((r) => r.edits.sentPerSecond)),
      p50: median(results.map((r) => r.edits.latencyMs.p50)),
      p99: median(results.map((r) => r.edits.latencyMs.p99)),
      perNode: Array.from({ length: nodes }, (_, i) => median(shares.map((s) => s[i] ?? NaN))),
      total: median(shares.map((s) => s.reduce((a, b) => a + b, 0))),
      busiest: median(shares.map((s) => s[0] ?? NaN)),
      converged: results.map((r) => `${r.convergence.converged}/${r.convergence.rooms}`).join(', ') || '—',
      ok: `${results.length}/${these.length}`,
      busRecords: median(these.flatMap((r) => (r.bus ? [r.bus.reduce((sum, n) => sum + records(n), 0)] : []))),
      busOther: median(these.flatMap((r) => (r.bus ? [r.bus.reduce((sum, n) => sum + total(n.published) - records(n), 0)] : []))),
      recordsPerCommit: median(these.flatMap((r) => (r.batching && r.batching.commits > 0 ? [r.batching.records / r.batching.commits] : []))),
    };
  });
}

/** What the targets measure, for one build. */
export interface TargetFigures {
  /** CPU of the single node, and of each of 3 nodes (their total shared out), as shares of a core. */
  single: number | null;
  perNodeAt3: number | null;
  /**
   * perNodeAt3 ÷ single (target ≤ 0.4), and the busiest of the 3 nodes ÷ single; both per edit
   * sent, so that a run whose generator sent fewer edits does not look cheaper.
   */
  ratio: number | null;
  busiestRatio: number | null;
  /** p50 and p99 with one client of each document on each of two nodes (target p50 ≤ 3 ms). */
  splitP50: number | null;
  splitP99: number | null;
}

export function targetFigures(proxied: readonly Row[], split: readonly Row[]): TargetFigures {
  const one = proxied.find((r) => r.nodes === 1);
  const at3 = proxied.find((r) => r.nodes === 3);
  const single = one?.total ?? null;
  const perNodeAt3 = at3?.total != null ? at3.total / 3 : null;
  const perEdit = (cpu: number | null | undefined, row: Row | undefined): number | null => (cpu != null && row?.sent ? cpu / row.sent : null);
  const base = perEdit(single, one);
  const over = (cpu: number | null | undefined): number | null => {
    const value = perEdit(cpu, at3);
    return value !== null && base ? value / base : null;
  };
  const ratio = over(perNodeAt3);
  const busiestRatio = over(at3?.busiest);
  const two = split.find((r) => r.nodes === 2);
  return { single, perNodeAt3, ratio, busiestRatio, splitP50: two?.p50 ?? null, splitP99: two?.p99 ?? null };
}
