/**
 * One throwaway PostgreSQL cluster for a test file, and the servers and clients its tests start:
 * registered with vitest at the top level of the file; all of it stopped after its tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { killChildServers, type ChildServer } from './child-server.js';
import type { YClient } from './clients.js';
import { PgCluster } from './pg-cluster.js';

export interface PgTestBed {
  /** The cluster, started before the file's first test. */
  readonly cluster: PgCluster;
  /** `tandem serve` processes to kill afterwards. */
  readonly running: ChildServer[];
  /** Clients to destroy afterwards. */
  readonly clients: YClient[];
}

export function usePgTestBed(): PgTestBed {
  let started: PgCluster | null = null;
  const running: ChildServer[] = [];
  const clients: YClient[] = [];
  beforeAll(async () => {
    started = await PgCluster.start();
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await killChildServers(running);
    await started?.destroy();
  });
  return {
    get cluster(): PgCluster {
      if (!started) throw new Error('the PostgreSQL cluster starts before the first test');
      return started;
    },
    running,
    clients,
  };
}
