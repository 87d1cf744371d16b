/**
 * The PostgreSQL the `tandem-postgres` server kind runs on: one throwaway cluster for the whole
 * bench run (started on first use), a fresh database per server run. Not pinned to a CPU: it
 * shares the machine with the server and the generator, as a database on the same host would.
 */
import pg from 'pg';
import { PgCluster } from '../../tests/helpers/pg-cluster.js';

/** Records stored and the transactions that stored them: group commit's batching, measured. */
export interface Batching {
  records: number;
  commits: number;
}

export class BenchDatabase {
  private cluster: Promise<PgCluster> | null = null;

  async create(): Promise<string> {
    this.cluster ??= PgCluster.start();
    return (await this.cluster).createDatabase('bench');
  }

  /** Every record row carries the id of the transaction that inserted it (xmin). */
  async batching(url: string): Promise<Batching> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ records: string; commits: string }>(
        'SELECT count(*) AS records, count(DISTINCT xmin::text) AS commits FROM tandem_records',
      );
      return { records: Number(rows[0]?.records ?? 0), commits: Number(rows[0]?.commits ?? 0) };
    } finally {
      await client.end();
    }
  }

  async destroy(): Promise<void> {
    if (this.cluster) await (await this.cluster).destroy();
  }
}
