/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and ranks functions by self time, and
 * groups self time by package, to say where a server spends its CPU.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileFrame {
  name: string;
  location: string;
  selfPercent: number;
}

export interface ProfileSummary {
  /** Busy (non-idle) time sampled. */
  totalMs: number;
  top: ProfileFrame[];
  /** Self time by package (yjs, ws, lib0, node internals, tandem sources…), in percent. */
  byPackage: Array<{ name: string; selfPercent: number }>;
  /** Project functions (not dependencies) by total time, callees included, in percent. */
  ownInclusive: Array<{ name: string; location: string; totalPercent: number }>;
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) return nm[1];
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/(sync-server|persistence|bin|bench)\//.exec(url);
  return own?.[1] ? `tandem ${own[1]}` : url;
}

/**
 * `window` (CLOCK_MONOTONIC µs, the profile's own clock) keeps only the samples taken inside it,
 * so start-up and shutdown do not blur the steady state.
 */
export function summarizeProfile(file: string, limit: number, window?: { start: number; end: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i += 1) {
    const delta = deltas[i] ?? 0;
    at += delta;
    if (window && (at < window.start || at > window.end)) continue;
    const id = samples[i] ?? 0;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + Math.max(0, delta));
  }
  let total = 0;
  const byFrame = new Map<string, { name: string; location: string; micros: number }>();
  const byPackage = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    // Percentages are of busy time: a server mostly waiting is not the question.
    if (!node || node.callFrame.functionName === '(idle)') continue;
    total += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url.replace(/^file:\/\/.*?\/(node_modules|sync-server|persistence|bin|bench)\//, '$1/');
    const location = url ? `${short}:${lineNumber + 1}` : '';
    const key = `${functionName}@${location}`;
    const entry = byFrame.get(key) ?? { name: functionName || '(anonymous)', location, micros: 0 };
    entry.micros += micros;
    byFrame.set(key, entry);
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  const pct = (micros: number): number => (total > 0 ? (micros / total) * 100 : 0);
  const ownInclusive = inclusiveOwnTime(profile.nodes, byId, selfMicros);
  return {
    totalMs: total / 1000,
    top: [...byFrame.values()].sort((a, b) => b.micros - a.micros).slice(0, limit).map((f) => ({ name: f.name, location: f.location, selfPercent: pct(f.micros) })),
    byPackage: [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([name, micros]) => ({ name, selfPercent: pct(micros) })),
    ownInclusive: ownInclusive.slice(0, limit).map((f) => ({ name: f.name, location: f.location, totalPercent: pct(f.micros) })),
  };
}

const isOwn = (url: string): boolean => /\/(sync-server|persistence|bin|bench\/peers)\//.test(url) && !url.includes('node_modules');

/**
 * Total time of each project function, callees included; a function appearing several times on
 * one stack (recursion) is counted once per sample.
 */
function inclusiveOwnTime(nodes: ProfileNode[], byId: Map<number, ProfileNode>, selfMicros: Map<number, number>): Array<{ name: string; location: string; micros: number }> {
  const parent = new Map<number, number>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, { name: string; location: string; micros: number }>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || !isOwn(frame.url)) continue;
      const location = `${frame.url.replace(/^.*\/(sync-server|persistence|bin|bench)\//, '$1/')}:${frame.lineNumber + 1}`;
      const key = `${frame.functionName}@${location}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = totals.get(key) ?? { name: frame.functionName || '(anonymous)', location, micros: 0 };
      entry.micros += micros;
      totals.set(key, entry);
    }
  }
  return [...totals.values()].sort((a, b) => b.micros - a.micros);
}
