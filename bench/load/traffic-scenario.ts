/**
 * R rooms × C clients typing and moving cursors: latency from an edit to its arrival at every
 * other client, delivered updates per second, the server's CPU and memory over the measured
 * window, and whether every room converged. With a sweep plan, the same clients then run
 * successive windows at rising rates until the server's latency explodes or delivery falls
 * behind.
 */
import { ClientPool } from './client-pool.js';
import { readCpuSeconds, readSchedstat, RssWatcher } from './proc-sampler.js';
import { seededRandom } from './random.js';
import type { GeneratorJob, ServerUsage, SweepPlan, TrafficResult, TrafficScenario, TrafficStep } from './scenario.js';
import type { SimClient } from './sim-client.js';
import { TrafficDriver } from './traffic-driver.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** process.hrtime is CLOCK_MONOTONIC, shared by every process on the machine. */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Above this share of its core, the generator's own queues distort the latency it measures. */
const GENERATOR_BUSY = 0.85;

interface Window {
  open(): void;
  close(): void;
}

/** Measures the server and the generator itself over one window. */
interface Measured {
  server: ServerUsage;
  nodes: ServerUsage[];
  generatorCpuShare: number;
  generatorWaitShare: number;
  clockUs: { start: number; end: number };
}

async function measure(pid: number, windowMs: number, window: Window, nodePids: readonly number[] = []): Promise<Measured> {
  const rss = new RssWatcher(pid);
  const clockStart = monotonicUs();
  const cpu0 = readCpuSeconds(pid);
  const sched0 = readSchedstat(pid);
  const nodes0 = nodePids.map((p) => ({ cpu: readCpuSeconds(p), wait: readSchedstat(p).waitSeconds }));
  const self0 = readSchedstat('self');
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  rss.start();
  window.open();
  await sleep(windowMs);
  window.close();
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = readCpuSeconds(pid) - cpu0;
  const waitShare = (readSchedstat(pid).waitSeconds - sched0.waitSeconds) / seconds;
  const generatorWaitShare = (readSchedstat('self').waitSeconds - self0.waitSeconds) / seconds;
  const gen = process.cpuUsage(gen0);
  const memory = rss.stop();
  const nodes = nodePids.map((p, i): ServerUsage => {
    const used = readCpuSeconds(p) - (nodes0[i]?.cpu ?? 0);
    const waited = readSchedstat(p).waitSeconds - (nodes0[i]?.wait ?? 0);
    return { cpuSeconds: used, cpuShare: used / seconds, waitShare: waited / seconds, rssMeanBytes: 0, rssPeakBytes: 0 };
  });
  return {
    server: { cpuSeconds, cpuShare: cpuSeconds / seconds, waitShare, rssMeanBytes: memory.meanBytes, rssPeakBytes: memory.peakBytes },
    nodes,
    generatorCpuShare: (gen.user + gen.system) / 1e6 / seconds,
    generatorWaitShare,
    clockUs: { start: clockStart, end: monotonicUs() },
  };
}

export async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function roomsConverged(rooms: readonly SimClient[][]): number {
  let converged = 0;
  for (const members of rooms) {
    const first = members[0]?.text.toString();
    if (members.every((c) => c.text.toString() === first)) converged += 1;
  }
  return converged;
}

export async function runTraffic(job: GeneratorJob, scenario: TrafficScenario): Promise<TrafficResult> {
  const pool = new ClientPool({ baseUrl: job.baseUrl, protocol: job.protocol, connectConcurrency: job.connectConcurrency, connectTimeoutMs: 30_000 });
  const random = seededRandom(job.seed);
  const rooms: SimClient[][] = [];
  for (let r = 0; r < scenario.rooms; r += 1) {
    const members: SimClient[] = [];
    for (let c = 0; c < scenario.clientsPerRoom; c += 1) {
      const writer = c < scenario.writersPerRoom;
      const presence = scenario.presence === 'all' || (scenario.presence === 'writers' && writer);
      const baseUrl = job.memberBaseUrls?.[c % job.memberBaseUrls.length];
      members.push(pool.create(`bench-${job.seed}-room-${r}`, { applyRemote: scenario.applyRemote, presence, ...(baseUrl ? { baseUrl } : {}) }));
    }
    rooms.push(members);
  }
  const connect = await pool.connect(rooms.flat());
  // Let the presence exchange of the joins settle before anything is measured.
  await sleep(300);

  const writers = rooms.flatMap((m) => m.slice(0, scenario.writersPerRoom));
  const movers = scenario.cursorMovers === 'all' ? rooms.flat() : scenario.cursorMovers === 'writers' ? writers : [];
  const { edits, cursors } = pool.arrivals;
  const driver = new TrafficDriver(random, () => scenario.clientsPerRoom - 1);
  if (scenario.typists) driver.addTypists(writers, scenario.editsPerSecondPerWriter, scenario.typists.cursorEveryNthEdit, edits, cursors);
  else driver.addEdits(writers, writers.length * scenario.editsPerSecondPerWriter, edits);
  driver.addCursors(movers, movers.length * scenario.cursorsPerSecondPerMover, cursors);
  driver.start();
  await sleep(scenario.warmupMs);

  const measured = await measure(job.serverPid, scenario.windowMs, {
    open: () => {
      const now = performance.now();
      edits.openWindow(now);
      cursors.openWindow(now);
    },
    close: () => {
      const now = performance.now();
      edits.closeWindow(now);
      cursors.closeWindow(now);
    },
  }, job.nodePids);
  driver.stop();
  await until(() => edits.pendingWindowIds === 0 && cursors.pendingWindowIds === 0, scenario.drainMs);
  const editResult = edits.stats();
  const cursorResult = cursors.stats();
  const steps = scenario.sweep ? await sweep(job, scenario.sweep, scenario.clientsPerRoom, writers.length, driver, pool) : [];

  let converged = 0;
  if (scenario.applyRemote) {
    await until(() => roomsConverged(rooms) === rooms.length, 3000);
    converged = roomsConverged(rooms);
  }
  pool.closeAll();
  return {
    kind: 'traffic',
    connect,
    windowMs: scenario.windowMs,
    windowClockUs: measured.clockUs,
    edits: editResult,
    cursors: cursorResult,
    server: measured.server,
    ...(job.nodePids ? { nodes: measured.nodes } : {}),
    cpuPerEditUs: editResult.sent > 0 ? (measured.server.cpuSeconds / editResult.sent) * 1e6 : null,
    cpuPerCursorUs: cursorResult.sent > 0 ? (measured.server.cpuSeconds / cursorResult.sent) * 1e6 : null,
    generatorCpuShare: measured.generatorCpuShare,
    generatorWaitShare: measured.generatorWaitShare,
    convergence: { checked: scenario.applyRemote, rooms: rooms.length, converged },
    steps,
    errors: pool.arrivals.errors.summary(),
  };
}

/**
 * Successive windows at rising rates; stops at the first rate the server does not sustain:
 * fewer than `minDeliveredShare` of the expected deliveries arrive within the window, or the
 * median latency climbs past max(`maxP50Ms`, 10 × the first step's) — queues growing. A step
 * the generator could not drive (it sent too little, or its core was nearly full) ends the sweep
 * as generator-bound: the server's saturation lies beyond what this machine can show. A step
 * disturbed by other processes on the machine is redone, at most twice.
 */
async function sweep(
  job: GeneratorJob,
  plan: SweepPlan,
  clientsPerRoom: number,
  writers: number,
  driver: TrafficDriver,
  pool: ClientPool,
): Promise<TrafficStep[]> {
  const steps: TrafficStep[] = [];
  let baseP50 = NaN;
  for (const perWriter of plan.editsPerSecondPerWriter) {
    const target = perWriter * writers;
    let step = await sweepStep(job, plan, target, clientsPerRoom, driver, pool, baseP50);
    for (let attempt = 2; attempt <= 3 && step.verdict !== 'ok' && Math.max(step.server.waitShare, step.generatorWaitShare) > plan.noisyWaitShare; attempt += 1) {
      await sleep(500);
      step = { ...(await sweepStep(job, plan, target, clientsPerRoom, driver, pool, baseP50)), attempts: attempt };
    }
    if (Number.isNaN(baseP50)) baseP50 = step.edits.latencyMs.p50;
    steps.push(step);
    if (step.verdict !== 'ok') break;
    // Let queues empty before the next, higher rate.
    await sleep(200);
  }
  return steps;
}

async function sweepStep(
  job: GeneratorJob,
  plan: SweepPlan,
  target: number,
  clientsPerRoom: number,
  driver: TrafficDriver,
  pool: ClientPool,
  baseP50: number,
): Promise<TrafficStep> {
  const { edits } = pool.arrivals;
  edits.forgetOutstanding();
  driver.setEditRate(target);
  driver.start();
  await sleep(plan.stepWarmupMs);
  const measured = await measure(job.serverPid, plan.stepWindowMs, {
    open: () => edits.openWindow(performance.now()),
    close: () => edits.closeWindow(performance.now()),
  });
  driver.stop();
  await until(() => edits.pendingWindowIds === 0, plan.stepDrainMs);
  const stats = edits.stats();
  const expectedPerSecond = stats.sentPerSecond * (clientsPerRoom - 1);
  const p50Limit = Math.max(plan.maxP50Ms, 10 * (Number.isNaN(baseP50) ? 0 : baseP50));
  let verdict: TrafficStep['verdict'] = 'ok';
  // A generator short of CPU delays what it receives too: then nothing says the server gave up.
  if (stats.sentPerSecond < 0.95 * target || measured.generatorCpuShare > GENERATOR_BUSY) verdict = 'generator-bound';
  else if (stats.deliveredPerSecond < plan.minDeliveredShare * expectedPerSecond) verdict = 'behind';
  else if (stats.latencyMs.p50 > p50Limit) verdict = 'latency';
  return {
    editsPerSecondTarget: target,
    edits: stats,
    server: measured.server,
    generatorCpuShare: measured.generatorCpuShare,
    generatorWaitShare: measured.generatorWaitShare,
    attempts: 1,
    verdict,
  };
}
