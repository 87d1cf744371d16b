/**
 * R rooms × C clients typing and moving cursors: latency from an edit to its arrival at every
 * other client, delivered updates per second, the server's CPU and memory over the measured
 * window, and whether every room converged. With a sweep plan, the same clients then run
 * successive windows at rising rates until the server's latency explodes or delivery falls
 * behind.
 */
import { ClientPool } from './client-pool.js';
import { readCpuSeconds, RssWatcher } from './proc-sampler.js';
import { seededRandom } from './random.js';
import type { GeneratorJob, ServerUsage, SweepPlan, TrafficResult, TrafficScenario, TrafficStep } from './scenario.js';
import type { SimClient } from './sim-client.js';
import { TrafficDriver } from './traffic-driver.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** process.hrtime is CLOCK_MONOTONIC, shared by every process on the machine. */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

interface Window {
  open(): void;
  close(): void;
}

/** Measures the server and the generator itself over one window. */
async function measure(pid: number, windowMs: number, window: Window): Promise<{ server: ServerUsage; generatorCpuShare: number; clockUs: { start: number; end: number } }> {
  const rss = new RssWatcher(pid);
  const clockStart = monotonicUs();
  const cpu0 = readCpuSeconds(pid);
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  rss.start();
  window.open();
  await sleep(windowMs);
  window.close();
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = readCpuSeconds(pid) - cpu0;
  const gen = process.cpuUsage(gen0);
  const memory = rss.stop();
  return {
    server: { cpuSeconds, cpuShare: cpuSeconds / seconds, rssMeanBytes: memory.meanBytes, rssPeakBytes: memory.peakBytes },
    generatorCpuShare: (gen.user + gen.system) / 1e6 / seconds,
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
      members.push(pool.create(`bench-${job.seed}-room-${r}`, { applyRemote: scenario.applyRemote, presence }));
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
  driver.addEdits(writers, writers.length * scenario.editsPerSecondPerWriter, edits);
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
  });
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
    cpuPerEditUs: editResult.sent > 0 ? (measured.server.cpuSeconds / editResult.sent) * 1e6 : null,
    cpuPerCursorUs: cursorResult.sent > 0 ? (measured.server.cpuSeconds / cursorResult.sent) * 1e6 : null,
    generatorCpuShare: measured.generatorCpuShare,
    convergence: { checked: scenario.applyRemote, rooms: rooms.length, converged },
    steps,
    errors: pool.arrivals.errors.summary(),
  };
}

/** Successive windows at rising rates; stops at the first step the server does not sustain. */
async function sweep(
  job: GeneratorJob,
  plan: SweepPlan,
  clientsPerRoom: number,
  writers: number,
  driver: TrafficDriver,
  pool: ClientPool,
): Promise<TrafficStep[]> {
  const { edits } = pool.arrivals;
  const steps: TrafficStep[] = [];
  let baseP99 = NaN;
  for (const perWriter of plan.editsPerSecondPerWriter) {
    const target = perWriter * writers;
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
    if (Number.isNaN(baseP99)) baseP99 = stats.latencyMs.p99;
    const expectedPerSecond = stats.sentPerSecond * (clientsPerRoom - 1);
    let verdict: TrafficStep['verdict'] = 'ok';
    if (stats.deliveredPerSecond < plan.minDeliveredShare * expectedPerSecond) verdict = 'behind';
    else if (stats.latencyMs.p99 > Math.max(plan.maxP99Ms, 10 * baseP99)) verdict = 'latency';
    else if (stats.sentPerSecond < 0.95 * target || measured.generatorCpuShare > 0.95) verdict = 'generator-bound';
    steps.push({ editsPerSecondTarget: target, edits: stats, server: measured.server, generatorCpuShare: measured.generatorCpuShare, verdict });
    if (verdict !== 'ok') break;
    // Let queues empty before the next, higher rate.
    await sleep(200);
  }
  return steps;
}
