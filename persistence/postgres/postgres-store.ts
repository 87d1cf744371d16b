/**
 * The PostgreSQL store: documents, their whole history and checkpoints in a database
 * (schema.ts), behind the same `Store` promises as the file store.
 *
 * Group commit: `append` queues a record and marks its document dirty. One write cycle at a
 * time takes every dirty document's queued records and commits them with one multi-row
 * statement, its own transaction (group-commit.ts), however many documents; appends made
 * meanwhile wait for the next cycle, which starts as soon as this one ends. An append resolves
 * with the seq the database allocated, once the statement has committed — and
 * `synchronous_commit` is checked at startup, so a commit the server reports is durable.
 *
 * Failure: a cycle that did not commit puts its records back at the front of their queues and
 * is retried with exponential backoff; a statement whose outcome is unknown is settled (by
 * looking for its records, group-commit.ts) before anything is retried. Nothing is dropped;
 * `health()` names the database and says why until a commit (or, idle, a probe) succeeds again;
 * `load` of a document waits for its queued records.
 *
 * Closing flushes first; `close(deadline)` stops at the deadline instead: no cycle is started or
 * retried any more, the pool is let go, and the records not committed are named (a cycle still
 * running then may yet commit its records: harmless, as no client was answered for them and
 * clients that still hold them send them again, where a Yjs update applied twice changes nothing).
 */
import * as Y from 'yjs';
import type { DocArchive, DocHistory, DocSummary } from '../archive.js';
import { StoreNotDurableError, type AppendMeta, type LoadedDoc, type PendingWrite, type SeqUpdate, type SharedLog, type Store, type StoreHealth, type StoreLogger } from '../store.js';
import { settledBefore } from '../deadline.js';
import type { DocTrash, TrashedDoc } from '../trash.js';
import type { CompactionResult } from '../compaction.js';
import type { HistoryPoint } from '../replay.js';
import type { BackupSink } from '../file/backup-stream.js';
import type { BackupSummary } from '../file/backup.js';
import { writeDatabaseBackup } from './database-backup.js';
import { compactDocument } from './history-compaction.js';
import { CheckpointQueue } from './checkpoints.js';
import { CommitHealth } from './commit-health.js';
import { Database } from './database.js';
import { commitBatch, settleCommit, type BatchDoc, type QueuedRecord, type UncertainCommit } from './group-commit.js';
import { PostgresArchive } from './postgres-archive.js';
import { PostgresTrash } from './postgres-trash.js';
import { PostgresVersions } from './pg-versions.js';
import type { NamedVersion, NamedVersions, NewNamedVersion } from '../named-versions.js';
import { migrateSchema } from './schema.js';
import { LAST_SEQS, LOAD_HEAD, UPDATES_AFTER_BY_NAME, UPDATES_BETWEEN } from './sql.js';

export interface PostgresStoreOptions {
  /** Connections at most (default 10), the write cycle's own among them (at least 2 in all). */
  poolSize?: number;
  /** Connecting and each query give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Write a checkpoint after this many records since the last one (default 1000)... */
  checkpointEvery?: number;
  /** ...or after this many update bytes since the last one (default 4 MiB). */
  checkpointBytes?: number;
  /** Checkpoints kept per document (default 3). */
  keepCheckpoints?: number;
  /** Most records in one commit (default 10,000): a backlog after an outage goes in several. */
  maxBatchRecords?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** While no commit runs, the database is probed this often so that health sees an outage (default 5 s). */
  probeMs?: number;
  logger?: StoreLogger;
}

interface Pending extends QueuedRecord {
  resolve(seq: number): void;
}

/** What the store knows of one document; dropped once idle. */
interface DocEntry {
  readonly name: string;
  queue: Pending[];
  inFlight: Pending[];
  drainWaiters: (() => void)[];
  /** Last committed seq known here (others may have committed more since). */
  lastSeq: number;
  sinceCheckpoint: { records: number; bytes: number };
  lastUsed: number;
}

const silent: StoreLogger = { info() {}, warn() {}, error() {} };

export class PostgresStore implements Store, DocArchive, SharedLog, DocTrash, NamedVersions {
  readonly db: Database;
  readonly archive: PostgresArchive;
  private readonly trash: PostgresTrash;
  private readonly versions: PostgresVersions;
  private readonly logger: StoreLogger;
  private readonly options: Required<Omit<PostgresStoreOptions, 'logger' | 'poolSize' | 'timeoutMs'>>;
  private readonly docs = new Map<string, DocEntry>();
  private readonly dirty = new Set<DocEntry>();
  private readonly checkpoints: CheckpointQueue<DocEntry>;
  private cycleRunning = false;
  /** A batch sent without an answer that says how it ended, its records still in flight. */
  private uncertain: { docs: DocEntry[]; commit: UncertainCommit } | null = null;
  private readonly commits: CommitHealth;
  private readonly counters = { cycles: 0, batches: 0, records: 0, checkpoints: 0 };
  private starting: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  /** Set when closing gave up at its deadline: nothing is committed or retried any more. */
  private abandoned = false;
  private readonly timer: NodeJS.Timeout;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.logger = options.logger ?? silent;
    // The write cycle's own connection (writer-connection.ts) is one of the `poolSize`.
    const poolSize = Math.max(1, (options.poolSize ?? 10) - 1);
    this.db = new Database(url, { logger: this.logger, poolSize, timeoutMs: options.timeoutMs });
    this.archive = new PostgresArchive(this.db);
    this.trash = new PostgresTrash(this.db);
    this.versions = new PostgresVersions(this.db);
    this.options = {
      checkpointEvery: options.checkpointEvery ?? 1000,
      checkpointBytes: options.checkpointBytes ?? 4 * 1024 * 1024,
      keepCheckpoints: options.keepCheckpoints ?? 3,
      maxBatchRecords: options.maxBatchRecords ?? 10_000,
      retryMinMs: options.retryMinMs ?? 50,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      probeMs: options.probeMs ?? 5_000,
    };
    this.commits = new CommitHealth(this.db, this.logger, this.options);
    if (this.options.keepCheckpoints < 1) throw new RangeError('keepCheckpoints must be at least 1');
    const due = (doc: DocEntry): boolean =>
      doc.sinceCheckpoint.records >= this.options.checkpointEvery || doc.sinceCheckpoint.bytes >= this.options.checkpointBytes;
    this.checkpoints = new CheckpointQueue<DocEntry>(this.db, this.options.keepCheckpoints, due, {
      written: (doc, seq) => {
        this.counters.checkpoints += 1;
        // Records committed while it was written count toward the next one.
        const share = doc.lastSeq > seq ? (doc.lastSeq - seq) / Math.max(1, doc.sinceCheckpoint.records) : 0;
        doc.sinceCheckpoint = { records: Math.max(0, doc.lastSeq - seq), bytes: Math.round(doc.sinceCheckpoint.bytes * Math.min(1, share)) };
      },
      failed: (doc, error) => this.logger.warn({ doc: doc.name, database: this.db.label, err: this.db.describe(error) }, 'checkpoint failed; loading reads more records until the next one'),
    });
    this.timer = setInterval(() => this.housekeeping(), Math.min(this.options.probeMs, 15_000));
    this.timer.unref();
  }

  /**
   * Connects, checks that commits are durable (synchronous_commit) and brings the schema up to
   * date. Called by the first use if not before; a server calls it at startup so a database it
   * cannot use stops it there. A failed start is tried again by the next call.
   */
  ready(): Promise<void> {
    if (!this.starting) {
      const starting = (async () => {
        await this.db.checkDurability();
        const applied = await this.db.withClient((client) => migrateSchema(client));
        if (applied.length > 0) this.logger.info({ database: this.db.label, versions: applied }, 'database schema migrated');
      })();
      starting.catch(() => {
        if (this.starting === starting) this.starting = null;
      });
      this.starting = starting;
    }
    return this.starting;
  }

  async load(name: string): Promise<LoadedDoc> {
    await this.ready();
    const entry = this.entry(name);
    await this.drained(entry);
    // One snapshot: a compaction committing between reading the checkpoint and the records
    // after it would otherwise leave records missing in between.
    return this.db.snapshot(async (client) => {
      const head = (await client.query<{ id: number; last_seq: number; checkpoint_seq: number | null; state: Buffer | null }>(LOAD_HEAD, [name])).rows[0];
      if (!head) return { state: Y.encodeStateAsUpdate(new Y.Doc()), seq: 0 };
      const doc = new Y.Doc({ gc: true });
      try {
        let from = 0;
        if (head.state && head.checkpoint_seq !== null) {
          try {
            Y.applyUpdate(doc, head.state);
            from = head.checkpoint_seq;
          } catch (error) {
            this.logger.warn({ doc: name, seq: head.checkpoint_seq, err: (error as Error).message }, 'checkpoint does not apply; loading from the first record');
          }
        }
        const { rows } = await client.query<{ seq: number; yjs_update: Buffer }>(UPDATES_BETWEEN, [head.id, from, head.last_seq]);
        if (rows.length !== head.last_seq - from) {
          this.logger.error({ doc: name, database: this.db.label }, `records ${from + 1}–${head.last_seq} are not all there (${rows.length} found): run tandem verify`);
        }
        Y.transact(doc, () => {
          for (const row of rows) Y.applyUpdate(doc, row.yjs_update);
        });
        entry.lastSeq = Math.max(entry.lastSeq, head.last_seq);
        entry.sinceCheckpoint = { records: rows.length, bytes: rows.reduce((sum, r) => sum + r.yjs_update.byteLength, 0) };
        this.checkpoints.offer(entry);
        // The room applies exactly this: a single-checkpoint document is sent as stored.
        const state = rows.length === 0 && head.state && from > 0 ? new Uint8Array(head.state) : Y.encodeStateAsUpdate(doc);
        return { state, seq: head.last_seq };
      } finally {
        doc.destroy();
      }
    });
  }

  append(name: string, update: Uint8Array, meta: AppendMeta): Promise<number> {
    if (this.closing) return Promise.reject(new Error('store is closed'));
    const entry = this.entry(name);
    const appended = new Promise<number>((resolve) => entry.queue.push({ update, author: meta.author, timeMs: Date.now(), resolve }));
    this.dirty.add(entry);
    this.kick();
    return appended;
  }

  async flush(name?: string): Promise<void> {
    if (name !== undefined) {
      const entry = this.docs.get(name);
      if (entry) await this.drained(entry);
      return;
    }
    await Promise.all([...this.docs.values()].map((entry) => this.drained(entry)));
  }

  health(): StoreHealth {
    const failing = this.commits.failing;
    if (failing === null) return { ok: true };
    return { ok: false, reason: `cannot commit to the database ${this.db.label}: ${failing}; ${this.pendingRecords()} records kept in memory, retrying` };
  }

  pendingWrites(): PendingWrite[] {
    return [...this.docs.values()]
      .filter((d) => d.queue.length + d.inFlight.length > 0)
      .map((d) => ({ doc: d.name, records: d.queue.length + d.inFlight.length }));
  }

  close(deadline?: AbortSignal): Promise<void> {
    this.closing ??= this.closeBy(deadline);
    return this.closing;
  }

  /** Write cycles (transactions), per-document batches, records committed and checkpoints written. */
  stats(): { cycles: number; batches: number; records: number; checkpoints: number } {
    return { ...this.counters };
  }

  async recordsAfter(name: string, afterSeq: number, limit: number): Promise<SeqUpdate[]> {
    await this.ready();
    const { rows } = await this.db.pool.query<{ seq: number; yjs_update: Buffer; base: boolean }>(UPDATES_AFTER_BY_NAME, [name, afterSeq, limit]);
    return rows.map((row) => {
      const update = new Uint8Array(row.yjs_update.buffer, row.yjs_update.byteOffset, row.yjs_update.byteLength);
      return row.base ? { seq: row.seq, update, base: true } : { seq: row.seq, update };
    });
  }

  async lastSeqs(names: readonly string[]): Promise<Map<string, number>> {
    if (names.length === 0) return new Map();
    await this.ready();
    const { rows } = await this.db.pool.query<{ name: string; last_seq: number }>(LAST_SEQS, [names]);
    return new Map(rows.map((row) => [row.name, row.last_seq]));
  }

  listDocs(): Promise<DocSummary[]> {
    return this.archive.listDocs();
  }

  readHistory(name: string): Promise<DocHistory | null> {
    return this.archive.readHistory(name);
  }

  /** Moves a document nobody writes to any more to the trash, once its records are committed. */
  async trashDoc(name: string, deletedBy: string | null, nowMs: number): Promise<TrashedDoc | null> {
    await this.ready();
    const entry = this.docs.get(name);
    if (entry) {
      await this.drained(entry);
      await this.checkpoints.idle();
      // What is known of it here belongs to the deleted document, not to a new one of that name.
      this.docs.delete(name);
    }
    return this.trash.moveIn(name, deletedBy, nowMs);
  }

  async listTrash(): Promise<TrashedDoc[]> {
    await this.ready();
    return this.trash.list();
  }

  async restoreDoc(id: string, as?: string): Promise<TrashedDoc> {
    await this.ready();
    const restored = await this.trash.restore(id, as);
    this.docs.delete(restored.name);
    return restored;
  }

  async purgeTrash(beforeMs: number): Promise<TrashedDoc[]> {
    await this.ready();
    return this.trash.purge(beforeMs);
  }

  async listVersions(name: string): Promise<NamedVersion[]> {
    await this.ready();
    return this.versions.listVersions(name);
  }

  /** Names a committed record: the document's records appended here are committed first. */
  async addVersion(name: string, version: NewNamedVersion): Promise<NamedVersion> {
    await this.ready();
    const entry = this.docs.get(name);
    if (entry) await this.drained(entry);
    return this.versions.addVersion(name, version);
  }

  async renameVersion(name: string, id: string, newName: string): Promise<NamedVersion> {
    await this.ready();
    return this.versions.renameVersion(name, id, newName);
  }

  async removeVersion(name: string, id: string): Promise<NamedVersion> {
    await this.ready();
    return this.versions.removeVersion(name, id);
  }

  /** A consistent copy of every document as data-dir files (database-backup.ts). */
  backup(sink: BackupSink): Promise<BackupSummary> {
    return writeDatabaseBackup(this.db, sink);
  }

  /** Drops history before `before` (history-compaction.ts); safe while any server writes. */
  async compact(name: string, before: HistoryPoint): Promise<CompactionResult> {
    await this.ready();
    return compactDocument(this.db, name, before);
  }

  /** Records appended and not yet committed, across documents. */
  private pendingRecords(): number {
    return [...this.docs.values()].reduce((sum, d) => sum + d.queue.length + d.inFlight.length, 0);
  }

  private entry(name: string): DocEntry {
    let entry = this.docs.get(name);
    if (!entry) {
      entry = { name, queue: [], inFlight: [], drainWaiters: [], lastSeq: 0, sinceCheckpoint: { records: 0, bytes: 0 }, lastUsed: Date.now() };
      this.docs.set(name, entry);
    }
    entry.lastUsed = Date.now();
    return entry;
  }

  private drained(entry: DocEntry): Promise<void> {
    if (entry.queue.length === 0 && entry.inFlight.length === 0) return Promise.resolve();
    return new Promise((resolve) => entry.drainWaiters.push(resolve));
  }

  private kick(): void {
    if (this.cycleRunning || this.commits.retryPlanned || this.abandoned) return;
    this.cycleRunning = true;
    // Deferred to the end of this turn of the event loop, so updates that arrived together
    // (from many sockets and rooms) share one transaction.
    setImmediate(() => void this.runCycles());
  }

  private async runCycles(): Promise<void> {
    try {
      await this.ready();
      while (!this.abandoned && (this.uncertain || this.dirty.size > 0)) {
        if (this.uncertain) {
          const { docs, commit } = this.uncertain;
          const lastSeqs = await settleCommit(this.db, commit);
          this.uncertain = null;
          if (lastSeqs) this.committed(docs, lastSeqs);
          else this.putBack(docs);
          continue;
        }
        const docs = this.takeBatch();
        const outcome = await commitBatch(this.db, docs.map((d): BatchDoc => ({ name: d.name, records: d.inFlight, afterSeq: d.lastSeq })));
        if (outcome.kind === 'committed') {
          this.committed(docs, outcome.lastSeqs);
          continue;
        }
        if (outcome.kind === 'uncertain') {
          this.uncertain = { docs, commit: outcome.commit };
          this.logger.warn({ database: this.db.label, pid: outcome.commit.session.pid, err: this.db.describe(outcome.error) }, 'commit outcome unknown; settling it before retrying');
        } else {
          this.putBack(docs);
        }
        throw outcome.error;
      }
    } catch (error) {
      if (!this.abandoned) this.commits.cycleFailed(error, this.pendingRecords(), () => this.kick());
    } finally {
      this.cycleRunning = false;
    }
  }

  /** Moves queued records of every dirty document into flight, up to the batch limit. */
  private takeBatch(): DocEntry[] {
    const docs: DocEntry[] = [];
    let room = this.options.maxBatchRecords;
    for (const entry of this.dirty) {
      if (room <= 0) break;
      entry.inFlight = entry.queue.splice(0, room);
      room -= entry.inFlight.length;
      docs.push(entry);
      if (entry.queue.length === 0) this.dirty.delete(entry);
    }
    return docs;
  }

  private putBack(docs: DocEntry[]): void {
    for (const entry of docs) {
      entry.queue = [...entry.inFlight, ...entry.queue];
      entry.inFlight = [];
      this.dirty.add(entry);
    }
  }

  private committed(docs: DocEntry[], lastSeqs: Map<string, number>): void {
    this.counters.cycles += 1;
    this.counters.batches += docs.length;
    this.commits.committed();
    for (const entry of docs) {
      const last = lastSeqs.get(entry.name);
      // Never: a batch answered without every document's seq is settled (group-commit.ts).
      if (last === undefined) throw new Error(`commit returned no seq for ${JSON.stringify(entry.name)}`);
      const records = entry.inFlight;
      entry.inFlight = [];
      const first = last - records.length + 1;
      records.forEach((record, i) => record.resolve(first + i));
      this.counters.records += records.length;
      entry.lastSeq = Math.max(entry.lastSeq, last);
      entry.sinceCheckpoint.records += records.length;
      entry.sinceCheckpoint.bytes += records.reduce((sum, r) => sum + r.update.byteLength, 0);
      if (entry.queue.length === 0) for (const waiter of entry.drainWaiters.splice(0)) waiter();
      this.checkpoints.offer(entry);
    }
  }

  /** Probes an idle database (so health sees an outage without writes) and forgets idle documents. */
  private housekeeping(): void {
    const now = Date.now();
    for (const [name, entry] of this.docs) {
      const idle = entry.queue.length === 0 && entry.inFlight.length === 0 && !this.checkpoints.busy(entry);
      if (idle && now - entry.lastUsed > 60_000) this.docs.delete(name);
    }
    this.commits.probeIfIdle(!this.cycleRunning && !this.closing);
  }

  /** `shutdown`, or as much of it as fits before `deadline` (see `Store.close`). */
  private async closeBy(deadline: AbortSignal | undefined): Promise<void> {
    const finished = this.shutdown();
    if (!deadline || (await settledBefore(finished, deadline))) return finished;
    const pending = this.pendingWrites();
    // It never finishes now: its flush waits for records nobody commits any more.
    finished.catch(() => undefined);
    this.abandoned = true;
    this.commits.stop();
    clearInterval(this.timer);
    // Not waited for: a query still running holds the pool until the driver's timeout.
    this.db.close().catch(() => undefined);
    if (pending.length > 0) throw new StoreNotDurableError(pending);
  }

  private async shutdown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.flush();
    await this.checkpoints.idle();
    clearInterval(this.timer);
    this.commits.stop();
    await this.db.close();
  }
}
