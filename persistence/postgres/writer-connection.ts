/**
 * The write cycle's own connection: one write cycle runs at a time (postgres-store.ts), so it
 * needs exactly one connection, kept across cycles instead of checked out of the pool for each
 * one. A pool checkout and release cost a commit more CPU than its parameters: promise hops,
 * the pool's queue, and an idle timer armed at every release and cleared at the next checkout
 * (BENCHMARKS.md, "Per-node CPU"). The pool keeps serving everything else, settling an
 * uncertain commit included, so a write cycle never waits for a read.
 *
 * Failure is handled as the pool handles it: a connection that failed a query, or reported an
 * error while idle, is ended and never used again; the next cycle opens a new one (bounded by
 * the connect timeout). Nothing else is retried here: what a failed cycle means is
 * group-commit.ts's business.
 */
import pg from 'pg';

export interface WriterOptions {
  /** The pool's settings: URL, timeouts, keepalive, type parsers, application name. */
  config: pg.ClientConfig;
  /** A connection lost while no cycle ran (the next cycle opens another). */
  lost(error: Error): void;
}

export class WriterConnection {
  private client: Promise<pg.Client> | null = null;
  private closed = false;

  constructor(private readonly options: WriterOptions) {}

  /** Runs `work` on the writer connection, opening it if needed; a failure ends the connection. */
  async use<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the database is closed');
    const opening = (this.client ??= this.open());
    let client: pg.Client;
    try {
      client = await opening;
    } catch (error) {
      if (this.client === opening) this.client = null;
      throw error;
    }
    try {
      return await work(client);
    } catch (error) {
      this.drop(opening, client);
      throw error;
    }
  }

  /** Ends the connection (a cycle still running on it fails). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const opening = this.client;
    this.client = null;
    const client = await opening?.catch(() => null);
    await client?.end().catch(() => undefined);
  }

  private open(): Promise<pg.Client> {
    const client = new pg.Client(this.options.config);
    const opening = client.connect().then(
      () => client,
      async (error: unknown) => {
        await client.end().catch(() => undefined);
        throw error;
      },
    );
    // Registered at once: an error event without a listener would end the process.
    client.on('error', (error) => {
      this.options.lost(error);
      this.drop(opening, client);
    });
    // Closed by the server (a restart, pg_terminate_backend) while idle: the next cycle opens another.
    client.on('end', () => this.drop(opening, client));
    return opening;
  }

  /** Forgets `client` (if it is still the one in use) and ends it without waiting. */
  private drop(opening: Promise<pg.Client>, client: pg.Client): void {
    if (this.client === opening) this.client = null;
    client.end().catch(() => undefined);
  }
}
