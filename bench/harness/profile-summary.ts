/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and ranks functions by self time, and
 * groups self time by package, to say where a server spends its CPU.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
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
  totalMs: number;
  top: ProfileFrame[];
  /** Self time by package (yjs, ws, lib0, node internals, tandem sources…), in percent. */
  byPackage: Array<{ name: string; selfPercent: number }>;
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) return nm[1];
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/(sync-server|persistence|bin|bench)\//.exec(url);
  return own?.[1] ? `tandem ${own[1]}` : url;
}

export function summarizeProfile(file: string, limit: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i] ?? 0;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }
  let total = 0;
  const byFrame = new Map<string, { name: string; location: string; micros: number }>();
  const byPackage = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    if (!node) continue;
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
  return {
    totalMs: total / 1000,
    top: [...byFrame.values()].sort((a, b) => b.micros - a.micros).slice(0, limit).map((f) => ({ name: f.name, location: f.location, selfPercent: pct(f.micros) })),
    byPackage: [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([name, micros]) => ({ name, selfPercent: pct(micros) })),
  };
}
