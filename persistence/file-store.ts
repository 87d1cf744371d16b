/**
 * The embedded file store: one append-only log and a few checkpoints per document under
 * `<data-dir>/docs/` (see doc-files.ts for the layout, record-format.ts for the bytes).
 *
 * Group commit: `append` queues a record and marks its document dirty. One write cycle at a
 * time takes every dirty document, writes each one's queued records in one positional write,
 * fdatasyncs the touched files in parallel, and then resolves those appends in order. Appends
 * made meanwhile wait for the next cycle, which starts as soon as this one ends — so a busy
 * server pays about one fdatasync per cycle, not per update.
 *
 * Failure: a document whose write fails keeps its records queued and is retried with
 * exponential backoff; `health()` reports it until a write succeeds. Nothing is dropped, and
 * `load` of that document waits for its queued records.
 */
import { resolve as resolvePath } from 'node:path';
import type { DocArchive, DocHistory, DocSummary } from './archive.js';
import { CheckpointQueue } from './checkpoint-writer.js';
import { DataDirArchive } from './data-dir.js';
import { describeProblem, openDocFiles } from './doc-files.js';
import { DocLog } from './doc-log.js';
import { orphanContent, stateOf } from './doc-state.js';
import { checkStorableName } from './file-names.js';
import { errorMessage, nodeFs, type StoreFs } from './store-fs.js';
import type { AppendMeta, LoadedDoc, Store, StoreHealth } from './store.js';

/** Structural subset of a pino logger. */
export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FileStoreOptions {
  /** fdatasync each batch (default true). Off only for benchmarks. */
  fsync?: boolean;
  /** Write a checkpoint after this many records since the last one (default 1000). */
  checkpointEvery?: number;
  /** ...or after this many log bytes since the last one (default 4 MiB). */
  checkpointBytes?: number;
  /** Checkpoints kept per document (default 3): older ones are fallbacks. */
  keepCheckpoints?: number;
  /** A document's file handle is closed after this long without use (default 30 s). */
  idleMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  fs?: StoreFs;
  logger?: StoreLogger;
}

/** Author recorded for content merged back from checkpoints the log no longer backs. */
export const RECOVERY_AUTHOR = 'tandem:recovery';

const silent: StoreLogger = { info() {}, warn() {}, error() {} };

interface Failure {
  error: string;
  attempts: number;
  timer: NodeJS.Timeout | null;
}

export class FileStore implements Store, DocArchive {
  readonly dataDir: string;
  readonly archive: DataDirArchive;
  private readonly fs: StoreFs;
  private readonly logger: StoreLogger;
  private readonly options: Required<Omit<FileStoreOptions, 'fs' | 'logger'>>;
  private readonly logs = new Map<string, DocLog>();
  private readonly opening = new Map<string, Promise<DocLog>>();
  private readonly dirty = new Set<DocLog>();
  private readonly failures = new Map<DocLog, Failure>();
  private cycleRunning = false;
  private readonly counters = { cycles: 0, batches: 0, records: 0, checkpoints: 0 };
  private readonly checkpoints: CheckpointQueue;
  private readonly sweep: NodeJS.Timeout;
  private closing: Promise<void> | null = null;

  constructor(dataDir: string, options: FileStoreOptions = {}) {
    this.dataDir = resolvePath(dataDir);
    this.fs = options.fs ?? nodeFs;
    this.logger = options.logger ?? silent;
    this.options = {
      fsync: options.fsync ?? true,
      checkpointEvery: options.checkpointEvery ?? 1000,
      checkpointBytes: options.checkpointBytes ?? 4 * 1024 * 1024,
      keepCheckpoints: options.keepCheckpoints ?? 3,
      idleMs: options.idleMs ?? 30_000,
      retryMinMs: options.retryMinMs ?? 50,
      retryMaxMs: options.retryMaxMs ?? 5_000,
    };
    if (this.options.keepCheckpoints < 1) throw new RangeError('keepCheckpoints must be at least 1');
    const due = (log: DocLog): boolean =>
      log.sinceCheckpoint.records >= this.options.checkpointEvery || log.sinceCheckpoint.bytes >= this.options.checkpointBytes;
    this.checkpoints = new CheckpointQueue(this.fs, { keep: this.options.keepCheckpoints, fsync: this.options.fsync }, due, {
      written: () => void (this.counters.checkpoints += 1),
      failed: (log, error) => this.logger.warn({ path: log.dir, err: errorMessage(error) }, 'checkpoint failed; loading replays more of the log until the next one'),
    });
    this.archive = new DataDirArchive(this.dataDir, this.fs, (name) => this.logs.get(name)?.end);
    this.sweep = setInterval(() => this.closeIdle(), Math.max(10, this.options.idleMs / 2));
    this.sweep.unref();
  }

  async load(name: string): Promise<LoadedDoc> {
    const log = await this.openLog(name);
    await log.drained();
    log.lastUsed = Date.now();
    const files = await openDocFiles(this.fs, log.dir, name, log.end);
    return { state: stateOf(files), seq: log.durableSeq };
  }

  append(name: string, update: Uint8Array, meta: AppendMeta): Promise<number> {
    if (this.closing) return Promise.reject(new Error('store is closed'));
    const timeMs = Date.now();
    const log = this.logs.get(name);
    if (log) return this.enqueue(log, update, meta.author, timeMs);
    // Appends to one name wait on the same open, so they keep their order.
    return this.openLog(name).then((opened) => this.enqueue(opened, update, meta.author, timeMs));
  }

  async flush(name?: string): Promise<void> {
    if (name === undefined) {
      await Promise.all([...this.logs.values()].map((log) => log.drained()));
      return;
    }
    const log = this.logs.get(name) ?? (await this.opening.get(name));
    if (log) await log.drained();
  }

  health(): StoreHealth {
    if (this.failures.size === 0) return { ok: true };
    const [log, failure] = [...this.failures][0] ?? [];
    const others = this.failures.size > 1 ? ` (and ${this.failures.size - 1} more documents)` : '';
    return { ok: false, reason: `cannot write ${log?.logPath}: ${failure?.error}; ${log?.pending} records kept in memory, retrying${others}` };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Write cycles, per-document batches (one write + fdatasync each) and records written so
   * far: records per cycle is what group commit saves.
   */
  stats(): { cycles: number; batches: number; records: number; checkpoints: number } {
    return { ...this.counters };
  }

  /** Last sequence number given out for a document whose log is open, else null. */
  assignedSeq(name: string): number | null {
    return this.logs.get(name)?.seq ?? null;
  }

  /** Opens a document's log (keeping it open a while) so that `assignedSeq` answers. */
  async touch(name: string): Promise<void> {
    (await this.openLog(name)).lastUsed = Date.now();
  }

  listDocs(): Promise<DocSummary[]> {
    return this.archive.listDocs();
  }

  readHistory(name: string): Promise<DocHistory | null> {
    return this.archive.readHistory(name);
  }

  private enqueue(log: DocLog, update: Uint8Array, author: string | null, timeMs: number): Promise<number> {
    const appended = log.enqueue(update, author, timeMs);
    this.dirty.add(log);
    this.kick();
    return appended;
  }

  private openLog(name: string): Promise<DocLog> {
    const open = this.logs.get(name);
    if (open) return Promise.resolve(open);
    let opening = this.opening.get(name);
    if (!opening) {
      checkStorableName(name);
      opening = this.readAndRecover(name).finally(() => this.opening.delete(name));
      this.opening.set(name, opening);
    }
    return opening;
  }

  private async readAndRecover(name: string): Promise<DocLog> {
    const files = await openDocFiles(this.fs, this.archive.docDir(name), name);
    for (const problem of files.problems) this.logger.warn({ path: problem.path, offset: problem.offset }, `store recovery: ${describeProblem(problem)}`);
    const log = new DocLog(this.fs, files);
    this.logs.set(name, log);
    if (files.orphans.length > 0) {
      const recovered = orphanContent(files);
      if (recovered) {
        this.logger.warn({ doc: name, path: log.dir }, 'store recovery: merging content of checkpoints the log no longer backs as a new record');
        void this.enqueue(log, recovered, RECOVERY_AUTHOR, Date.now());
      }
    }
    return log;
  }

  private kick(): void {
    if (this.cycleRunning) return;
    this.cycleRunning = true;
    // Deferred to the end of this turn of the event loop, so updates that arrived together
    // (from many sockets and rooms) share one write cycle.
    setImmediate(() => void this.runCycles());
  }

  private async runCycles(): Promise<void> {
    try {
      while (this.dirty.size > 0) {
        const batch = [...this.dirty].filter((log) => !this.failures.get(log)?.timer);
        this.dirty.clear();
        if (batch.length === 0) break;
        this.counters.cycles += 1;
        await Promise.all(batch.map((log) => this.writeLog(log)));
      }
    } finally {
      this.cycleRunning = false;
    }
  }

  /** Never throws: a failure is recorded and retried later. */
  private async writeLog(log: DocLog): Promise<void> {
    const records = log.pending;
    try {
      await log.writeQueued(this.options.fsync);
      this.counters.batches += 1;
      this.counters.records += records;
    } catch (error) {
      this.recordFailure(log, error);
      return;
    }
    const failure = this.failures.get(log);
    if (failure) {
      this.failures.delete(log);
      this.logger.info({ path: log.logPath, attempts: failure.attempts }, 'store write recovered');
    }
    this.checkpoints.offer(log);
  }

  private recordFailure(log: DocLog, error: unknown): void {
    const failure = this.failures.get(log) ?? { error: '', attempts: 0, timer: null };
    failure.error = errorMessage(error);
    failure.attempts += 1;
    const delay = Math.min(this.options.retryMaxMs, this.options.retryMinMs * 2 ** (failure.attempts - 1));
    this.logger.error(
      { path: log.logPath, err: failure.error, attempt: failure.attempts, pending: log.pending, retryInMs: delay },
      'store write failed; records kept in memory, retrying',
    );
    // Not unref'd: queued records keep the process alive until they are written.
    failure.timer = setTimeout(() => {
      failure.timer = null;
      this.dirty.add(log);
      this.kick();
    }, delay);
    this.failures.set(log, failure);
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const [name, log] of this.logs) {
      if (log.busy || this.dirty.has(log) || this.failures.has(log) || now - log.lastUsed < this.options.idleMs) continue;
      this.logs.delete(name);
      log.close().catch((error: unknown) => this.logger.warn({ path: log.logPath, err: errorMessage(error) }, 'closing log failed'));
    }
  }

  private async shutdown(): Promise<void> {
    await this.flush();
    // Leave no document with more than one checkpoint interval of log to replay at next load.
    for (const log of this.logs.values()) this.checkpoints.offer(log);
    await this.checkpoints.idle();
    clearInterval(this.sweep);
    for (const failure of this.failures.values()) if (failure.timer) clearTimeout(failure.timer);
    await Promise.all([...this.logs.values()].map((log) => log.close()));
    this.logs.clear();
  }
}

