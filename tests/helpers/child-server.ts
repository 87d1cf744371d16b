/** Runs `tandem serve` in a child process, as users do, for shutdown and crash tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEADLINE_MS } from './wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildServer {
  process: ChildProcess;
  httpUrl: string;
  wsUrl: string;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process ended. */
  exited: Promise<number | string>;
}

/** `onOutput` sees everything printed so far, each time more comes, while the server starts. */
export async function startChildServer(
  args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 2 * DEADLINE_MS, onOutput?: (output: string) => void,
): Promise<ChildServer> {
  // Without --data-dir, a server of its own in a temp dir (removed when it exits): one process
  // per data dir, and tests must not write into the checkout's ./data.
  const ownDataDir = args.includes('--data-dir') || env.DATA_DIR ? null : mkdtempSync(join(tmpdir(), 'tandem-child-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/tandem.ts', 'serve', '--port', '0', ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (ownDataDir) child.on('exit', () => rmSync(ownDataDir, { recursive: true, force: true }));
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // 'close', not 'exit': it comes after stdout and stderr are fully read.
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (): void => {
      onOutput?.(output);
      const match = /Tandem is running at (http:\/\/\S+?)\/?\s/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before starting:\n${output}`));
    });
  });
  return { process: child, httpUrl: url, wsUrl: url.replace(/^http/, 'ws'), output: () => output, exited };
}

/** Kills (SIGKILL) the servers still running and waits for them: for a test file's afterAll. */
export async function killChildServers(children: readonly ChildServer[]): Promise<void> {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
  }
}
