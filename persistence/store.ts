/**
 * The seam between the sync server and durable storage. The server relies on three promises:
 *
 * 1. `load(name)` returns every update whose `append` has resolved, and waits for any append
 *    to that document still in flight, so a room reloaded right after an unload misses nothing.
 * 2. `append(...)` resolves only once the record is durable (written and fsync'd, for stores
 *    that promise durability). Appends to one document resolve in the order they were made.
 *    A failing write is retried, never dropped: the promise stays pending meanwhile and
 *    `health()` reports the failure.
 * 3. `flush()` resolves when everything appended so far is durable.
 *
 * A store that cannot write (a failing disk) keeps records and retries for as long as it runs;
 * `close(deadline)` bounds how long shutting down waits for them, and then says which
 * documents lose how many records (none of them was ever acknowledged or relayed).
 */

export interface AppendMeta {
  /** Who made the change, when known: a token's user, or a name the connection declared (marked as such: author.ts). */
  author: string | null;
}

export interface LoadedDoc {
  /** The merged document state as one Yjs update (empty document: a 2-byte empty update). */
  state: Uint8Array;
  /** Sequence number of the last record included; 0 for a new document. */
  seq: number;
}

export interface StoreHealth {
  ok: boolean;
  /** Why the store is unhealthy, for logs and `/healthz`. */
  reason?: string;
}

/** Structural subset of a pino logger. */
export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Records appended to one document that are not durable yet. */
export interface PendingWrite {
  doc: string;
  records: number;
}

/** `close(deadline)` gave up: these records are not durable and go with the process. */
export class StoreNotDurableError extends Error {
  readonly code = 'ERR_STORE_NOT_DURABLE';
  constructor(readonly pending: readonly PendingWrite[]) {
    super(describePending(pending));
  }
}

/** `3 records of 2 documents are not durable: "a" (2 records), "b" (1 record)`. */
export function describePending(pending: readonly PendingWrite[]): string {
  const total = pending.reduce((sum, p) => sum + p.records, 0);
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const list = pending.map((p) => `${JSON.stringify(p.doc)} (${count(p.records, 'record')})`).join(', ');
  return `${count(total, 'record')} of ${count(pending.length, 'document')} ${total === 1 ? 'is' : 'are'} not durable: ${list}`;
}

export interface Store {
  load(name: string): Promise<LoadedDoc>;
  append(name: string, update: Uint8Array, meta: AppendMeta): Promise<number>;
  /** Everything appended so far (to one document, or to all) is durable. */
  flush(name?: string): Promise<void>;
  health(): StoreHealth;
  /** Per document, records appended whose append has not resolved yet. */
  pendingWrites(): PendingWrite[];
  /**
   * Flushes, then releases files and timers. Idempotent. If `deadline` aborts first, stops
   * waiting and retrying, releases everything and rejects with `StoreNotDurableError` naming
   * what is not durable (it resolves if everything is).
   */
  close(deadline?: AbortSignal): Promise<void>;
}

/** One committed record: its sequence number and the Yjs update. */
export interface SeqUpdate {
  seq: number;
  update: Uint8Array;
  /**
   * Set for the state kept where the history before it was compacted away (`tandem compact`):
   * it stands for every record up to `seq`.
   */
  base?: true;
}

/**
 * A store whose documents several servers write at once (PostgreSQL): the nodes of a cluster
 * read back from it what they did not hear from each other. Every committed record of a
 * document has the next sequence number, with no holes.
 */
export interface SharedLog {
  /**
   * A document's committed records after `afterSeq`, in order, at most `limit` of them; when
   * those right after `afterSeq` were compacted away, the state kept at the cut comes first.
   */
  recordsAfter(name: string, afterSeq: number, limit: number): Promise<SeqUpdate[]>;
  /** The newest committed seq of each of these documents that has any records. */
  lastSeqs(names: readonly string[]): Promise<Map<string, number>>;
}
