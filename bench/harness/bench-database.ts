/**
 * The PostgreSQL the `tandem-postgres` server kind runs on: one throwaway cluster for the whole
 * bench run (started on first use), a fresh database per server run. Not pinned to a CPU: it
 * shares the machine with the server and the generator, as a database on the same host would —
 * at their priority (`--nice`), since a commit waits for it as much as for the server.
 */
import pg from 'pg';
import { PgCluster } from '../../tests/helpers/pg-cluster.js';
import { ProcessPriority } from './process-priority.js';

/** Records stored and the transactions that stored them: group commit's batching, measured. */
export interface Batching {
  records: number;
  commits: number;
}

/** Every record row carries the id of the transaction that inserted it (xmin). */
export async function readBatching(url: string): Promise<Batching> {
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

export class BenchDatabase {
  private cluster: Promise<PgCluster> | null = null;
  private started: PgCluster | null = null;
  private readonly priority: ProcessPriority;

  constructor(nice = 0) {
    this.priority = new ProcessPriority(nice);
  }

  async create(): Promise<string> {
    this.cluster ??= PgCluster.start().then((cluster) => (this.started = cluster));
    return (await this.cluster).createDatabase('bench');
  }

  /** Gives the postmaster and every backend it started since the last call the bench's priority (`--nice`). */
  prioritize(): void {
    this.priority.apply([this.started?.postmasterPid()]);
  }

  /** Records stored and the transactions that stored them (`readBatching`). */
  batching(url: string): Promise<Batching> {
    return readBatching(url);
  }

  async destroy(): Promise<void> {
    if (this.cluster) await (await this.cluster).destroy();
  }
}
