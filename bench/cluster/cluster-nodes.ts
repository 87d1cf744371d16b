/**
 * A cluster for one bench run: N `tandem serve` nodes (the built `dist/`, as users run it) over
 * a fresh PostgreSQL database and one Redis, behind deploy/haproxy.cfg. Every node is pinned to
 * the same CPU (the server's), so the nodes share one core as the generator has the other;
 * PostgreSQL, Redis and HAProxy are not pinned.
 */
import path from 'node:path';
import { ProxyServer } from '../../tests/helpers/proxy-server.js';
import { NodeChild } from '../harness/child-process.js';
import { BENCH_LIMIT_ARGS, TANDEM_READY } from '../harness/server-kinds.js';

export interface ClusterSettings {
  repoRoot: string;
  logDir: string;
  cpu: number | null;
  nice: number;
}

export interface BenchCluster {
  nodes: { id: string; pid: number; url: string }[];
  proxy: ProxyServer;
  stop(): Promise<void>;
}

export async function startCluster(count: number, databaseUrl: string, redisUrl: string, name: string, settings: ClusterSettings): Promise<BenchCluster> {
  const children: NodeChild[] = [];
  const nodes: BenchCluster['nodes'] = [];
  let proxy: ProxyServer | null = null;
  const stop = async (): Promise<void> => {
    await proxy?.stop();
    await Promise.all(children.map((child) => child.stop(15_000)));
  };
  try {
    for (let k = 1; k <= count; k += 1) {
      const id = `bench-${k}`;
      const child = NodeChild.spawn({
        nodeArgs: [
          'dist/bin/tandem.js', 'serve', '--port', '0', '--host', '127.0.0.1',
          '--database-url', databaseUrl, '--redis-url', redisUrl, '--node-id', id, '--log-level', 'warn',
          ...BENCH_LIMIT_ARGS,
        ],
        cwd: settings.repoRoot,
        cpu: settings.cpu,
        nice: settings.nice,
        logPath: path.join(settings.logDir, `${name}.${id}.log`),
      });
      children.push(child);
      const url = (await child.waitFor(TANDEM_READY, 60_000))[1];
      if (!url) throw new Error(`node ${id} printed no URL`);
      nodes.push({ id, pid: child.pid, url });
    }
    proxy = await ProxyServer.start('haproxy', nodes.map((n) => new URL(n.url).host));
    return { nodes, proxy, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
