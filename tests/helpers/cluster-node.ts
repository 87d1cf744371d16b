/**
 * Cluster nodes for tests: in this process (a real server, PostgreSQL store and Redis bus, with
 * a hook to wrap the bus) or as `tandem serve` child processes, as users run them.
 */
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import type { Bus } from '../../sync-server/cluster/bus.js';
import { RedisBus } from '../../sync-server/cluster/redis-bus.js';
import { startChildServer, type ChildServer } from './child-server.js';
import { memoryLogger, startTestServer, type TestServer } from './server.js';

export interface TestNode extends TestServer {
  nodeId: string;
  store: PostgresStore;
}

export interface ClusterUrls {
  databaseUrl: string;
  redisUrl: string;
}

/** A node in this process; `wrapBus` may stand between it and Redis (to drop messages). */
export async function startTestNode(urls: ClusterUrls, nodeId: string, wrapBus: (bus: Bus) => Bus = (bus) => bus): Promise<TestNode> {
  const store = new PostgresStore(urls.databaseUrl, { retryMinMs: 20, retryMaxMs: 500, timeoutMs: 10_000 });
  await store.ready();
  const redis = new RedisBus(urls.redisUrl, { clientName: `tandem:${nodeId}`, logger: memoryLogger().logger });
  redis.start();
  const test = await startTestServer({ store, config: { presenceIntervalMs: 20 }, cluster: { nodeId, bus: wrapBus(redis), log: store } });
  return { ...test, nodeId, store };
}

/** `tandem serve` as one node, in a child process. */
export function startChildNode(urls: ClusterUrls, nodeId: string, extraArgs: string[] = []): Promise<ChildServer> {
  return startChildServer(['--database-url', urls.databaseUrl, '--redis-url', urls.redisUrl, '--node-id', nodeId, '--log-level', 'warn', ...extraArgs], {}, 60_000);
}

/** The value of a node's metric `name`, of the series whose labels include `label` (NaN when absent). */
export async function nodeMetric(httpUrl: string, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

/** A node's `/healthz`: its status code and body. */
export async function nodeHealth(httpUrl: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${httpUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
