/**
 * `node --import tsx bench/smoke.ts`: proves the bench harness works, in under ten seconds.
 * Runs a tiny typing workload against Tandem (durable, on files and on PostgreSQL) and Hocuspocus (the other framing)
 * through the same runner code as `npm run bench`, and fails unless every edit reached every
 * other client, every room converged and the server's CPU was sampled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchDatabase } from './harness/bench-database.js';
import { buildServer } from './harness/build-server.js';
import { runOne, type RunRecord } from './harness/run-one.js';
import type { ServerId } from './harness/server-kinds.js';
import type { Workload } from './harness/workloads.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const tiny: Workload = {
  id: 'smoke',
  title: 'smoke',
  describe: () => '2 rooms × 3 clients typing and moving cursors for one second',
  scenario: () => ({
    kind: 'traffic',
    rooms: 2,
    clientsPerRoom: 3,
    writersPerRoom: 3,
    editsPerSecondPerWriter: 10,
    cursorMovers: 'all',
    cursorsPerSecondPerMover: 2,
    presence: 'all',
    applyRemote: true,
    warmupMs: 200,
    windowMs: 1000,
    drainMs: 2000,
  }),
  timeoutMs: 15_000,
};

function problems(record: RunRecord): string[] {
  const result = record.result;
  if (!result) return [`run failed: ${record.error ?? 'no result'}`];
  if (result.kind !== 'traffic') return ['unexpected result kind'];
  const found: string[] = [];
  if (result.errors.count > 0) found.push(`errors: ${JSON.stringify(result.errors.top)}`);
  if (result.edits.sent === 0 || result.edits.delivered !== result.edits.expected) found.push(`edits: ${result.edits.delivered}/${result.edits.expected} delivered`);
  if (result.cursors.sent === 0 || result.cursors.delivered !== result.cursors.expected) found.push(`cursor moves: ${result.cursors.delivered}/${result.cursors.expected} delivered`);
  if (result.convergence.converged !== result.convergence.rooms) found.push(`${result.convergence.rooms - result.convergence.converged} rooms did not converge`);
  if (!(result.server.rssMeanBytes > 0)) found.push('server memory not sampled');
  return found;
}

async function main(): Promise<number> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'tandem-bench-smoke-'));
  const started = Date.now();
  let failed = false;
  const database = new BenchDatabase();
  try {
    const servers: ServerId[] = ['tandem', 'tandem-postgres', 'hocuspocus'];
    buildServer(repoRoot);
    const records = await Promise.all(
      servers.map((server) => runOne(tiny, server, 1, { repoRoot, outDir, quick: true, cpus: null, nice: 0, profileDir: null, database })),
    );
    for (const record of records) {
      const found = problems(record);
      const r = record.result?.kind === 'traffic' ? record.result : null;
      const batching = record.batching ? `, ${record.batching.records} records in ${record.batching.commits} commits` : '';
      const figures = r ? `${r.edits.sent} edits, p50 ${r.edits.latencyMs.p50.toFixed(2)} ms, ${r.cursors.sent} cursor moves, server CPU ${(r.server.cpuSeconds * 1000).toFixed(0)} ms${batching}` : '';
      process.stdout.write(`${found.length ? 'FAIL' : 'ok  '} ${record.server}: ${figures}${found.length ? `\n     ${found.join('\n     ')}` : ''}\n`);
      if (found.length) failed = true;
    }
  } finally {
    await database.destroy();
    if (!failed) rmSync(outDir, { recursive: true, force: true });
    else process.stdout.write(`logs kept in ${outDir}\n`);
  }
  process.stdout.write(`bench smoke ${failed ? 'FAILED' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench smoke: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
