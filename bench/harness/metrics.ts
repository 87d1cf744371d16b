/**
 * The figures shown for each workload, read out of one run's result. Each table in
 * BENCHMARKS.md is these columns, one row per server, the median over repeats in each cell.
 */
import type { JoinResult, MemoryResult, ScenarioResult, TrafficResult, TrafficStep } from '../load/scenario.js';

export interface Metric {
  key: string;
  label: string;
  digits: number;
  better: 'lower' | 'higher';
  get(result: ScenarioResult): number | null;
}

const MB = 1024 * 1024;
const finite = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

function traffic<T>(read: (r: TrafficResult) => T): (r: ScenarioResult) => T | null {
  return (r) => (r.kind === 'traffic' ? read(r) : null);
}
function memory(read: (r: MemoryResult) => number): (r: ScenarioResult) => number | null {
  return (r) => (r.kind === 'memory' ? finite(read(r)) : null);
}
function join(read: (r: JoinResult) => number): (r: ScenarioResult) => number | null {
  return (r) => (r.kind === 'join' ? finite(read(r)) : null);
}
const t = (read: (r: TrafficResult) => number | null): Metric['get'] => (r) => finite(traffic(read)(r));

/** The highest step the server sustained; its delivered updates per second is the saturation. */
export function sustainedStep(r: TrafficResult): TrafficStep | null {
  let best: TrafficStep | null = null;
  for (const step of r.steps) if (step.verdict === 'ok') best = step;
  return best;
}

const m = (key: string, label: string, digits: number, better: Metric['better'], get: Metric['get']): Metric => ({ key, label, digits, better, get });

export const METRICS = {
  cpuPerEdit: m('cpuPerEdit', 'CPU/edit µs', 1, 'lower', t((r) => r.cpuPerEditUs)),
  cpuPerCursor: m('cpuPerCursor', 'CPU/cursor move µs', 1, 'lower', t((r) => r.cpuPerCursorUs)),
  cpuPerDelivery: m('cpuPerDelivery', 'CPU/delivery µs', 1, 'lower', t((r) => {
    const delivered = (r.edits.deliveredPerSecond + r.cursors.deliveredPerSecond) * (r.windowMs / 1000);
    return delivered > 0 ? (r.server.cpuSeconds / delivered) * 1e6 : null;
  })),
  editP50: m('editP50', 'p50 ms', 2, 'lower', t((r) => r.edits.latencyMs.p50)),
  editP95: m('editP95', 'p95 ms', 2, 'lower', t((r) => r.edits.latencyMs.p95)),
  editP99: m('editP99', 'p99 ms', 2, 'lower', t((r) => r.edits.latencyMs.p99)),
  cursorP50: m('cursorP50', 'cursor p50 ms', 2, 'lower', t((r) => r.cursors.latencyMs.p50)),
  cursorP95: m('cursorP95', 'cursor p95 ms', 2, 'lower', t((r) => r.cursors.latencyMs.p95)),
  cursorP99: m('cursorP99', 'cursor p99 ms', 2, 'lower', t((r) => r.cursors.latencyMs.p99)),
  editsDelivered: m('editsDelivered', 'updates delivered/s', 0, 'higher', t((r) => r.edits.deliveredPerSecond)),
  cursorsDelivered: m('cursorsDelivered', 'cursor moves delivered/s', 0, 'higher', t((r) => r.cursors.deliveredPerSecond)),
  editsSent: m('editsSent', 'edits sent/s', 0, 'higher', t((r) => r.edits.sentPerSecond)),
  missing: m('missing', 'undelivered', 0, 'lower', t((r) => r.edits.missing + r.cursors.missing)),
  serverCpu: m('serverCpu', 'server CPU %', 0, 'lower', t((r) => r.server.cpuShare * 100)),
  serverRss: m('serverRss', 'server RSS MB', 0, 'lower', t((r) => r.server.rssMeanBytes / MB)),
  syncP50: m('syncP50', 'join+sync p50 ms', 1, 'lower', t((r) => r.connect.syncMs.p50)),
  connectWall: m('connectWall', 'all connected s', 2, 'lower', (r) => (r.kind === 'join' ? null : finite(r.connect.wallMs / 1000))),
  generatorCpu: m('generatorCpu', 'generator CPU %', 0, 'lower', t((r) => r.generatorCpuShare * 100)),
  // Noise indicators: time the main threads were runnable but another process held the CPU.
  serverWait: m('serverWait', 'server waited for CPU %', 0, 'lower', t((r) => r.server.waitShare * 100)),
  generatorWait: m('generatorWait', 'generator waited for CPU %', 0, 'lower', t((r) => r.generatorWaitShare * 100)),
  errors: m('errors', 'errors', 0, 'lower', (r) => r.errors.count),
  unconverged: m('unconverged', 'rooms not converged', 0, 'lower', t((r) => (r.convergence.checked ? r.convergence.rooms - r.convergence.converged : null))),
  saturation: m('saturation', 'saturation updates/s', 0, 'higher', t((r) => sustainedStep(r)?.edits.deliveredPerSecond ?? 0)),
  saturationEdits: m('saturationEdits', 'edits/s at saturation', 0, 'higher', t((r) => sustainedStep(r)?.edits.sentPerSecond ?? 0)),
  saturationP99: m('saturationP99', 'p99 ms there', 2, 'lower', t((r) => sustainedStep(r)?.edits.latencyMs.p99 ?? null)),
  saturationCpu: m('saturationCpu', 'server CPU % there', 0, 'lower', t((r) => { const s = sustainedStep(r); return s ? s.server.cpuShare * 100 : null; })),
  perConnection: m('perConnection', 'RSS KiB/idle connection', 1, 'lower', memory((r) => r.bytesPerConnection / 1024)),
  perRoom: m('perRoom', 'RSS KiB/empty room', 1, 'lower', memory((r) => r.bytesPerRoom / 1024)),
  heapPerConnection: m('heapPerConnection', 'heap KiB/idle connection', 1, 'lower', memory((r) => r.heapBytesPerConnection / 1024)),
  heapPerRoom: m('heapPerRoom', 'heap KiB/empty room', 1, 'lower', memory((r) => r.heapBytesPerRoom / 1024)),
  cpuPerConnect: m('cpuPerConnect', 'CPU/connect µs', 0, 'lower', memory((r) => r.cpuPerConnectionUs)),
  rssFresh: m('rssFresh', 'RSS at start MB', 1, 'lower', memory((r) => r.readings.fresh.rssBytes / MB)),
  joinAll: m('joinAll', 'all synced ms', 0, 'lower', join((r) => r.allSyncedMs)),
  joinP50: m('joinP50', 'median joiner ms', 0, 'lower', join((r) => r.syncMs.p50)),
  joinOpen: m('joinOpen', 'median upgrade ms', 0, 'lower', join((r) => r.openMs.p50)),
  joinCpu: m('joinCpu', 'server CPU ms', 0, 'lower', join((r) => r.serverCpuSeconds * 1000)),
  joinBytes: m('joinBytes', 'doc MB', 2, 'lower', join((r) => r.docBytes / MB)),
  joinWrong: m('joinWrong', 'wrong docs', 0, 'lower', join((r) => (r.correct ? 0 : 1))),
} satisfies Record<string, Metric>;

/** Which columns each workload's table shows, headline first. */
const PACED = [METRICS.cpuPerEdit, METRICS.cpuPerDelivery, METRICS.editP50, METRICS.editP95, METRICS.editP99, METRICS.cursorP50, METRICS.cursorP99, METRICS.editsDelivered, METRICS.serverCpu, METRICS.serverRss, METRICS.missing, METRICS.errors, METRICS.unconverged, METRICS.serverWait, METRICS.generatorWait];

export const WORKLOAD_METRICS: Record<string, Metric[]> = {
  'paced-100x4': PACED,
  'paced-1x50': PACED,
  'rooms-100x4': [METRICS.cpuPerEdit, METRICS.cpuPerDelivery, METRICS.editP50, METRICS.editP95, METRICS.editP99, METRICS.editsDelivered, METRICS.serverCpu, METRICS.serverRss, METRICS.syncP50, METRICS.missing, METRICS.errors, METRICS.unconverged, METRICS.serverWait, METRICS.generatorWait],
  'typing-1x50': [METRICS.cpuPerEdit, METRICS.cpuPerDelivery, METRICS.editP50, METRICS.editP95, METRICS.editP99, METRICS.cursorP50, METRICS.cursorP99, METRICS.editsDelivered, METRICS.serverCpu, METRICS.serverRss, METRICS.missing, METRICS.errors, METRICS.unconverged, METRICS.serverWait, METRICS.generatorWait],
  'broadcast-1x500': [METRICS.cpuPerEdit, METRICS.cpuPerDelivery, METRICS.editP50, METRICS.editP95, METRICS.editP99, METRICS.editsDelivered, METRICS.serverCpu, METRICS.serverRss, METRICS.connectWall, METRICS.missing, METRICS.errors, METRICS.unconverged, METRICS.serverWait, METRICS.generatorWait],
  'cursors-200': [METRICS.cpuPerCursor, METRICS.cpuPerDelivery, METRICS.cursorP50, METRICS.cursorP95, METRICS.cursorP99, METRICS.cursorsDelivered, METRICS.serverCpu, METRICS.serverRss, METRICS.connectWall, METRICS.missing, METRICS.errors, METRICS.serverWait, METRICS.generatorWait],
  'idle-2000': [METRICS.perConnection, METRICS.perRoom, METRICS.heapPerConnection, METRICS.heapPerRoom, METRICS.cpuPerConnect, METRICS.rssFresh, METRICS.connectWall, METRICS.errors],
  'join-large': [METRICS.joinAll, METRICS.joinP50, METRICS.joinOpen, METRICS.joinCpu, METRICS.joinBytes, METRICS.joinWrong, METRICS.errors],
  'sweep-100x4': [METRICS.saturation, METRICS.saturationEdits, METRICS.saturationP99, METRICS.saturationCpu, METRICS.errors],
};
