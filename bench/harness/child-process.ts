/**
 * Child processes of the bench: servers and load generators, each optionally pinned to one CPU
 * with `taskset` (which execs the command, so the pid we hold is the Node process itself).
 * Every child is tracked by pid and stopped by pid; nothing is killed by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export interface SpawnOptions {
  /** Arguments after the Node executable. */
  nodeArgs: string[];
  cwd: string;
  /** CPU to pin to, or null for no pinning. */
  cpu: number | null;
  /**
   * Scheduling priority; 0 leaves it alone. Otherwise the child runs in a session of its own
   * whose autogroup gets this nice value (with autogroups, the kernel shares CPU between
   * sessions first, so a plain nice would only order the child against its own session),
   * and at this nice value within it.
   */
  nice?: number;
  /** Everything the child prints goes here. */
  logPath: string;
  env?: NodeJS.ProcessEnv;
}

export class NodeChild {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly log: WriteStream;
  private stdoutText = '';
  private stderrTail = '';

  private constructor(private readonly child: ChildProcess, logPath: string) {
    this.log = createWriteStream(logPath, { flags: 'a' });
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    child.stdout?.on('data', (chunk: Buffer) => {
      this.log.write(chunk);
      // Only the beginning matters (the ready line); keep memory bounded for chatty servers.
      if (this.stdoutText.length < 64 * 1024) this.stdoutText += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.log.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
  }

  static spawn(options: SpawnOptions): NodeChild {
    // `nice` and `taskset` each exec the next command: the pid stays the Node process's.
    const pinned = options.cpu === null ? [process.execPath, ...options.nodeArgs] : ['taskset', '-c', String(options.cpu), process.execPath, ...options.nodeArgs];
    const [command = process.execPath, ...args] = options.nice ? ['nice', '-n', String(options.nice), ...pinned] : pinned;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A session of its own (setsid before exec), so its autogroup is its own.
      detached: Boolean(options.nice),
    });
    if (options.nice && child.pid !== undefined) {
      try {
        writeFileSync(`/proc/${child.pid}/autogroup`, String(options.nice));
      } catch {
        // No autogroups (or not allowed): the nice value alone applies.
      }
    }
    return new NodeChild(child, options.logPath);
  }

  get pid(): number {
    const { pid } = this.child;
    if (pid === undefined) throw new Error('child process has no pid (spawn failed)');
    return pid;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /** Resolves with the first match of `pattern` on stdout; rejects on exit or timeout. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    for (;;) {
      const match = pattern.exec(this.stdoutText);
      if (match) return match;
      if (exited) throw new Error(`exited before printing ${pattern}: ${this.stderrTail.trim().slice(-800)}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms: ${this.stderrTail.trim().slice(-800)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
  async stop(graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const result = await this.exited;
      clearTimeout(timer);
      await this.closeLog();
      return result;
    }
    const result = await this.exited;
    await this.closeLog();
    return result;
  }

  private async closeLog(): Promise<void> {
    if (this.log.closed) return;
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}
