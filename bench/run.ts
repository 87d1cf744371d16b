/**
 * `npm run bench [-- options]`: Tandem against its peers, side by side, same workloads, same
 * machine. Servers are interleaved (the order rotates every repeat) so slow drifts of a shared
 * machine spread over all of them; each figure is the median over repeats.
 *
 *   --quick                 smaller workloads, 1 repeat, about a minute and a half
 *   --workloads a,b         only these workloads (ids below)
 *   --servers x,y           only these servers
 *   --repeats N             repeats per workload and server (default 3; 1 with --quick)
 *   --profile               write a --cpu-prof profile of every server run (summary: the window)
 *   --no-pin                do not pin the server and the generator to separate CPUs
 *   --nice=N                run server and generator at this nice value (e.g. --nice=-10 on a machine
 *                           busy with other work: they are then scheduled ahead of it)
 *   --markdown PATH         write the tables there (default: BENCHMARKS.md for a full run)
 *   --cluster               the cluster mode instead: 1, 2 and 3 nodes behind HAProxy (bench/cluster/;
 *                           `--cluster --help` lists its own options)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchDatabase } from './harness/bench-database.js';
import { buildServer } from './harness/build-server.js';
import { pinningPlan } from './harness/cpu-set.js';
import { describeMachine } from './harness/machine.js';
import { summarizeProfile } from './harness/profile-summary.js';
import { collectValues, renderReport, writeReport, type ReportInput } from './harness/report.js';
import { runOne, type RunRecord, type RunSettings } from './harness/run-one.js';
import { EXTRA_SERVER_IDS, SERVER_IDS, SERVER_KINDS, isServerId, type ServerId } from './harness/server-kinds.js';
import { checkTargets, checkTypingTargets } from './harness/summary.js';
import { WORKLOADS, findWorkload, type Workload } from './harness/workloads.js';
import { WORKLOAD_METRICS } from './harness/metrics.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseOptions(): { workloads: Workload[]; servers: ServerId[]; repeats: number; quick: boolean; profile: boolean; pin: boolean; nice: number; markdown: string | null } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      workloads: { type: 'string' },
      servers: { type: 'string' },
      repeats: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      nice: { type: 'string', default: '0' },
      markdown: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`workloads: ${WORKLOADS.map((w) => w.id).join(', ')}\nservers: ${SERVER_IDS.join(', ')} (and for diagnosis: ${EXTRA_SERVER_IDS.join(', ')})\n`);
    process.exit(0);
  }
  const workloads = values.workloads
    ? values.workloads.split(',').map((id) => {
        const found = findWorkload(id.trim());
        if (!found) throw new Error(`unknown workload "${id}" (known: ${WORKLOADS.map((w) => w.id).join(', ')})`);
        return found;
      })
    : WORKLOADS;
  const servers = values.servers
    ? values.servers.split(',').map((id) => {
        const trimmed = id.trim();
        if (!isServerId(trimmed)) throw new Error(`unknown server "${id}" (known: ${[...SERVER_IDS, ...EXTRA_SERVER_IDS].join(', ')})`);
        return trimmed;
      })
    : [...SERVER_IDS];
  const nice = Number(values.nice);
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new Error('--nice must be a whole number from -20 to 19');
  const repeats = values.repeats ? Number(values.repeats) : values.quick ? 1 : 3;
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats must be a positive whole number');
  // Only a full, unfiltered run replaces the published tables unless a path is given.
  const complete = !values.quick && !values.workloads && !values.servers && repeats >= 3;
  const markdown = values.markdown ?? (complete ? path.join(repoRoot, 'BENCHMARKS.md') : null);
  return { workloads, servers, repeats, quick: values.quick, profile: values.profile, pin: !values['no-pin'], nice, markdown };
}

const NOISY_WAIT_SHARE = 0.25;
const MAX_NOISY_RETRIES = 2;

/** The larger share of the window that server or generator spent waiting for a CPU. */
function contention(record: RunRecord): number {
  const r = record.result;
  // A sweep redoes its own disturbed steps.
  if (r?.kind !== 'traffic' || r.steps.length > 0) return 0;
  return Math.max(r.server.waitShare, r.generatorWaitShare);
}

function progressLine(record: RunRecord): string {
  const head = `${record.workload} ${record.server} #${record.repeat} ${(record.durationMs / 1000).toFixed(1)} s`;
  if (!record.result) return `${head}: FAILED ${record.error ?? ''}`;
  const shown = (WORKLOAD_METRICS[record.workload] ?? []).slice(0, 4).map((m) => {
    const v = record.result ? m.get(record.result) : null;
    return `${m.label} ${v === null ? '—' : v.toFixed(m.digits)}`;
  });
  const errors = record.result.errors.count ? ` errors ${record.result.errors.count}` : '';
  const batching = record.batching ? `, ${record.batching.records} records in ${record.batching.commits} commits` : '';
  return `${head}: ${shown.join(', ')}${errors}${batching}`;
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.servers.some((id) => !SERVER_KINDS[id].typescript)) buildServer(repoRoot);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(repoRoot, 'bench', 'results', stamp);
  mkdirSync(outDir, { recursive: true });
  const cpus = options.pin ? pinningPlan() : null;
  const settings: RunSettings = {
    repoRoot,
    outDir,
    quick: options.quick,
    cpus,
    nice: options.nice,
    profileDir: options.profile ? path.join(outDir, 'profiles') : null,
    database: new BenchDatabase(options.nice),
  };
  const plan: Array<{ workload: Workload; server: ServerId; repeat: number }> = [];
  for (const workload of options.workloads) {
    const servers = options.servers.filter((s) => !workload.excludes?.includes(s));
    for (let repeat = 1; repeat <= options.repeats; repeat += 1) {
      // Rotate the order every repeat, so no server always runs first (or right after another).
      const shift = (repeat - 1) % servers.length;
      for (const server of [...servers.slice(shift), ...servers.slice(0, shift)]) plan.push({ workload, server, repeat });
    }
  }
  const started = Date.now();
  const runs: RunRecord[] = [];
  for (const [i, step] of plan.entries()) {
    let record = await runOne(step.workload, step.server, step.repeat, settings);
    // A run during which another process held the server's or the generator's CPU measured
    // the neighbours: run it again (at most twice), and keep the quietest attempt.
    for (let retry = 1; retry <= MAX_NOISY_RETRIES && contention(record) > NOISY_WAIT_SHARE; retry += 1) {
      process.stdout.write(`[${i + 1}/${plan.length}] ${progressLine(record)} — waited ${(contention(record) * 100).toFixed(0)}% for a CPU, again\n`);
      const again = await runOne(step.workload, step.server, step.repeat, settings);
      again.attempts = record.attempts + 1;
      record = contention(again) <= contention(record) ? again : { ...record, attempts: again.attempts };
    }
    runs.push(record);
    process.stdout.write(`[${i + 1}/${plan.length}] ${progressLine(record)}\n`);
  }
  await settings.database.destroy();
  const profiles = runs.flatMap((r) => {
    if (!r.profile) return [];
    const window = r.result?.kind === 'traffic' ? r.result.windowClockUs : undefined;
    return [{ run: `${r.workload}.${r.server}.${r.repeat}`, file: path.relative(repoRoot, r.profile), ...summarizeProfile(r.profile, 15, window) }];
  });
  const argv = process.argv.slice(2);
  const input: ReportInput = {
    date: new Date(started).toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine: describeMachine(repoRoot),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    quick: options.quick,
    repeats: options.repeats,
    cpus,
    nice: options.nice,
    servers: options.servers,
    workloads: options.workloads,
    runs,
    durationMs: Date.now() - started,
  };
  const markdown = renderReport(input);
  const json = { ...input, workloads: input.workloads.map((w) => w.id), targets: [...checkTypingTargets(runs), ...checkTargets(runs)], values: collectValues(input), profiles };
  writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(json, null, 2));
  writeFileSync(path.join(outDir, 'results.md'), `${markdown}\n`);
  if (options.markdown) writeReport(options.markdown, markdown);
  process.stdout.write(`\n${markdown}\n\nresults: ${path.relative(repoRoot, outDir)}/results.json${options.markdown ? `, tables: ${path.relative(repoRoot, options.markdown)}` : ''}\n`);
  for (const profile of profiles) {
    process.stdout.write(`\nprofile ${profile.file}: ${profile.totalMs.toFixed(0)} ms busy in the window; by package: ${profile.byPackage.slice(0, 6).map((p) => `${p.name} ${p.selfPercent.toFixed(0)}%`).join(', ')}; top self time:\n`);
    for (const frame of profile.top) process.stdout.write(`  ${frame.selfPercent.toFixed(1).padStart(5)}%  ${frame.name}  ${frame.location}\n`);
  }
}

const argv = process.argv.slice(2);
const mode = argv.includes('--cluster') ? import('./cluster/cluster-run.js').then((cluster) => cluster.runClusterBench(argv, repoRoot)) : main();
mode.catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
