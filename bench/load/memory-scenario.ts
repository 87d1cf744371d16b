/**
 * Resident memory per idle connection and per loaded empty room, by differences so the
 * server's fixed costs drop out:
 *
 *   per connection = (memory with N in one room − memory with the warm-up W in it) / (N − W)
 *   per room       = (memory after adding K one-client rooms − memory before) / K − per connection
 *
 * Each reading follows a full garbage collection in the server (bench/peers/gc-probe.mjs) and
 * is taken both as RSS and as V8 heap (used + external). Idle clients sync and publish no
 * presence, so nothing is broadcast while they join.
 *
 * Before the warm reading, as many clients as the measured room will hold connect to another
 * room and stay. V8 grows its young generation while a server allocates fast (up to a cap,
 * 32 MiB on this Node) and keeps those pages resident, so without that storm the nursery's
 * growth would be counted as memory per connection: a one-off cost every running server has
 * already paid, and that different servers pay at different moments (one in the first 2,000
 * connections, another only while the 1,000 rooms load). The storm's clients stay, so the
 * measured clients cannot reuse memory the storm's would have freed.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { ClientPool } from './client-pool.js';
import { readCpuSeconds, readRssBytes } from './proc-sampler.js';
import type { ConnectStats, GeneratorJob, MemoryReading, MemoryResult, MemoryScenario } from './scenario.js';
import type { SimClient } from './sim-client.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ProbeReport {
  heapUsed: number;
  external: number;
}

/** Asks the server to collect garbage and report, then reads RSS once it has settled. */
async function settledMemory(job: GeneratorJob, settleMs: number): Promise<MemoryReading> {
  await sleep(settleMs / 2);
  rmSync(job.memoryReportPath, { force: true });
  process.kill(job.serverPid, 'SIGUSR2');
  const deadline = performance.now() + 10_000;
  while (!existsSync(job.memoryReportPath)) {
    if (performance.now() > deadline) throw new Error('the server did not answer the memory probe (SIGUSR2)');
    await sleep(20);
  }
  const report = JSON.parse(readFileSync(job.memoryReportPath, 'utf8')) as ProbeReport;
  await sleep(settleMs / 2);
  const readings: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    readings.push(readRssBytes(job.serverPid));
    await sleep(50);
  }
  readings.sort((a, b) => a - b);
  return { rssBytes: readings[2] ?? NaN, heapBytes: report.heapUsed + report.external };
}

export async function runMemory(job: GeneratorJob, scenario: MemoryScenario): Promise<MemoryResult> {
  const pool = new ClientPool({ baseUrl: job.baseUrl, protocol: job.protocol, connectConcurrency: job.connectConcurrency, connectTimeoutMs: 60_000 });
  const idle = { applyRemote: true, presence: false };
  const room = `bench-${job.seed}-idle`;
  const make = (count: number, name: (i: number) => string): SimClient[] =>
    Array.from({ length: count }, (_, i) => pool.create(name(i), idle));

  const fresh = await settledMemory(job, scenario.settleMs);
  const storm = make(scenario.roomConnections, () => `${room}-storm`);
  await pool.connect(storm);
  await pool.connect(make(scenario.warmConnections, () => room));
  const warm = await settledMemory(job, scenario.settleMs);

  const cpu0 = readCpuSeconds(job.serverPid);
  const joined = make(scenario.roomConnections - scenario.warmConnections, () => room);
  const connect: ConnectStats = await pool.connect(joined);
  const cpuPerConnectionUs = ((readCpuSeconds(job.serverPid) - cpu0) / joined.length) * 1e6;
  const inRoom = await settledMemory(job, scenario.settleMs);

  await pool.connect(make(scenario.singleRooms, (i) => `bench-${job.seed}-solo-${i}`));
  const inRooms = await settledMemory(job, scenario.settleMs);
  pool.closeAll();

  const per = (key: keyof MemoryReading) => {
    const connection = (inRoom[key] - warm[key]) / joined.length;
    return { connection, room: (inRooms[key] - inRoom[key]) / scenario.singleRooms - connection };
  };
  const rss = per('rssBytes');
  const heap = per('heapBytes');
  return {
    kind: 'memory',
    connect,
    readings: { fresh, warm, room: inRoom, rooms: inRooms },
    bytesPerConnection: rss.connection,
    bytesPerRoom: rss.room,
    heapBytesPerConnection: heap.connection,
    heapBytesPerRoom: heap.room,
    cpuPerConnectionUs,
    errors: pool.arrivals.errors.summary(),
  };
}
