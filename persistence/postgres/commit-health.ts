/**
 * Whether the PostgreSQL store can commit, as `health()` reports it, and when a failed write
 * cycle is tried again. Two sources: a write cycle that failed (retried after a backoff that
 * doubles from `retryMinMs` to `retryMaxMs`), and, while nothing is written, a probe of the
 * idle database (so an outage shows without writes). A commit that goes through clears both;
 * a probe that a commit outran says nothing.
 */
import type { StoreLogger } from '../store.js';
import type { Database } from './database.js';

export interface CommitHealthOptions {
  retryMinMs: number;
  retryMaxMs: number;
  /** An idle database is probed when nothing has committed for this long. */
  probeMs: number;
}

export class CommitHealth {
  private failure: { error: string; attempts: number; timer: NodeJS.Timeout | null } | null = null;
  private probeFailure: string | null = null;
  private lastSuccess = Date.now();

  constructor(
    private readonly db: Database,
    private readonly logger: StoreLogger,
    private readonly options: CommitHealthOptions,
  ) {}

  /** Why commits fail, or null while they succeed. */
  get failing(): string | null {
    return this.failure?.error ?? this.probeFailure;
  }

  /** A failed cycle waits for its retry: no cycle may start before. */
  get retryPlanned(): boolean {
    return this.failure?.timer != null;
  }

  /** A write cycle failed with `pending` records kept: `retry` runs after the backoff. */
  cycleFailed(error: unknown, pending: number, retry: () => void): void {
    const failure = this.failure ?? { error: '', attempts: 0, timer: null };
    failure.error = this.db.describe(error);
    failure.attempts += 1;
    const delay = Math.min(this.options.retryMaxMs, this.options.retryMinMs * 2 ** (failure.attempts - 1));
    this.logger.error({ database: this.db.label, err: failure.error, attempt: failure.attempts, pending, retryInMs: delay }, 'database commit failed; records kept in memory, retrying');
    // Not unref'd: records waiting keep the process alive until they are committed.
    failure.timer = setTimeout(() => {
      failure.timer = null;
      retry();
    }, delay);
    this.failure = failure;
  }

  /** A commit went through: whatever failed before, or an idle probe saw, is over. */
  committed(): void {
    this.lastSuccess = Date.now();
    this.probeFailure = null;
    if (!this.failure) return;
    this.logger.info({ database: this.db.label, attempts: this.failure.attempts }, 'database commits recovered');
    this.stop();
    this.failure = null;
  }

  /** Probes the database if it has been idle (`idle`: no cycle runs or waits) for `probeMs`. */
  probeIfIdle(idle: boolean): void {
    if (!idle || this.failure || Date.now() - this.lastSuccess < this.options.probeMs) return;
    const probed = Date.now();
    this.db.withClient((client) => client.query('SELECT 1')).then(
      () => {
        if (this.probeFailure) this.logger.info({ database: this.db.label }, 'database reachable again');
        this.probeFailure = null;
        this.lastSuccess = Date.now();
      },
      (error: unknown) => {
        // A commit that succeeded meanwhile says more than this probe.
        if (this.lastSuccess > probed) return;
        if (!this.probeFailure) this.logger.error({ database: this.db.label, err: this.db.describe(error) }, 'database unreachable');
        this.probeFailure = this.db.describe(error);
      },
    );
  }

  /** Cancels a planned retry (the store is closing, or a commit made it moot). */
  stop(): void {
    if (this.failure?.timer) clearTimeout(this.failure.timer);
    if (this.failure) this.failure.timer = null;
  }
}
