/**
 * The command line of `npm run bench -- --cluster`, and the workloads it runs.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { TrafficScenario } from '../load/scenario.js';

export const WORKLOAD_IDS = ['proxied', 'split'] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

export const CLUSTER_HELP = `npm run bench -- --cluster [options]

The same typing load on 1, 2 and 3 cluster nodes (PostgreSQL + Redis) behind HAProxy, and one
document's clients split over two nodes. A full run (defaults, 3 repeats) rewrites the cluster
section of BENCHMARKS.md.

  --quick               30 rooms instead of 150, 5 s windows after 15 s of warm-up, 1 repeat
  --nodes 1,2,3         node counts to run
  --workloads a,b       proxied (R rooms x 4 through HAProxy), split (2 nodes per room, no proxy)
  --rooms R             rooms of the proxied load (default 150: 1,200 edits/s, what one load
                        generator process drives on one core; 30 with --quick)
  --warmup S            seconds of typing before the window (default 30; 15 with --quick): each
                        node compiles its hot code as it meets it, and the window measures after
  --repeats N           repeats of everything (default 3; 1 with --quick)
  --baseline DIR        also run another checkout (built here: its dist/) the same way, each
                        run next to this one's, and compare the two
  --no-pin              do not pin the nodes and the generator to separate CPUs
  --nice=N              nice value of the nodes, the generator, PostgreSQL, Redis and HAProxy
                        (e.g. -10 on a machine busy with other work)
  --profile             a --cpu-prof profile of every node (summaries in results.json)
  --markdown PATH       write the tables there (default: BENCHMARKS.md for a full run)
`;

/**
 * Rooms of the full proxied load. The issue's example was 300 × 4 (2,400 edits/s); on this
 * 2-core machine the one generator process cannot send that (it needs more than its core, and
 * sent 1,500–2,300 edits/s with latency in its own queue), so the nodes would not all get the
 * same total load. 150 × 4 it sends in full.
 */
const DEFAULT_ROOMS = 150;

export interface ClusterOptions {
  quick: boolean;
  nodes: number[];
  workloads: WorkloadId[];
  rooms: number;
  splitRooms: number;
  warmupMs: number;
  windowMs: number;
  repeats: number;
  baseline: string | null;
  pin: boolean;
  nice: number;
  profile: boolean;
  markdown: string | null;
}

function wholeNumber(text: string, flag: string, min: number, max = Infinity): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${flag} must be a whole number from ${min}${max === Infinity ? ' up' : ` to ${max}`}`);
  return value;
}

/** The options, or null after printing the help. */
export function parseClusterOptions(argv: string[], repoRoot: string): ClusterOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      cluster: { type: 'boolean', default: true },
      quick: { type: 'boolean', default: false },
      nodes: { type: 'string', default: '1,2,3' },
      workloads: { type: 'string', default: WORKLOAD_IDS.join(',') },
      rooms: { type: 'string' },
      warmup: { type: 'string' },
      repeats: { type: 'string' },
      baseline: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      nice: { type: 'string', default: '0' },
      profile: { type: 'boolean', default: false },
      markdown: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(CLUSTER_HELP);
    return null;
  }
  const nodes = values.nodes.split(',').map((n) => wholeNumber(n, '--nodes', 1, 8));
  const workloads = values.workloads.split(',').map((id) => id.trim());
  const unknown = workloads.filter((id) => !(WORKLOAD_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) throw new Error(`--workloads lists ${WORKLOAD_IDS.join(', ')} (not ${unknown.join(', ')})`);
  const quick = values.quick;
  const repeats = values.repeats ? wholeNumber(values.repeats, '--repeats', 1) : quick ? 1 : 3;
  // A full, unfiltered run replaces the published tables unless a path is given.
  const complete = !quick && !values.rooms && !values.warmup && repeats >= 3 && values.nodes === '1,2,3' && workloads.length === WORKLOAD_IDS.length;
  return {
    quick,
    nodes,
    workloads: workloads as WorkloadId[],
    rooms: values.rooms ? wholeNumber(values.rooms, '--rooms', 1) : quick ? 30 : DEFAULT_ROOMS,
    splitRooms: quick ? 10 : 50,
    warmupMs: 1000 * (values.warmup ? wholeNumber(values.warmup, '--warmup', 1) : quick ? 15 : 30),
    windowMs: quick ? 5000 : 15_000,
    repeats,
    baseline: values.baseline ? path.resolve(values.baseline) : null,
    pin: !values['no-pin'],
    nice: wholeNumber(values.nice, '--nice', -20, 19),
    profile: values.profile,
    markdown: values.markdown ?? (complete ? path.join(repoRoot, 'BENCHMARKS.md') : null),
  };
}

/** People typing, as in the single-server `paced-*` workloads: `rooms` × `clientsPerRoom`. */
export function typing(options: ClusterOptions, rooms: number, clientsPerRoom: number): TrafficScenario {
  return {
    kind: 'traffic', rooms, clientsPerRoom, writersPerRoom: clientsPerRoom, editsPerSecondPerWriter: 2,
    cursorMovers: 'none', cursorsPerSecondPerMover: 0, presence: 'all', typists: { cursorEveryNthEdit: 5 },
    applyRemote: true, warmupMs: options.warmupMs, windowMs: options.windowMs, drainMs: 3000,
  };
}
