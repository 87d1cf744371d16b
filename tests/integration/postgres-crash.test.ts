/**
 * The durability promise under kill -9 with PostgreSQL (see helpers/crash-rounds.ts): nothing
 * is relayed before its COMMIT returned, so nothing any client saw is lost with the server.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { killChildServers, type ChildServer } from '../helpers/child-server.js';
import { crashRounds } from '../helpers/crash-rounds.js';
import { PgCluster } from '../helpers/pg-cluster.js';

let cluster: PgCluster;
const started: ChildServer[] = [];

beforeAll(async () => {
  cluster = await PgCluster.start();
});

afterAll(async () => {
  await killChildServers(started);
  await cluster.destroy();
});

describe('kill -9 of a server on PostgreSQL at random moments', () => {
  it('loses nothing any client received, over 5 rounds', async () => {
    await crashRounds(['--database-url', await cluster.createDatabase('crash')], 5, (child) => started.push(child));
  });
});
