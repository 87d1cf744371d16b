/**
 * A cluster node from the command line, as users start one: `--redis-url` without a shared
 * database is refused before anything runs, and a node started without `--node-id` gets a
 * generated id that every log line, `/healthz` and every `/metrics` series carry.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startChildServer } from '../helpers/child-server.js';
import { nodeHealth, useCluster } from '../helpers/cluster-node.js';
import { waitForAsync } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cluster = useCluster('cluster_cli', 0);

function serve(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/tandem.ts', 'serve', '--port', '0', ...args], { cwd: root, timeout: 90_000, env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
  });
}

/** The JSON log lines of a server's output. */
const logLines = (output: string): Record<string, unknown>[] =>
  output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('a cluster node from the command line', () => {
  it('refuses --redis-url (or REDIS_URL) without a shared database, saying what to add', async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const refusals = await Promise.all([
      serve(['--redis-url', cluster.urls.redisUrl], env),
      serve([], { ...env, REDIS_URL: cluster.urls.redisUrl }),
    ]);
    for (const { code, output } of refusals) {
      expect(code, output).toBe(2);
      expect(output).toContain('redis-url needs database-url');
      expect(output).toContain('--database-url postgres://');
      expect(output).not.toContain('Tandem is running');
    }
  });

  it('names itself with a generated id in every log line, /healthz and /metrics', async () => {
    const node = await startChildServer(['--database-url', cluster.urls.databaseUrl, '--redis-url', cluster.urls.redisUrl, '--log-level', 'info'], {}, 60_000);
    let id: string | undefined;
    try {
      id = /Tandem is running at \S+ \(cluster node ([A-Za-z0-9._-]+)\)/.exec(node.output())?.[1];
      expect(id, node.output()).toMatch(/-[0-9a-f]{6}$/);
      // It serves at once; it reports itself up once Redis answers.
      await waitForAsync(async () => (await nodeHealth(node.httpUrl)).body.bus === 'up', 'the node to reach Redis');
      expect(await nodeHealth(node.httpUrl)).toMatchObject({ status: 200, body: { status: 'ok', node: id, bus: 'up' } });
      const series = (await (await fetch(`${node.httpUrl}/metrics`)).text()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      expect(series.some((l) => l.startsWith('tandem_bus_up{'))).toBe(true);
      expect(series.filter((l) => !l.includes(`node="${id}"`))).toEqual([]);
    } finally {
      node.process.kill('SIGTERM');
    }
    expect(await node.exited).toBe(0);
    // Every line, from the start to the graceful stop.
    const logs = logLines(node.output());
    expect(logs.map((line) => line.msg)).toEqual(expect.arrayContaining(['joining the cluster', 'serving']));
    expect(logs.filter((line) => line.node !== id)).toEqual([]);
  });
});
