/**
 * Cluster nodes for tests: in this process (a real server, PostgreSQL store and Redis bus, with
 * a hook to wrap the bus) or as `tandem serve` child processes, as users run them.
 */
import { afterAll, beforeAll } from 'vitest';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import type { Bus } from '../../sync-server/cluster/bus.js';
import { RedisBus } from '../../sync-server/cluster/redis-bus.js';
import { killChildServers, startChildServer, type ChildServer } from './child-server.js';
import { PgCluster } from './pg-cluster.js';
import { RedisServer } from './redis-server.js';
import { memoryLogger, startTestServer, type TestServer } from './server.js';
import { DEADLINE_MS } from './wait.js';

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
  const text = await (await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(DEADLINE_MS) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

/** A node's `/healthz`: its status code and body. */
export async function nodeHealth(httpUrl: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${httpUrl}/healthz`, { signal: AbortSignal.timeout(DEADLINE_MS) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface ClusterFixture {
  pg: PgCluster;
  redis: RedisServer;
  /** A database made for the file, and the Redis. */
  urls: ClusterUrls;
  /** The running child nodes, `node-1`, `node-2`… by index; `restart` replaces one. */
  nodes: ChildServer[];
  /** Starts node `index` again under its id (after it stopped or was killed). */
  restart(index: number): Promise<ChildServer>;
}

/**
 * For a test file: a throwaway PostgreSQL and Redis, a database, and `nodeCount` child nodes
 * (the first starts alone: it migrates the schema), all stopped after the file's own `afterAll`s.
 */
export function useCluster(database: string, nodeCount: number): ClusterFixture {
  const fixture = { nodes: [] as ChildServer[] } as ClusterFixture;
  const started: ChildServer[] = [];
  const start = async (index: number): Promise<ChildServer> => {
    const child = await startChildNode(fixture.urls, `node-${index + 1}`);
    started.push(child);
    fixture.nodes[index] = child;
    return child;
  };
  fixture.restart = start;
  beforeAll(async () => {
    [fixture.pg, fixture.redis] = await Promise.all([PgCluster.start(), RedisServer.start()]);
    fixture.urls = { databaseUrl: await fixture.pg.createDatabase(database), redisUrl: fixture.redis.url };
    if (nodeCount > 0) await start(0);
    await Promise.all(Array.from({ length: Math.max(0, nodeCount - 1) }, (_, i) => start(i + 1)));
  });
  afterAll(async () => {
    await killChildServers(started);
    await fixture.redis?.destroy();
    await fixture.pg?.destroy();
  });
  return fixture;
}
