/**
 * The PostgreSQL the `tandem-postgres` server kind runs on: one throwaway cluster for the whole
 * bench run (started on first use), a fresh database per server run. Not pinned to a CPU: it
 * shares the machine with the server and the generator, as a database on the same host would —
 * at their priority (`--nice`), since a commit waits for it as much as for the server.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import pg from 'pg';
import { PgCluster } from '../../tests/helpers/pg-cluster.js';

/** Records stored and the transactions that stored them: group commit's batching, measured. */
export interface Batching {
  records: number;
  commits: number;
}

export class BenchDatabase {
  private cluster: Promise<PgCluster> | null = null;
  private started: PgCluster | null = null;
  /** Processes given the priority already, by pid and start time (a pid is reused). */
  private readonly prioritized = new Set<string>();

  constructor(private readonly nice = 0) {}

  async create(): Promise<string> {
    this.cluster ??= PgCluster.start().then((cluster) => (this.started = cluster));
    return (await this.cluster).createDatabase('bench');
  }

  /**
   * Gives the postmaster and every process it started since the last call the bench's priority
   * (`--nice`), as the bench's own children have it: each PostgreSQL process is a session of its
   * own (it calls setsid), so its autogroup gets the nice value, and the process too. Called
   * while a server runs, since a backend is started for each new connection.
   */
  prioritize(): void {
    const postmaster = this.started?.postmasterPid();
    if (!this.nice || !postmaster) return;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // After the command, which may hold spaces: state, ppid, … starttime (the 20th).
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const pid = Number(entry);
        const key = `${entry}:${fields[19]}`;
        if ((pid !== postmaster && Number(fields[1]) !== postmaster) || this.prioritized.has(key)) continue;
        writeFileSync(`/proc/${entry}/autogroup`, String(this.nice));
        setPriority(pid, this.nice);
        this.prioritized.add(key);
      } catch {
        // Gone meanwhile, or no autogroups: the process keeps its priority.
      }
    }
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
