/**
 * `npm run bench -- --cluster [options]` (cluster-options.ts lists them; `--help` prints them)
 *
 * The same total load on 1, 2 and 3 nodes of a cluster (one PostgreSQL, one Redis) behind
 * deploy/haproxy.cfg, and one document's clients split over two nodes:
 * - `proxied`: R rooms × 4 people typing (R = 150 by default; 2 edits/s each, a cursor move
 *   after every 5th edit), every client through HAProxy, so each room's clients share a node:
 *   latency from an edit to its arrival at the room's other clients, and each node's CPU over
 *   the window.
 * - `split` (2 nodes and more): rooms of 2 people, one on node 1 and one on node 2 (no proxy):
 *   every edit crosses the bus, committed first.
 * Each run also reads what every node published on the bus (its /metrics) and how many records
 * each PostgreSQL transaction stored. With `--baseline`, another checkout runs every workload
 * too, next to this one. Each figure is the median over repeats. A full run writes its section
 * of BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PgCluster } from '../../tests/helpers/pg-cluster.js';
import { RedisServer } from '../../tests/helpers/redis-server.js';
import { readBatching } from '../harness/bench-database.js';
import { buildServer } from '../harness/build-server.js';
import { pinningPlan } from '../harness/cpu-set.js';
import { describeMachine, gitCommit } from '../harness/machine.js';
import { ProcessPriority } from '../harness/process-priority.js';
import { summarizeProfile } from '../harness/profile-summary.js';
import { runGenerator } from '../harness/run-one.js';
import type { TrafficScenario } from '../load/scenario.js';
import { parseClusterOptions, typing, type ClusterOptions, type WorkloadId } from './cluster-options.js';
import { nodeProfile, startCluster, type BenchNode } from './cluster-nodes.js';
import { renderClusterReport, writeClusterReport, type ClusterBuild, type ClusterRun } from './cluster-report.js';
import { busCountsBetween, readBusCounts, type BusCounts } from './node-metrics.js';

/** What every run of one bench invocation shares. */
interface RunContext {
  options: ClusterOptions;
  repoRoot: string;
  outDir: string;
  logDir: string;
  cpus: { server: number; generator: number } | null;
  pg: PgCluster;
  redis: RedisServer;
  priority: ProcessPriority;
}

/** Where each build's nodes run from (the checkout whose dist/ they start). */
type Builds = Partial<Record<ClusterBuild, string>>;

/**
 * One workload on a fresh cluster of `count` nodes of `build`: the generator's result, each
 * node's bus traffic, the commits.
 */
async function runWorkload(ctx: RunContext, build: ClusterBuild, serverDir: string, id: WorkloadId, scenario: TrafficScenario, count: number, repeat: number): Promise<ClusterRun> {
  const { options, repoRoot, outDir, logDir, cpus, pg, redis, priority } = ctx;
  const name = `${build === 'baseline' ? 'baseline.' : ''}${id}.${count}n.${repeat}`;
  const databaseUrl = await pg.createDatabase('bench_cluster');
  const profileDir = options.profile ? path.join(outDir, 'profiles') : null;
  const cluster = await startCluster(count, databaseUrl, redis.url, name, { serverDir, logDir, cpu: cpus?.server ?? null, nice: options.nice, profileDir });
  // PostgreSQL starts a backend per connection: each gets the bench's priority as it appears.
  const prioritize = (): void => priority.apply([pg.postmasterPid(), redis.pid, cluster.proxy.pid]);
  prioritize();
  const prioritizing = options.nice ? setInterval(prioritize, 250) : null;
  const run: ClusterRun = { build, workload: id, nodes: count, repeat, result: null, error: null };
  try {
    const first = cluster.nodes[0] as BenchNode;
    const proxied = id === 'proxied';
    const before = await Promise.all(cluster.nodes.map((n) => readBusCounts(n.url)));
    const result = await runGenerator({ timeoutMs: 180_000 + scenario.warmupMs }, { outDir, repoRoot, cpus, nice: options.nice }, name, {
      baseUrl: proxied ? cluster.proxy.httpUrl : first.url,
      ...(proxied ? {} : { memberBaseUrls: cluster.nodes.slice(0, 2).map((n) => n.url) }),
      protocol: 'y-websocket',
      serverPid: first.pid,
      nodePids: cluster.nodes.map((n) => n.pid),
      scenario,
      seed: 2000 + repeat,
      connectConcurrency: 64,
      memoryReportPath: '',
      resultPath: '',
    });
    if (result.kind !== 'traffic') throw new Error(`unexpected ${result.kind} result`);
    run.result = result;
    const after = await Promise.all(cluster.nodes.map((n) => readBusCounts(n.url)));
    run.bus = after.map((counts, i) => busCountsBetween(before[i] as BusCounts, counts));
  } catch (caught) {
    run.error = (caught as Error).message;
  } finally {
    if (prioritizing) clearInterval(prioritizing);
    await cluster.stop();
  }
  run.batching = await readBatching(databaseUrl).catch(() => undefined);
  if (profileDir) {
    const window = run.result?.windowClockUs;
    run.profiles = cluster.nodes.flatMap((node) => {
      const file = nodeProfile(node);
      return file ? [{ node: node.id, file: path.relative(repoRoot, file), ...summarizeProfile(file, 15, window) }] : [];
    });
  }
  process.stdout.write(`${name}: ${progress(run)}\n`);
  return run;
}

/** Every workload and node count of one repeat; with a baseline, each run next to this build's, in alternating order. */
async function runRepeat(ctx: RunContext, builds: Builds, repeat: number): Promise<ClusterRun[]> {
  const { options } = ctx;
  const order: ClusterBuild[] = repeat % 2 === 1 ? ['this', 'baseline'] : ['baseline', 'this'];
  const runs: ClusterRun[] = [];
  for (const count of options.nodes) {
    for (const id of options.workloads) {
      if (id === 'split' && count < 2) continue;
      const scenario = id === 'proxied' ? typing(options, options.rooms, 4) : typing(options, options.splitRooms, 2);
      for (const build of order) {
        const dir = builds[build];
        if (dir) runs.push(await runWorkload(ctx, build, dir, id, scenario, count, repeat));
      }
    }
  }
  return runs;
}

export async function runClusterBench(argv: string[], repoRoot: string): Promise<void> {
  const options = parseClusterOptions(argv, repoRoot);
  if (!options) return;
  const builds: Builds = { this: repoRoot, ...(options.baseline ? { baseline: options.baseline } : {}) };
  for (const dir of Object.values(builds)) buildServer(dir);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(repoRoot, 'bench', 'results', `${stamp}-cluster`);
  const logDir = path.join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const cpus = options.pin ? pinningPlan() : null;
  const started = Date.now();
  const [pg, redis] = await Promise.all([PgCluster.start(), RedisServer.start()]);
  const ctx: RunContext = { options, repoRoot, outDir, logDir, cpus, pg, redis, priority: new ProcessPriority(options.nice) };
  const runs: ClusterRun[] = [];
  try {
    for (let repeat = 1; repeat <= options.repeats; repeat += 1) runs.push(...(await runRepeat(ctx, builds, repeat)));
  } finally {
    await redis.destroy();
    await pg.destroy();
  }
  const markdown = renderClusterReport({
    date: new Date(started).toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine: describeMachine(repoRoot),
    baselineCommit: options.baseline ? gitCommit(options.baseline) : null,
    command: `npm run bench -- ${argv.join(' ')}`,
    cpus,
    nice: options.nice,
    quick: options.quick,
    rooms: options.rooms,
    splitRooms: options.splitRooms,
    warmupMs: options.warmupMs,
    windowMs: options.windowMs,
    repeats: options.repeats,
    runs,
  });
  writeFileSync(path.join(outDir, 'results.json'), JSON.stringify({ options, runs }, null, 2));
  writeFileSync(path.join(outDir, 'results.md'), `${markdown}\n`);
  if (options.markdown) writeClusterReport(options.markdown, markdown);
  process.stdout.write(`\n${markdown}\n\nresults: ${path.relative(repoRoot, outDir)}/results.json${options.markdown ? `, tables: ${path.relative(repoRoot, options.markdown)}` : ''}\n`);
}

function progress(run: ClusterRun): string {
  const r = run.result;
  if (!r) return `FAILED ${run.error ?? ''}`;
  const cpu = (r.nodes ?? []).map((n) => n.cpuShare.toFixed(3)).join('/');
  return `p50 ${r.edits.latencyMs.p50.toFixed(2)} ms, p99 ${r.edits.latencyMs.p99.toFixed(2)} ms, ${r.edits.sentPerSecond.toFixed(0)} edits/s, CPU per node ${cpu}, converged ${r.convergence.converged}/${r.convergence.rooms}${r.errors.count ? `, errors ${r.errors.count}` : ''}`;
}
