/**
 * `npm run bench -- --cluster [--quick] [--nodes 1,2,3] [--repeats N] [--no-pin] [--nice=N] [--markdown PATH]`
 *
 * The same total load on 1, 2 and 3 nodes of a cluster (one PostgreSQL, one Redis) behind
 * deploy/haproxy.cfg, and one document's clients split over two nodes:
 * - `proxied`: R rooms × 4 people typing (2 edits/s each, a cursor move after every 5th edit),
 *   every client through HAProxy, so each room's clients share a node: latency from an edit to
 *   its arrival at the room's other clients, and each node's CPU over the window.
 * - `split` (2 nodes and more): rooms of 2 people, one on node 1 and one on node 2 (no proxy):
 *   every edit crosses the bus, committed first.
 * Each figure is the median over repeats. A full run writes its section of BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PgCluster } from '../../tests/helpers/pg-cluster.js';
import { RedisServer } from '../../tests/helpers/redis-server.js';
import { buildServer } from '../harness/build-server.js';
import { pinningPlan } from '../harness/cpu-set.js';
import { describeMachine } from '../harness/machine.js';
import { runGenerator } from '../harness/run-one.js';
import type { TrafficResult, TrafficScenario } from '../load/scenario.js';
import { startCluster } from './cluster-nodes.js';
import { renderClusterReport, writeClusterReport, type ClusterRun } from './cluster-report.js';

interface Options {
  quick: boolean;
  nodes: number[];
  repeats: number;
  pin: boolean;
  nice: number;
  markdown: string | null;
}

function parseOptions(argv: string[], repoRoot: string): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      cluster: { type: 'boolean', default: true },
      quick: { type: 'boolean', default: false },
      nodes: { type: 'string', default: '1,2,3' },
      repeats: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      nice: { type: 'string', default: '0' },
      markdown: { type: 'string' },
    },
    allowPositionals: false,
  });
  const nodes = values.nodes.split(',').map(Number);
  if (nodes.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) throw new Error('--nodes lists node counts from 1 to 8, e.g. 1,2,3');
  const repeats = values.repeats ? Number(values.repeats) : values.quick ? 1 : 3;
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats must be a positive whole number');
  const nice = Number(values.nice);
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new Error('--nice must be a whole number from -20 to 19');
  const complete = !values.quick && repeats >= 3 && values.nodes === '1,2,3';
  return { quick: values.quick, nodes, repeats, pin: !values['no-pin'], nice, markdown: values.markdown ?? (complete ? path.join(repoRoot, 'BENCHMARKS.md') : null) };
}

/** People typing, as in the single-server `paced-*` workloads. */
function typing(rooms: number, clientsPerRoom: number, quick: boolean): TrafficScenario {
  return {
    kind: 'traffic', rooms, clientsPerRoom, writersPerRoom: clientsPerRoom, editsPerSecondPerWriter: 2,
    cursorMovers: 'none', cursorsPerSecondPerMover: 0, presence: 'all', typists: { cursorEveryNthEdit: 5 },
    applyRemote: true, warmupMs: quick ? 1000 : 2000, windowMs: quick ? 5000 : 15_000, drainMs: 3000,
  };
}

export async function runClusterBench(argv: string[], repoRoot: string): Promise<void> {
  const options = parseOptions(argv, repoRoot);
  buildServer(repoRoot);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(repoRoot, 'bench', 'results', `${stamp}-cluster`);
  const logDir = path.join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const cpus = options.pin ? pinningPlan() : null;
  const rooms = options.quick ? 30 : 300;
  const splitRooms = options.quick ? 10 : 50;
  const started = Date.now();
  const [pg, redis] = await Promise.all([PgCluster.start(), RedisServer.start()]);
  const runs: ClusterRun[] = [];
  try {
    for (let repeat = 1; repeat <= options.repeats; repeat += 1) {
      for (const count of options.nodes) {
        const workloads = [
          { id: 'proxied' as const, scenario: typing(rooms, 4, options.quick) },
          ...(count >= 2 ? [{ id: 'split' as const, scenario: typing(splitRooms, 2, options.quick) }] : []),
        ];
        for (const workload of workloads) {
          const name = `${workload.id}.${count}n.${repeat}`;
          const cluster = await startCluster(count, await pg.createDatabase('bench_cluster'), redis.url, name, { repoRoot, logDir, cpu: cpus?.server ?? null, nice: options.nice });
          let result: TrafficResult | null = null;
          let error: string | null = null;
          try {
            const first = cluster.nodes[0] as { pid: number; url: string };
            const proxied = workload.id === 'proxied';
            const scenarioResult = await runGenerator({ timeoutMs: 180_000 }, { outDir, repoRoot, cpus, nice: options.nice }, name, {
              baseUrl: proxied ? cluster.proxy.httpUrl : first.url,
              ...(proxied ? {} : { memberBaseUrls: cluster.nodes.slice(0, 2).map((n) => n.url) }),
              protocol: 'y-websocket',
              serverPid: first.pid,
              nodePids: cluster.nodes.map((n) => n.pid),
              scenario: workload.scenario,
              seed: 2000 + repeat,
              connectConcurrency: 64,
              memoryReportPath: '',
              resultPath: '',
            });
            if (scenarioResult.kind !== 'traffic') throw new Error(`unexpected ${scenarioResult.kind} result`);
            result = scenarioResult;
          } catch (caught) {
            error = (caught as Error).message;
          } finally {
            await cluster.stop();
          }
          const run: ClusterRun = { workload: workload.id, nodes: count, repeat, result, error };
          runs.push(run);
          process.stdout.write(`${name}: ${progress(run)}\n`);
        }
      }
    }
  } finally {
    await redis.destroy();
    await pg.destroy();
  }
  const markdown = renderClusterReport({
    date: new Date(started).toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine: describeMachine(repoRoot),
    command: `npm run bench -- ${argv.join(' ')}`,
    cpus,
    quick: options.quick,
    rooms,
    splitRooms,
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
  const cpu = (r.nodes ?? []).map((n) => n.cpuShare.toFixed(2)).join('/');
  return `p50 ${r.edits.latencyMs.p50.toFixed(2)} ms, p99 ${r.edits.latencyMs.p99.toFixed(2)} ms, ${r.edits.sentPerSecond.toFixed(0)} edits/s, CPU per node ${cpu}, converged ${r.convergence.converged}/${r.convergence.rooms}${r.errors.count ? `, errors ${r.errors.count}` : ''}`;
}
