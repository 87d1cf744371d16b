/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: Debian's PostgreSQL 15 binaries,
 * `initdb` into a temp dir, `postgres` on a free loopback port with its socket in that dir
 * (never /var/run/postgresql), stopped by pid and removed afterwards. As root, the server runs
 * as the `postgres` user (initdb and postgres refuse root) through `runuser`.
 *
 * No system-wide cluster and no fixed port, so test files can each have their own. When the
 * binaries are missing, `start` fails with the exact command that installs them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

export const PG_BIN = process.env.TANDEM_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const PG_INSTALL = 'apt-get update && apt-get install -y --no-install-recommends postgresql';

const run = promisify(execFile);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** The command line, as the postgres user when we are root. */
function asOwner(binary: string, args: string[]): [string, string[]] {
  const path = join(PG_BIN, binary);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

export interface PgClusterOptions {
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

export class PgCluster {
  private server: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private databases = 0;
  private readonly onExit = (): void => this.killNow();

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly settings: Record<string, string>,
  ) {}

  /** Creates and starts a cluster; rejects with the install command when PostgreSQL is missing. */
  static async start(options: PgClusterOptions = {}): Promise<PgCluster> {
    if (!existsSync(join(PG_BIN, 'initdb'))) {
      throw new Error(`PostgreSQL 15 is not installed (no ${PG_BIN}/initdb). Install it with:\n  ${isRoot ? '' : 'sudo '}${PG_INSTALL}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'tandem-pg-'));
    if (isRoot) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
    const [cmd, args] = asOwner('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    try {
      await run(cmd, args);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
    }
    const cluster = new PgCluster(dir, await freePort(), options.settings ?? {});
    process.once('exit', cluster.onExit);
    await cluster.startServer();
    return cluster;
  }

  /** A URL for the `postgres` database (administration: create databases). */
  get adminUrl(): string {
    return this.urlFor('postgres');
  }

  urlFor(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get pid(): number | null {
    return this.server?.pid ?? null;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** A fresh, empty database; resolves to its URL. */
  async createDatabase(prefix = 'test'): Promise<string> {
    this.databases += 1;
    const name = `${prefix}_${this.databases}_${process.pid}`;
    const client = new pg.Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return this.urlFor(name);
  }

  /** Starts the server (again, after `stop`): resolves once it accepts connections. */
  async startServer(): Promise<void> {
    if (this.server) return;
    const settings = { port: String(this.port), listen_addresses: '127.0.0.1', unix_socket_directories: this.dir, ...this.settings };
    const [cmd, args] = asOwner('postgres', ['-D', join(this.dir, 'data'), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
    this.server = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.server === child) this.server = null;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.server !== child) throw new Error(`postgres exited while starting:\n${log}`);
      const client = new pg.Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
      }
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections in 30 s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Stops the server. `immediate` is a crash as far as the database is concerned (SIGQUIT:
   * no checkpoint, recovery from WAL at the next start); `fast` rolls back and shuts down cleanly.
   */
  async stop(mode: 'immediate' | 'fast' = 'fast'): Promise<void> {
    if (!this.server) return;
    this.signal(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
    await this.exited;
  }

  /** `stop('immediate')` then start: a database restart as clients see it. */
  async restart(): Promise<void> {
    await this.stop('immediate');
    await this.startServer();
  }

  /** Stops the server and removes the cluster. Idempotent. */
  async destroy(): Promise<void> {
    await this.stop('immediate');
    process.off('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's postmaster pid: `runuser` runs it as a child, so signal through the pid file. */
  postmasterPid(): number | null {
    try {
      const pid = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.postmasterPid() ?? this.server?.pid;
    if (!pid) return;
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }

  private killNow(): void {
    if (this.server) this.signal('SIGQUIT');
  }
}
