/**
 * `node --import tsx bench/profile.ts <file.cpuprofile> [N] [start-end]`: where a server spent its CPU,
 * by package and by function (self time). Profiles come from `npm run bench -- --profile`.
 */
import { summarizeProfile } from './harness/profile-summary.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: bench/profile.ts <file.cpuprofile> [N]\n');
  process.exit(2);
}
// Optional window on CLOCK_MONOTONIC µs (from a result's windowClockUs): `start-end`.
const [start, end] = (process.argv[4] ?? '').split('-').map(Number);
const window = start !== undefined && end !== undefined && Number.isFinite(start) && Number.isFinite(end) ? { start, end } : undefined;
const summary = summarizeProfile(file, Number(process.argv[3] ?? 25), window);
process.stdout.write(`${summary.totalMs.toFixed(0)} ms sampled\n\nself time by package:\n`);
for (const p of summary.byPackage) process.stdout.write(`  ${p.selfPercent.toFixed(1).padStart(5)}%  ${p.name}\n`);
process.stdout.write('\ntop functions by self time:\n');
for (const f of summary.top) process.stdout.write(`  ${f.selfPercent.toFixed(1).padStart(5)}%  ${f.name}  ${f.location}\n`);
process.stdout.write('\nproject functions by total time (callees included):\n');
for (const f of summary.ownInclusive) process.stdout.write(`  ${f.totalPercent.toFixed(1).padStart(5)}%  ${f.name}  ${f.location}\n`);
