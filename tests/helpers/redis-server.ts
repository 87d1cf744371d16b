/**
 * A throwaway Redis for tests and benchmarks: Debian's `redis-server` on a free loopback port,
 * its files in a temp dir, nothing saved, stopped by pid. `kill()` is a crash (SIGKILL);
 * `start()` again brings it back on the same port, empty — as after a restart without
 * persistence. When the binary is missing, `start` fails with the exact command that installs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export const REDIS_BIN = process.env.TANDEM_REDIS_BIN ?? '/usr/bin/redis-server';
export const REDIS_INSTALL = 'apt-get update && apt-get install -y --no-install-recommends redis-server';

/** Resolves true once something answers PING with PONG on the port. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export class RedisServer {
  private server: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly onExit = (): void => {
    this.server?.kill('SIGKILL');
  };

  private constructor(readonly dir: string, readonly port: number) {}

  static async start(): Promise<RedisServer> {
    if (!existsSync(REDIS_BIN)) {
      const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
      throw new Error(`Redis is not installed (no ${REDIS_BIN}). Install it with:\n  ${isRoot ? '' : 'sudo '}${REDIS_INSTALL}`);
    }
    const redis = new RedisServer(mkdtempSync(join(tmpdir(), 'tandem-redis-')), await freePort());
    process.once('exit', redis.onExit);
    await redis.startServer();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | null {
    return this.server?.pid ?? null;
  }

  /** Starts it (again, after `kill` or `stop`): resolves once it answers. */
  async startServer(): Promise<void> {
    if (this.server) return;
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no', '--loglevel', 'warning'];
    const child = spawn(REDIS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (chunk: Buffer): void => void (log = (log + chunk.toString()).slice(-10_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.server = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.server === child) this.server = null;
    });
    const deadline = Date.now() + 30_000;
    while (!(await pong(this.port))) {
      if (this.server !== child) throw new Error(`redis-server exited while starting:\n${log}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer in 30 s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A crash: SIGKILL, then waits for the process to end. */
  async kill(): Promise<void> {
    if (!this.server) return;
    this.server.kill('SIGKILL');
    await this.exited;
  }

  /** Stops it and removes its directory. Idempotent. */
  async destroy(): Promise<void> {
    await this.kill();
    process.off('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
