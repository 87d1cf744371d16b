/**
 * The proxies of deploy/ (HAProxy, nginx) run for tests exactly as shipped, but listening on a
 * free loopback port in front of the test's nodes, with their files in a temp dir; stopped by
 * their process group's id (also when the test process exits). When a binary is missing,
 * `start` fails with the exact command that installs it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export type ProxyKind = 'haproxy' | 'nginx';

const BINARIES: Record<ProxyKind, string> = { haproxy: '/usr/sbin/haproxy', nginx: '/usr/sbin/nginx' };

/** deploy/haproxy.cfg with its own bind address and servers replaced. */
export function haproxyConfig(port: number, servers: readonly string[]): string {
  const shipped = readFileSync(join(root, 'deploy/haproxy.cfg'), 'utf8');
  const lines = shipped.split('\n').filter((line) => !/^\s*server\s/.test(line));
  return lines
    .map((line) => line.replace(/^(\s*)bind :\d+$/, `$1bind 127.0.0.1:${port}`))
    .join('\n')
    .concat(servers.map((address, i) => `    server node${i + 1} ${address} check\n`).join(''));
}

/** deploy/nginx.conf with its own listen address, servers and file paths replaced. */
export function nginxConfig(port: number, servers: readonly string[], dir: string): string {
  const shipped = readFileSync(join(root, 'deploy/nginx.conf'), 'utf8');
  const serverLine = /^(\s*)server \d+\.\d+\.\d+\.\d+:\d+( .*;)$/;
  const firstServer = shipped.split('\n').findIndex((line) => serverLine.test(line));
  const [, indent = '', options = ';'] = serverLine.exec(shipped.split('\n')[firstServer] ?? '') ?? [];
  const lines = shipped.split('\n').flatMap((line, i) => {
    if (i === firstServer) return servers.map((address) => `${indent}server ${address}${options}`);
    if (serverLine.test(line)) return [];
    // Everything nginx writes goes to the temp dir (no root needed).
    if (/^http \{$/.test(line)) {
      return [line, ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `    ${k}_temp_path ${join(dir, k)};`), `    access_log ${join(dir, 'access.log')};`];
    }
    return [line.replace(/^(\s*)listen \d+;$/, `$1listen 127.0.0.1:${port};`)];
  });
  return lines.join('\n');
}

export class ProxyServer {
  private exited: Promise<void>;
  /** Kills the proxy's process group while its master runs: an nginx master killed alone leaves its workers running, holding the port. */
  private readonly kill = (): void => {
    const { pid } = this.child;
    if (pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) process.kill(-pid, 'SIGKILL');
  };

  private constructor(
    readonly kind: ProxyKind,
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly log: () => string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    process.once('exit', this.kill);
  }

  /** Starts `kind` in front of `servers` (`host:port` each); resolves once it listens. */
  static async start(kind: ProxyKind, servers: readonly string[]): Promise<ProxyServer> {
    const binary = BINARIES[kind];
    if (!existsSync(binary)) {
      throw new Error(`${kind} is not installed (no ${binary}). Install it with:\n  ${isRoot ? '' : 'sudo '}apt-get update && apt-get install -y --no-install-recommends ${kind}`);
    }
    const dir = mkdtempSync(join(tmpdir(), `tandem-${kind}-`));
    const port = await freePort();
    const config = join(dir, kind === 'haproxy' ? 'haproxy.cfg' : 'nginx.conf');
    writeFileSync(config, kind === 'haproxy' ? haproxyConfig(port, servers) : nginxConfig(port, servers, dir));
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const args = kind === 'haproxy'
      ? ['-db', '-f', config]
      : ['-c', config, '-p', dir, '-g', `daemon off; pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'error.log')} warn;${isRoot ? ' user root;' : ''}`];
    // A process group of its own: nginx's workers are stopped with their master (see `stop`).
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let log = '';
    const keep = (chunk: Buffer): void => void (log = (log + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const proxy = new ProxyServer(kind, port, dir, child, () => log);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${kind} exited while starting:\n${log}`);
      try {
        await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
        return proxy;
      } catch {
        if (Date.now() > deadline) {
          await proxy.stop();
          throw new Error(`${kind} did not listen in 30 s:\n${log}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** The proxy's master process (a bench gives it its priority). */
  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  output(): string {
    return this.log();
  }

  /** Stops it and removes its files. Idempotent. */
  async stop(): Promise<void> {
    this.kill();
    process.off('exit', this.kill);
    await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `nginx -t` on a config: resolves with its output, rejects with it when the config is refused. */
export async function nginxSyntaxCheck(configText: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-nginx-check-'));
  try {
    const config = join(dir, 'nginx.conf');
    writeFileSync(config, configText);
    const { stderr } = await run(BINARIES.nginx, ['-t', '-c', config, '-p', dir, '-g', `pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'error.log')};`]);
    return stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
