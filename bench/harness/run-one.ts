/**
 * One measurement: start a fresh server pinned to one core, run the load generator pinned to
 * the other, collect its result, stop the server. Nothing survives from one run to the next
 * (fresh process, fresh data directory).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GeneratorJob, ScenarioResult } from '../load/scenario.js';
import { NodeChild } from './child-process.js';
import type { BenchDatabase, Batching } from './bench-database.js';
import { SERVER_KINDS, type ServerId } from './server-kinds.js';
import type { Workload } from './workloads.js';

export interface RunRecord {
  workload: string;
  server: ServerId;
  repeat: number;
  startedAt: string;
  durationMs: number;
  result: ScenarioResult | null;
  error: string | null;
  serverExit: string;
  profile: string | null;
  /** How many times the run was made (noisy runs are repeated). */
  attempts: number;
  /** PostgreSQL runs: records stored and the transactions that stored them. */
  batching?: Batching;
}

export interface RunSettings {
  repoRoot: string;
  outDir: string;
  quick: boolean;
  /** CPUs for server and generator, or null to leave scheduling to the kernel. */
  cpus: { server: number; generator: number } | null;
  /** Nice value for server and generator (negative: ahead of the machine's other work). */
  nice: number;
  /** Directory for `--cpu-prof` output of every server, or null. */
  profileDir: string | null;
  /** Databases for the PostgreSQL server kind. */
  database: BenchDatabase;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runOne(workload: Workload, serverId: ServerId, repeat: number, settings: RunSettings): Promise<RunRecord> {
  const kind = SERVER_KINDS[serverId];
  const name = `${workload.id}.${serverId}.${repeat}`;
  const logDir = path.join(settings.outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const started = Date.now();
  const dataDir = kind.usesDataDir ? mkdtempSync(path.join(kind.dataDirParent ?? tmpdir(), 'tandem-bench-')) : '';
  const databaseUrl = kind.usesDatabase ? await settings.database.create() : '';
  const profiling = settings.profileDir !== null;
  // One directory per run: Node writes a profile per thread (tsx's loader runs in its own).
  const profileDir = profiling && settings.profileDir ? path.join(settings.profileDir, name) : null;
  // A run made again (the machine was busy) replaces the profile of the attempt before it.
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  const nodeArgs = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    '--expose-gc',
    ...(kind.typescript ? ['--import', 'tsx'] : []),
    '--import', './bench/peers/gc-probe.mjs',
    ...kind.args(dataDir, databaseUrl),
  ];
  const memoryReportPath = path.join(settings.outDir, 'jobs', `${name}.memory.json`);
  mkdirSync(path.dirname(memoryReportPath), { recursive: true });
  const server = NodeChild.spawn({
    nodeArgs,
    cwd: settings.repoRoot,
    cpu: settings.cpus?.server ?? null,
    nice: settings.nice,
    logPath: path.join(logDir, `${name}.server.log`),
    env: { ...process.env, TANDEM_BENCH_MEMORY_REPORT: memoryReportPath },
  });
  let result: ScenarioResult | null = null;
  let error: string | null = null;
  // The database's backends are started as the server connects: each gets the bench's priority.
  const prioritizing = databaseUrl && settings.nice ? setInterval(() => settings.database.prioritize(), 250) : null;
  try {
    const url = (await server.waitFor(kind.ready, 30_000))[1];
    if (!url) throw new Error('server printed no URL');
    await sleep(300);
    result = await runGenerator(workload, settings, name, {
      baseUrl: url,
      protocol: kind.protocol,
      serverPid: server.pid,
      scenario: workload.scenario(settings.quick),
      seed: 1000 + repeat,
      connectConcurrency: 64,
      memoryReportPath,
      resultPath: '',
    });
  } catch (caught) {
    error = (caught as Error).message;
  } finally {
    if (prioritizing) clearInterval(prioritizing);
  }
  const exit = await server.stop(15_000);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  const batching = databaseUrl ? await settings.database.batching(databaseUrl).catch(() => undefined) : undefined;
  return {
    ...(batching ? { batching } : {}),
    workload: workload.id,
    server: serverId,
    repeat,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    result,
    error,
    serverExit: exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`,
    profile: profileDir ? mainThreadProfile(profileDir) : null,
    attempts: 1,
  };
}

/** Node names profiles `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`; the main thread is 0. */
function mainThreadProfile(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const main = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  return main ? path.join(dir, main) : null;
}

/** Runs the load generator (pinned to its CPU) on `job`; rejects when it fails or times out. */
export async function runGenerator(workload: Pick<Workload, 'timeoutMs'>, settings: Pick<RunSettings, 'outDir' | 'repoRoot' | 'cpus' | 'nice'>, name: string, job: GeneratorJob): Promise<ScenarioResult> {
  const jobDir = path.join(settings.outDir, 'jobs');
  mkdirSync(jobDir, { recursive: true });
  const jobPath = path.join(jobDir, `${name}.job.json`);
  const resultPath = path.join(jobDir, `${name}.result.json`);
  rmSync(resultPath, { force: true });
  writeFileSync(jobPath, JSON.stringify({ ...job, resultPath }, null, 2));
  const generator = NodeChild.spawn({
    nodeArgs: ['--import', 'tsx', 'bench/load/generator.ts', jobPath],
    cwd: settings.repoRoot,
    cpu: settings.cpus?.generator ?? null,
    nice: settings.nice,
    logPath: path.join(settings.outDir, 'logs', `${name}.generator.log`),
  });
  const timer = setTimeout(() => void generator.stop(2000), workload.timeoutMs);
  const exit = await generator.exited;
  clearTimeout(timer);
  await generator.stop(0);
  if (exit.code !== 0) {
    throw new Error(`generator ${exit.signal ? `killed (${exit.signal}, timeout ${workload.timeoutMs} ms?)` : `exited ${String(exit.code)}`}: ${generator.stderr.trim().slice(-600)}`);
  }
  return JSON.parse(readFileSync(resultPath, 'utf8')) as ScenarioResult;
}
