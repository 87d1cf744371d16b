/**
 * `taskset -c 0 node --import tsx bench/disk-commit.ts [commits=3000] [rounds=3]`: what one
 * durable commit costs on this machine's disk, by kind: CPU (all threads, so the thread pool's
 * kernel time counts) and wall time per commit, commits made one after another — the mean, the
 * median and the tail (a slow commit holds up every update queued behind it). The journal's write
 * is measured both ways the server makes it: through the thread pool, and on the calling thread
 * (`writeSync`, as on the event loop while the disk answers fast).
 */
import { closeSync, constants, fdatasync, mkdtempSync, openSync, rmSync, write, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const COMMITS = Number(process.argv[2] ?? 3000);
const ROUNDS = Number(process.argv[3] ?? 3);
const RECORD = Buffer.alloc(250, 7);

const writeAt = (fd: number, data: Buffer, position: number): Promise<void> =>
  new Promise((resolve, reject) => write(fd, data, 0, data.length, position, (error) => (error ? reject(error) : resolve())));
const datasync = (fd: number): Promise<void> => new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));

function preallocate(fd: number, bytes: number): void {
  const zeros = Buffer.alloc(1024 * 1024);
  for (let at = 0; at < bytes; at += zeros.length) writeSync(fd, zeros, 0, zeros.length, at);
}

const KINDS: { name: string; flags: number; preallocate: boolean; sync: boolean; onThread?: boolean }[] = [
  { name: 'O_DSYNC write into preallocated space (the journal), through the thread pool', flags: constants.O_DSYNC, preallocate: true, sync: false },
  { name: 'O_DSYNC write into preallocated space (the journal), on the calling thread', flags: constants.O_DSYNC, preallocate: true, sync: false, onThread: true },
  { name: 'write + fdatasync, preallocated', flags: 0, preallocate: true, sync: true },
  { name: 'write + fdatasync, extending the file (a document log)', flags: 0, preallocate: false, sync: true },
];

const dir = mkdtempSync(path.join(tmpdir(), 'tandem-disk-commit-'));
try {
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const [i, kind] of KINDS.entries()) {
      const fd = openSync(path.join(dir, `${round}-${i}`), constants.O_WRONLY | constants.O_CREAT | kind.flags);
      if (kind.preallocate) preallocate(fd, (COMMITS + 200) * RECORD.length);
      let position = 0;
      const commit = async (): Promise<void> => {
        if (kind.onThread) writeSync(fd, RECORD, 0, RECORD.length, position);
        else await writeAt(fd, RECORD, position);
        if (kind.sync) await datasync(fd);
        position += RECORD.length;
      };
      for (let k = 0; k < 200; k += 1) await commit(); // warm-up
      const walls: number[] = [];
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let k = 0; k < COMMITS; k += 1) {
        const at = performance.now();
        await commit();
        walls.push(performance.now() - at);
      }
      const used = process.cpuUsage(cpu);
      const wallUs = ((performance.now() - started) * 1000) / COMMITS;
      closeSync(fd);
      walls.sort((a, b) => a - b);
      const ms = (q: number): string => (walls[Math.floor(q * (walls.length - 1))] ?? NaN).toFixed(2);
      process.stdout.write(
        `round ${round}  ${((used.user + used.system) / COMMITS).toFixed(1).padStart(6)} µs CPU  ${wallUs.toFixed(0).padStart(5)} µs wall  ` +
          `(p50 ${ms(0.5)} ms, p99 ${ms(0.99)} ms, p99.9 ${ms(0.999)} ms, max ${ms(1)} ms) per commit: ${kind.name}\n`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
