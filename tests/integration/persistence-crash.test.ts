/**
 * The durability promise under kill -9 with the data dir (see helpers/crash-rounds.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { ChildServer } from '../helpers/child-server.js';
import { crashRounds } from '../helpers/crash-rounds.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-crash-'));
const started: ChildServer[] = [];

afterAll(async () => {
  for (const child of started) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 at random moments', () => {
  it('loses nothing any client received, over 5 rounds', async () => {
    await crashRounds(['--data-dir', dataDir], 5, (child) => started.push(child));
  });
});
