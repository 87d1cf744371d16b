/**
 * Resident memory per idle connection and per loaded empty room, by differences so the
 * server's fixed costs drop out:
 *
 *   per connection = (RSS with N in one room − RSS with the warm-up W in it) / (N − W)
 *   per room       = (RSS after adding K one-client rooms − RSS before) / K − per connection
 *
 * Idle clients sync and publish no presence, so nothing is broadcast while they join.
 * RSS includes garbage the server has not collected yet; every server is measured the same way.
 */
import { ClientPool } from './client-pool.js';
import { readCpuSeconds, readRssBytes } from './proc-sampler.js';
import type { ConnectStats, GeneratorJob, MemoryResult, MemoryScenario } from './scenario.js';
import type { SimClient } from './sim-client.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The median of a few RSS readings over the end of the settle period. */
async function settledRss(pid: number, settleMs: number): Promise<number> {
  await sleep(settleMs / 2);
  const readings: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    readings.push(readRssBytes(pid));
    await sleep(settleMs / 10);
  }
  readings.sort((a, b) => a - b);
  return readings[2] ?? NaN;
}

export async function runMemory(job: GeneratorJob, scenario: MemoryScenario): Promise<MemoryResult> {
  const pool = new ClientPool({ baseUrl: job.baseUrl, protocol: job.protocol, connectConcurrency: job.connectConcurrency, connectTimeoutMs: 60_000 });
  const idle = { applyRemote: true, presence: false };
  const room = `bench-${job.seed}-idle`;
  const make = (count: number, name: (i: number) => string): SimClient[] =>
    Array.from({ length: count }, (_, i) => pool.create(name(i), idle));

  const fresh = await settledRss(job.serverPid, scenario.settleMs);
  await pool.connect(make(scenario.warmConnections, () => room));
  const warm = await settledRss(job.serverPid, scenario.settleMs);

  const cpu0 = readCpuSeconds(job.serverPid);
  const joined = make(scenario.roomConnections - scenario.warmConnections, () => room);
  const connect: ConnectStats = await pool.connect(joined);
  const cpuPerConnectionUs = ((readCpuSeconds(job.serverPid) - cpu0) / joined.length) * 1e6;
  const inRoom = await settledRss(job.serverPid, scenario.settleMs);

  await pool.connect(make(scenario.singleRooms, (i) => `bench-${job.seed}-solo-${i}`));
  const inRooms = await settledRss(job.serverPid, scenario.settleMs);
  pool.closeAll();

  const bytesPerConnection = (inRoom - warm) / joined.length;
  return {
    kind: 'memory',
    connect,
    rssBytes: { fresh, warm, room: inRoom, rooms: inRooms },
    bytesPerConnection,
    bytesPerRoom: (inRooms - inRoom) / scenario.singleRooms - bytesPerConnection,
    cpuPerConnectionUs,
    errors: pool.arrivals.errors.summary(),
  };
}
