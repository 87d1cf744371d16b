/**
 * The connection pool and the checks made before a store serves: one bounded `pg.Pool` per
 * store, with a connect timeout, a query timeout and TCP keepalive, bigints read as numbers,
 * and every error a connection reports outside a query logged (never thrown: a pool whose
 * idle connection dies during a database restart must not take the process down).
 */
import pg from 'pg';
import { redactDatabaseUrl, redactSecrets } from './redact-url.js';
import { THIS_SESSION } from './sql.js';
import type { StoreLogger } from '../store.js';
import { WriterConnection } from './writer-connection.js';

export interface DatabaseOptions {
  /** Connections at most (default 10). */
  poolSize?: number;
  /** Connecting and each query give up after this long (default 10 s). */
  timeoutMs?: number;
  logger: StoreLogger;
}

/** A pool or one of its connections: where a query runs. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** int8 (sequence numbers, sizes, times in ms) as JavaScript numbers: all stay below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A server session, for good: its pid and its start in microseconds since the epoch (sql.ts THIS_SESSION). */
export interface Session {
  pid: number;
  started: number;
}

export class Database {
  readonly pool: pg.Pool;
  /** The URL without its credentials: for logs, errors and `/healthz`. */
  readonly label: string;
  /** Each pooled connection's session, asked on its first use. */
  private readonly sessions = new WeakMap<pg.ClientBase, Session>();
  /** The write cycle's connection (writer-connection.ts), opened on its first use. */
  private readonly writer: WriterConnection;
  private closed: Promise<void> | null = null;

  constructor(
    readonly url: string,
    private readonly options: DatabaseOptions,
  ) {
    this.label = redactDatabaseUrl(url);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const connection: pg.ClientConfig = {
      connectionString: url,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      keepAlive: true,
      application_name: 'tandem',
      types,
    };
    this.pool = new pg.Pool({ ...connection, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
    this.writer = new WriterConnection({
      config: connection,
      lost: (error) => options.logger.warn({ database: this.label, err: this.describe(error) }, 'database connection lost (the writer); the next commit reconnects'),
    });
    this.pool.on('error', (error) => options.logger.warn({ database: this.label, err: this.describe(error) }, 'database connection lost (idle); the pool reconnects'));
  }

  /** An error's message with any credential removed. */
  describe(error: unknown): string {
    const message = error instanceof Error ? error.message || String((error as { code?: unknown }).code ?? error.name) : String(error);
    return redactSecrets(message, this.url);
  }

  /** Runs `work` with one connection, destroying it (not reusing it) if anything failed. */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out connection that dies between two queries reports it here, not as a throw.
    const onError = (error: Error): void => this.options.logger.warn({ database: this.label, err: this.describe(error) }, 'database connection lost');
    client.on('error', onError);
    let failure: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(failure);
    }
  }

  /**
   * Runs `work` on the write cycle's own connection (writer-connection.ts): one cycle at a time,
   * no pool checkout; a connection that failed is ended and the next call opens another.
   */
  withWriter<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    return this.writer.use(work);
  }

  /** The session `client` talks to: one query on a connection's first use, none after. */
  async session(client: pg.ClientBase): Promise<Session> {
    const known = this.sessions.get(client);
    if (known) return known;
    const row = (await client.query<Session>(THIS_SESSION)).rows[0];
    if (!row) throw new Error('the database does not list this session in pg_stat_activity');
    this.sessions.set(client, row);
    return row;
  }

  /**
   * Runs `work` in one read-only REPEATABLE READ transaction: every query in it sees the same
   * committed state (a write cycle, or a compaction, is wholly there or not at all).
   */
  snapshot<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    });
  }

  /**
   * Refuses a session that could acknowledge a commit before it is durable: the durability
   * promise (nothing leaves before COMMIT) holds only with `synchronous_commit` on.
   */
  async checkDurability(): Promise<void> {
    const settings = await this.withClient(async (client) => {
      const result = await client.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'server_version_num')",
      );
      return new Map(result.rows.map((r) => [r.name, r.setting]));
    });
    if (settings.get('synchronous_commit') === 'off') {
      throw new DatabaseSetupError(
        `${this.label} runs with synchronous_commit = off: a commit could be acknowledged before it is durable, and Tandem relays an update only once it is. ` +
          'Turn it on for this database or role (ALTER DATABASE … SET synchronous_commit = on, or in postgresql.conf).',
      );
    }
    if (Number(settings.get('server_version_num') ?? 0) < 130000) {
      throw new DatabaseSetupError(`${this.label} runs PostgreSQL ${settings.get('server_version_num')}; Tandem needs 13 or newer`);
    }
    if (settings.get('fsync') === 'off') {
      this.options.logger.warn({ database: this.label }, 'the database runs with fsync = off: a machine crash can lose committed updates');
    }
  }

  /** Closes every connection (once those checked out are back). Idempotent. */
  close(): Promise<void> {
    this.closed ??= Promise.all([this.writer.close(), this.pool.end()]).then(() => undefined);
    return this.closed;
  }
}

/** Node's codes for a server that cannot be reached: nothing listening, a name not resolving (yet), no route. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
/** SQLSTATEs of a server that is there but takes no work now: shutting down, restarting after a crash, starting up, out of connections. */
const NOT_NOW = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * Whether `error` says the database cannot be reached (yet), as opposed to refusing us (a wrong
 * password, no such database, a setting to change): the first is worth waiting out.
 */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  // pg reports a connection cut, or a connect that timed out, without a code.
  if (typeof code !== 'string') return /connection terminated|timeout/i.test(error.message);
  // Class 08: connection exceptions.
  return NETWORK_CODES.has(code) || NOT_NOW.has(code) || code.startsWith('08');
}

/** The database cannot be used as it is set up: the message says what to change. */
export class DatabaseSetupError extends Error {
  readonly code = 'ERR_DATABASE_SETUP';
}
