/**
 * The real server, as users run it: `tandem serve` in a child process, on a free port, with its
 * own data dir. `restart()` stops it gracefully and starts it again on the same port and data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface TandemProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string;
  dataDir: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and removes its data dir. */
  dispose(): Promise<void>;
}

// Generous: the server runs from the sources through tsx, which compiles them first.
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

function launch(port: number, dataDir: string, extraArgs: readonly string[], log: string[]): Promise<{ child: ChildProcess; url: string }> {
  const args = ['--import', 'tsx', 'bin/tandem.ts', 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, ...extraArgs];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tandem serve did not start within ${START_TIMEOUT_MS} ms:\n${log.join('')}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      log.push(text);
      buffered += text;
      const match = /Tandem is running at (http:\/\/[^\s/]+)/.exec(buffered);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tandem serve exited (${code ?? signal}) before it was ready:\n${log.join('')}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** `extraArgs` go to `tandem serve` as given, e.g. `['--auth-secret', secret]`. */
export async function startTandem(extraArgs: readonly string[] = []): Promise<TandemProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-e2e-'));
  const log: string[] = [];
  let { child, url } = await launch(0, dataDir, extraArgs, log);
  const port = Number(new URL(url).port);
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    dataDir,
    output: () => log.join(''),
    stop: () => stopChild(child),
    async restart() {
      await stopChild(child);
      ({ child, url } = await launch(port, dataDir, extraArgs, log));
    },
    async dispose() {
      await stopChild(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
