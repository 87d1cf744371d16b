/**
 * Reads another process's CPU time and resident memory from /proc (Linux only).
 *
 * CPU is utime + stime of /proc/<pid>/stat: every thread of the process, user and kernel time,
 * in clock ticks (CLK_TCK, 100 on Linux) — so the libuv threads doing fsync count too.
 */
import { readFileSync } from 'node:fs';

/** CLK_TCK is 100 on every Linux configuration Node supports. */
const TICKS_PER_SECOND = 100;

export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: fields are counted after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc/${pid}/stat`);
  return (utime + stime) / TICKS_PER_SECOND;
}

/**
 * The main thread's time on a CPU and time spent runnable but waiting for one, in seconds
 * (/proc/<pid>/schedstat). A large wait means another process held the CPU: on a shared
 * machine, that run measured the neighbours as much as the server.
 */
export function readSchedstat(pid: number | 'self'): { runSeconds: number; waitSeconds: number } {
  const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
  return { runSeconds: (run ?? NaN) / 1e9, waitSeconds: (wait ?? NaN) / 1e9 };
}

export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export interface ResourceSample {
  at: number;
  cpuSeconds: number;
  rssBytes: number;
}

export function sampleProcess(pid: number, now: number): ResourceSample {
  return { at: now, cpuSeconds: readCpuSeconds(pid), rssBytes: readRssBytes(pid) };
}

/** Samples RSS periodically between `start` and `stop`, for the mean and peak of a window. */
export class RssWatcher {
  private timer: NodeJS.Timeout | null = null;
  private readonly samples: number[] = [];

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.samples.length = 0;
    this.samples.push(readRssBytes(this.pid));
    this.timer = setInterval(() => this.samples.push(readRssBytes(this.pid)), this.intervalMs);
  }

  stop(): { meanBytes: number; peakBytes: number } {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.samples.push(readRssBytes(this.pid));
    const sum = this.samples.reduce((a, b) => a + b, 0);
    return { meanBytes: sum / this.samples.length, peakBytes: Math.max(...this.samples) };
  }
}
