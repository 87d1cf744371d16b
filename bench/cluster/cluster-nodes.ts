/**
 * A cluster for one bench run: N `tandem serve` nodes (a checkout's built `dist/`, as users run
 * it) over a fresh PostgreSQL database and one Redis, behind deploy/haproxy.cfg. Every node is
 * pinned to the same CPU (the server's), so the nodes share one core as the generator has the
 * other; PostgreSQL, Redis and HAProxy are not pinned.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ProxyServer } from '../../tests/helpers/proxy-server.js';
import { NodeChild } from '../harness/child-process.js';
import { BENCH_LIMIT_ARGS, TANDEM_READY } from '../harness/server-kinds.js';

export interface ClusterSettings {
  /** The checkout whose built `dist/` the nodes run. */
  serverDir: string;
  logDir: string;
  cpu: number | null;
  nice: number;
  /** Where each node writes a `--cpu-prof` profile (a directory per node), or null for none. */
  profileDir: string | null;
}

export interface BenchNode {
  id: string;
  pid: number;
  url: string;
  /** The node's profile directory, when profiling. */
  profileDir: string | null;
}

export interface BenchCluster {
  nodes: BenchNode[];
  proxy: ProxyServer;
  stop(): Promise<void>;
}

export async function startCluster(count: number, databaseUrl: string, redisUrl: string, name: string, settings: ClusterSettings): Promise<BenchCluster> {
  const children: NodeChild[] = [];
  const nodes: BenchNode[] = [];
  let proxy: ProxyServer | null = null;
  const stop = async (): Promise<void> => {
    await proxy?.stop();
    await Promise.all(children.map((child) => child.stop(15_000)));
  };
  try {
    for (let k = 1; k <= count; k += 1) {
      const id = `bench-${k}`;
      const profileDir = settings.profileDir ? path.join(settings.profileDir, `${name}.${id}`) : null;
      if (profileDir) mkdirSync(profileDir, { recursive: true });
      const child = NodeChild.spawn({
        nodeArgs: [
          ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
          'dist/bin/tandem.js', 'serve', '--port', '0', '--host', '127.0.0.1',
          '--database-url', databaseUrl, '--redis-url', redisUrl, '--node-id', id, '--log-level', 'warn',
          ...BENCH_LIMIT_ARGS,
        ],
        cwd: settings.serverDir,
        cpu: settings.cpu,
        nice: settings.nice,
        logPath: path.join(settings.logDir, `${name}.${id}.log`),
      });
      children.push(child);
      const url = (await child.waitFor(TANDEM_READY, 60_000))[1];
      if (!url) throw new Error(`node ${id} printed no URL`);
      nodes.push({ id, pid: child.pid, url, profileDir });
    }
    proxy = await ProxyServer.start('haproxy', nodes.map((n) => new URL(n.url).host));
    return { nodes, proxy, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The main thread's profile a stopped node wrote (`CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile`). */
export function nodeProfile(node: BenchNode): string | null {
  if (!node.profileDir) return null;
  const main = readdirSync(node.profileDir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  return main ? path.join(node.profileDir, main) : null;
}
