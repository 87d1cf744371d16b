/**
 * Load generator process: `node --import tsx bench/load/generator.ts <job.json>`.
 * Runs one scenario against one server and writes the result to the job's `resultPath`.
 * It runs in its own process (pinned to its own core by the runner), apart from the server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { runJoin } from './join-scenario.js';
import { runMemory } from './memory-scenario.js';
import type { GeneratorJob, ScenarioResult } from './scenario.js';
import { runTraffic } from './traffic-scenario.js';

async function run(job: GeneratorJob): Promise<ScenarioResult> {
  const { scenario } = job;
  switch (scenario.kind) {
    case 'traffic':
      return runTraffic(job, scenario);
    case 'memory':
      return runMemory(job, scenario);
    case 'join':
      return runJoin(job, scenario);
  }
}

const jobPath = process.argv[2];
if (!jobPath) {
  process.stderr.write('usage: generator.ts <job.json>\n');
  process.exit(2);
}
const job = JSON.parse(readFileSync(jobPath, 'utf8')) as GeneratorJob;
run(job).then(
  (result) => {
    writeFileSync(job.resultPath, JSON.stringify(result));
    // Sockets still closing must not hold the process: the result is written.
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`generator failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
