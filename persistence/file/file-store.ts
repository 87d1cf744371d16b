/**
 * The embedded file store: one append-only log and a few checkpoints per document under
 * `<data-dir>/docs/` (see doc-files.ts for the layout, record-format.ts for the bytes), and,
 * when durable, a shared journal under `<data-dir>/journal/` (journal.ts).
 *
 * Group commit: `append` queues a record and marks its document dirty. One write cycle at a
 * time takes every dirty document and makes its queued records durable, then resolves those
 * appends in order. Appends made meanwhile wait for the next cycle, which starts as soon as
 * this one ends. How a cycle makes records durable:
 * - with the journal (the default when durable): one O_DSYNC write of every document's
 *   records to the journal, however many documents the cycle touched, made on the event
 *   loop's thread while the disk answers fast: cheaper, and sooner done, than a round trip
 *   through the thread pool. While the disk is busy — it stalled, or commits took too large
 *   a share of the loop's time (loop-commit-budget.ts), or records are being copied into the
 *   logs — commits go through the thread pool, so a struggling disk holds up only what
 *   waits for it (presence and joins go on).
 *   Records are copied into their documents' logs in passes (one write and fdatasync per
 *   document per pass, however many of its records the pass copies), after which journal
 *   segments whose records are all in synced logs are deleted. A pass runs once the store
 *   has had no commit for `journalIdleCopyMs`, and otherwise at least every
 *   `journalFlushMs` or when a segment's preallocated space is used up: each pass costs
 *   every document it copies an fdatasync, and commits made during it wait behind those, so
 *   a busy store makes few large passes rather than many small ones. Startup first copies
 *   whatever a crash left only in the journal.
 * - without (`journal: false`, and with `fsync: false`): one write of each document's records
 *   to its log, fdatasync'd in parallel when `fsync`.
 *
 * Failure: records whose write fails stay queued and are retried with exponential backoff;
 * `health()` reports it until a write succeeds. Nothing is dropped, and `load` of a document
 * waits for its queued records.
 */
import { join, resolve as resolvePath } from 'node:path';
import type { DocArchive, DocSummary } from '../archive.js';
import { TrashError, nameTakenMessage, type DocTrash, type TrashedDoc } from '../trash.js';
import { CheckpointQueue } from './checkpoint-writer.js';
import { DataDirArchive, type FileDocHistory } from './data-dir.js';
import { openDocFiles } from './doc-files.js';
import { FileTrash } from './file-trash.js';
import { DocLog } from './doc-log.js';
import { orphanContent, stateOf } from './doc-state.js';
import { checkStorableName } from './file-names.js';
import { JOURNAL_DIR, JournalWriter, readJournal } from './journal.js';
import { LoopCommitBudget } from './loop-commit-budget.js';
import { encodeJournalEntries, type JournalEntryInput } from './journal-format.js';
import { errorMessage, nodeFs, type StoreFs } from './store-fs.js';
import { StoreNotDurableError, type AppendMeta, type LoadedDoc, type PendingWrite, type Store, type StoreHealth, type StoreLogger } from '../store.js';
import { describeProblem, type LogRecord } from '../record.js';
import { isEmptyHistory, type HistoryPoint } from '../replay.js';
import { CompactionError, resolveCut, type CompactionResult } from '../compaction.js';
import { compactLog, replaceLog } from './log-compaction.js';
import { encodeLogHeader, type LogBase } from './record-format.js';
import { writeBackup, type BackupSummary } from './backup.js';
import type { BackupSink } from './backup-stream.js';
import { RECOVERY_AUTHOR } from '../author.js';
import { settledBefore } from '../deadline.js';
import { checkNewVersion, docNotFound, renamedIn, versionNotFound, type NamedVersion, type NamedVersions, type NewNamedVersion } from '../named-versions.js';
import { readDocVersions, writeDocVersions } from './file-versions.js';

export type { StoreLogger };

export interface FileStoreOptions {
  /** Make records durable before appends resolve (default true). Off only for benchmarks. */
  fsync?: boolean;
  /** Make them durable in the shared journal rather than in each document's log (default: `fsync`). */
  journal?: boolean;
  /** Records are copied from the journal into the documents' logs at least this often (default 60 s)... */
  journalFlushMs?: number;
  /** ...and as soon as no commit has been made for this long (default 1 s). */
  journalIdleCopyMs?: number;
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
  /** A journal commit slower than this (default 20 ms) moves the next ones off the event loop... */
  slowCommitMs?: number;
  /** ...as do commits taking more than this share of the loop's time (default 0.5)... */
  maxCommitShare?: number;
  /** ...for this long (default 2 s). */
  slowDiskHoldMs?: number;
  fs?: StoreFs;
  logger?: StoreLogger;
}

interface JournalBatch {
  docs: DocLog[];
  /** Records taken from each of `docs`. */
  counts: number[];
  bytes: Buffer;
  entries: number;
}

export { RECOVERY_AUTHOR };

const silent: StoreLogger = { info() {}, warn() {}, error() {} };

/** Resolves once `log` is not being compacted (its positions are then current). */
async function untilCompacted(log: DocLog): Promise<void> {
  while (log.compacting) await log.compacting;
}

interface Failure {
  error: string;
  attempts: number;
  timer: NodeJS.Timeout | null;
}

/** Attempts at emptying the journal of a document's records before it is moved (see `retire`). */
const RETIRE_ATTEMPTS = 200;

export class FileStore implements Store, DocArchive, DocTrash, NamedVersions {
  readonly dataDir: string;
  readonly archive: DataDirArchive;
  private readonly fs: StoreFs;
  private readonly logger: StoreLogger;
  private readonly options: Required<Omit<FileStoreOptions, 'fs' | 'logger'>>;
  private readonly logs = new Map<string, DocLog>();
  private readonly opening = new Map<string, Promise<DocLog>>();
  /** Appends waiting for their document's log to open, per name: not durable either. */
  private readonly awaitingOpen = new Map<string, number>();
  private readonly dirty = new Set<DocLog>();
  /** Write failures: of a document's log, or (key null) of the journal. */
  private readonly failures = new Map<DocLog | null, Failure>();
  private cycleRunning = false;
  /** Whether commits go through the thread pool for now (see above). */
  private readonly loopBudget: LoopCommitBudget;
  /** performance.now() of the last commit to the journal: a copy pass waits for a quiet moment. */
  private lastCommitAt = 0;
  /** performance.now() when the last copy pass began. */
  private lastCopyAt = 0;
  private readonly counters = { cycles: 0, batches: 0, records: 0, checkpoints: 0, copies: 0 };
  private readonly checkpoints: CheckpointQueue;
  private readonly sweep: NodeJS.Timeout;
  private closing: Promise<void> | null = null;
  private maintenance: Promise<unknown> = Promise.resolve();
  /** Set when closing gave up at its deadline: nothing is written or retried any more. */
  private abandoned = false;
  private starting: Promise<void> | null = null;
  private journal: JournalWriter | null = null;
  /** Documents holding records that are only in the journal so far. */
  private readonly uncopied = new Set<DocLog>();
  /** Per journal segment: entries copied into synced document logs. */
  private readonly copied = new Map<number, number>();
  private copyTimer: NodeJS.Timeout | null = null;
  private copying: Promise<void> | null = null;
  /** Startup: content of orphaned checkpoints, merged after the journal's records. */
  private readonly orphanRecords = new Map<DocLog, Uint8Array>();
  private readonly trash: FileTrash;
  /** Trash operations run one at a time (a purge must never see a delete half done). */
  private trashTurn: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, options: FileStoreOptions = {}) {
    this.dataDir = resolvePath(dataDir);
    this.fs = options.fs ?? nodeFs;
    this.logger = options.logger ?? silent;
    this.options = {
      fsync: options.fsync ?? true,
      journal: (options.journal ?? true) && (options.fsync ?? true),
      journalFlushMs: options.journalFlushMs ?? 60_000,
      journalIdleCopyMs: options.journalIdleCopyMs ?? 1000,
      checkpointEvery: options.checkpointEvery ?? 1000,
      checkpointBytes: options.checkpointBytes ?? 4 * 1024 * 1024,
      keepCheckpoints: options.keepCheckpoints ?? 3,
      idleMs: options.idleMs ?? 30_000,
      retryMinMs: options.retryMinMs ?? 50,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      slowCommitMs: options.slowCommitMs ?? 20,
      maxCommitShare: options.maxCommitShare ?? 0.5,
      slowDiskHoldMs: options.slowDiskHoldMs ?? 2_000,
    };
    this.loopBudget = new LoopCommitBudget({
      stallMs: this.options.slowCommitMs,
      maxShare: this.options.maxCommitShare,
      windowMs: 250,
      holdMs: this.options.slowDiskHoldMs,
    });
    if (this.options.keepCheckpoints < 1) throw new RangeError('keepCheckpoints must be at least 1');
    const due = (log: DocLog): boolean =>
      log.sinceCheckpoint.records >= this.options.checkpointEvery || log.sinceCheckpoint.bytes >= this.options.checkpointBytes;
    this.checkpoints = new CheckpointQueue(this.fs, { keep: this.options.keepCheckpoints, fsync: this.options.fsync }, due, {
      written: () => void (this.counters.checkpoints += 1),
      failed: (log, error) => this.logger.warn({ path: log.dir, err: errorMessage(error) }, 'checkpoint failed; loading replays more of the log until the next one'),
    });
    this.archive = new DataDirArchive(this.dataDir, this.fs, (name) => this.logs.get(name)?.end, { journal: false, keptScans: 8 });
    this.trash = new FileTrash(this.dataDir, this.fs);
    this.sweep = setInterval(() => this.closeIdle(), Math.max(10, this.options.idleMs / 2));
    this.sweep.unref();
  }

  /**
   * Opens the store: with the journal, copies what a crash left only there into the logs
   * (reporting any damage) and starts a fresh segment. Called by the first use if not before;
   * a server calls it at startup so problems show up there. Rejects if the data dir is unusable.
   */
  ready(): Promise<void> {
    if (!this.starting) {
      const starting = this.options.journal ? this.startJournal() : Promise.resolve();
      // A failed start (say, the disk is full) is tried again by the next call.
      starting.catch(() => {
        if (this.starting === starting) this.starting = null;
      });
      this.starting = starting;
    }
    return this.starting;
  }

  async load(name: string): Promise<LoadedDoc> {
    const log = await this.openLog(name);
    await log.drained();
    await untilCompacted(log);
    log.lastUsed = Date.now();
    // Taken together: the log up to `end` plus the records only in the journal is everything durable.
    const upTo = log.end;
    const seq = log.durableSeq;
    const journaled = log.unwrittenUpdates();
    const files = await openDocFiles(this.fs, log.dir, name, upTo);
    return { state: stateOf(files, journaled), seq };
  }

  append(name: string, update: Uint8Array, meta: AppendMeta): Promise<number> {
    if (this.closing) return Promise.reject(new Error('store is closed'));
    const timeMs = Date.now();
    const log = this.logs.get(name);
    if (log) return this.enqueue(log, update, meta.author, timeMs);
    // Appends to one name wait on the same open, so they keep their order.
    this.awaitingOpen.set(name, (this.awaitingOpen.get(name) ?? 0) + 1);
    // Counted as waiting until queued in the log, in the same turn: never missing in between.
    return this.openLog(name).then(
      (opened) => {
        this.stopAwaitingOpen(name);
        return this.enqueue(opened, update, meta.author, timeMs);
      },
      (error: unknown) => {
        this.stopAwaitingOpen(name);
        throw error;
      },
    );
  }

  private stopAwaitingOpen(name: string): void {
    const left = (this.awaitingOpen.get(name) ?? 1) - 1;
    if (left > 0) this.awaitingOpen.set(name, left);
    else this.awaitingOpen.delete(name);
  }

  async flush(name?: string): Promise<void> {
    // Appends made before the store was ready are queued once it is.
    await this.starting?.catch(() => undefined);
    if (name === undefined) {
      await Promise.all([...this.opening.values()].map((opening) => opening.catch(() => undefined)));
      await Promise.all([...this.logs.values()].map((log) => log.drained()));
      return;
    }
    const log = this.logs.get(name) ?? (await this.opening.get(name));
    if (log) await log.drained();
  }

  health(): StoreHealth {
    const journalFailure = this.failures.get(null);
    if (journalFailure) {
      const pending = [...this.logs.values()].reduce((sum, log) => sum + log.pending, 0);
      return { ok: false, reason: `cannot write the journal in ${join(this.dataDir, JOURNAL_DIR)}: ${journalFailure.error}; ${pending} records kept in memory, retrying` };
    }
    if (this.failures.size === 0) return { ok: true };
    const [log, failure] = [...this.failures][0] ?? [];
    const others = this.failures.size > 1 ? ` (and ${this.failures.size - 1} more documents)` : '';
    const kept = this.journal ? `${log?.unwrittenCount} records kept in the journal` : `${log?.pending} records kept in memory`;
    return { ok: false, reason: `cannot write ${log?.logPath}: ${failure?.error}; ${kept}, retrying${others}` };
  }

  pendingWrites(): PendingWrite[] {
    const pending = new Map<string, number>();
    for (const log of this.logs.values()) if (log.pending > 0) pending.set(log.name, log.pending);
    for (const [name, count] of this.awaitingOpen) pending.set(name, (pending.get(name) ?? 0) + count);
    return [...pending].map(([doc, records]) => ({ doc, records }));
  }

  close(deadline?: AbortSignal): Promise<void> {
    this.closing ??= this.closeBy(deadline);
    return this.closing;
  }

  /**
   * Write cycles, per-document batches, records made durable, checkpoints written and
   * (journal) copies of records into document logs: records per cycle is what group commit saves.
   */
  stats(): { cycles: number; batches: number; records: number; checkpoints: number; copies: number } {
    return { ...this.counters };
  }

  /** Last sequence number given out for a document whose log is open, else null. */
  assignedSeq(name: string): number | null {
    return this.logs.get(name)?.seq ?? null;
  }

  /** Last durable sequence number of a document (0 for a new one). */
  async durableSeq(name: string): Promise<number> {
    const log = await this.openLog(name);
    await log.drained();
    return log.durableSeq;
  }

  /**
   * Appends records that keep their own seq, time and author (a history moved in from another
   * store). Each must follow the last one durable; resolves once all are durable.
   */
  async appendRecords(name: string, records: readonly LogRecord[]): Promise<void> {
    if (this.closing) throw new Error('store is closed');
    const log = await this.openLog(name);
    const appended: Promise<number>[] = [];
    for (const record of records) {
      if (record.seq !== log.seq + 1) throw new Error(`${log.logPath}: record ${record.seq} does not follow record ${log.seq}`);
      appended.push(this.enqueue(log, record.update, record.author, record.timeMs));
    }
    await Promise.all(appended);
  }

  /**
   * Starts a document that has nothing yet from a compacted history's base (one moved in from
   * another store): its log holds the state at `base.seq`, and `appendRecords` goes on after it.
   */
  startFromBase(name: string, base: LogBase): Promise<void> {
    return this.serially(async () => {
      const log = await this.openLog(name);
      await log.exclusive(async () => {
        if (log.seq !== 0) throw new Error(`${log.logPath}: the document already has records`);
        await log.prepare(this.options.fsync);
        await replaceLog(this.fs, log, encodeLogHeader(name, base), null, { fsync: this.options.fsync });
        await log.rebase(await openDocFiles(this.fs, log.dir, name));
        log.seq = base.seq;
        log.durableSeq = base.seq;
      });
    });
  }

  async listDocs(): Promise<DocSummary[]> {
    await Promise.all([...this.uncopied].map((log) => this.copyLog(log)));
    await Promise.all([...this.logs.values()].map(untilCompacted));
    return this.archive.listDocs();
  }

  async readHistory(name: string): Promise<FileDocHistory | null> {
    const log = this.logs.get(name);
    if (log && log.unwrittenCount > 0) await this.copyLog(log);
    if (log) await untilCompacted(log);
    return this.archive.readHistory(name);
  }

  trashDoc(name: string, deletedBy: string | null, nowMs: number): Promise<TrashedDoc | null> {
    return this.inTrashTurn(async () => {
      await this.retire(name);
      return this.trash.moveIn(name, deletedBy, nowMs);
    });
  }

  listTrash(): Promise<TrashedDoc[]> {
    return this.trash.list();
  }

  restoreDoc(id: string, as?: string): Promise<TrashedDoc> {
    return this.inTrashTurn(async () => {
      const found = (await this.trash.list()).find((doc) => doc.id === id);
      const target = as ?? found?.name;
      const open = target === undefined ? undefined : this.logs.get(target);
      if (target !== undefined && open) {
        // Open with records: taken. Open without (someone looked at an empty page): let go of it.
        if (open.seq > 0) throw new TrashError('name-taken', nameTakenMessage(target));
        await this.retire(target);
      }
      return this.trash.restore(id, as);
    });
  }

  purgeTrash(beforeMs: number): Promise<TrashedDoc[]> {
    return this.inTrashTurn(() => this.trash.purge(beforeMs));
  }

  /** The document's named versions (file-versions.ts); damage is logged, the valid ones kept. */
  async listVersions(name: string): Promise<NamedVersion[]> {
    const found = await readDocVersions(this.fs, this.archive.docDir(name));
    for (const problem of found.problems) this.logger.warn({ path: problem.path, offset: problem.offset }, `named versions: ${describeProblem(problem)}`);
    return found.versions;
  }

  addVersion(name: string, input: NewNamedVersion): Promise<NamedVersion> {
    return this.changeVersions(name, () => docNotFound(name), (versions, last) => {
      const added = checkNewVersion(name, versions, last, input);
      return { versions: [...versions, added], result: added };
    });
  }

  renameVersion(name: string, id: string, newName: string): Promise<NamedVersion> {
    return this.changeVersions(name, () => versionNotFound(name, id), (versions) => {
      const { versions: renamed, renamed: version } = renamedIn(name, versions, id, newName);
      return { versions: renamed, result: version };
    });
  }

  removeVersion(name: string, id: string): Promise<NamedVersion> {
    return this.changeVersions(name, () => versionNotFound(name, id), (versions) => {
      const found = versions.find((v) => v.id === id);
      if (!found) throw versionNotFound(name, id);
      return { versions: versions.filter((v) => v !== found), result: found };
    });
  }

  /**
   * Rewrites a document's versions file with `change`'s result. In the trash's turn (never while
   * the document's directory moves, nor during a compaction or backup) and inside its log's
   * exclusive section, after the log's recovery steps (which remove leftover temp files).
   */
  private changeVersions<T>(name: string, missing: () => Error, change: (versions: NamedVersion[], lastSeq: number) => { versions: NamedVersion[]; result: T }): Promise<T> {
    return this.inTrashTurn(async () => {
      const log = await this.openLog(name);
      await log.drained();
      if (log.durableSeq === 0) throw missing();
      return log.exclusive(async () => {
        await log.prepare(this.options.fsync);
        const found = await readDocVersions(this.fs, log.dir);
        for (const problem of found.problems) this.logger.warn({ path: problem.path, offset: problem.offset }, `named versions: ${describeProblem(problem)}; a copy is kept and the valid ones are written back`);
        const changed = change(found.versions, log.durableSeq);
        await writeDocVersions(this.fs, log.dir, changed.versions, { fsync: this.options.fsync, damaged: found.problems.length > 0 });
        return changed.result;
      });
    });
  }

  private inTrashTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.trashTurn.then(async () => {
      if (this.closing) throw new Error('store is closed');
      await this.ready();
      // Never while a compaction rewrites the document's log or a backup reads the data dir.
      return this.serially(work);
    });
    this.trashTurn = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Lets go of a document nobody writes to any more, before its directory moves: its records
   * made durable and copied into its log, the log closed, and no journal segment left that
   * holds any of them — recovery would otherwise copy them into a document of that name again.
   * Throws `TrashError('busy')` when the disk refuses.
   */
  private async retire(name: string): Promise<void> {
    const log = this.logs.get(name) ?? (await this.opening.get(name)?.catch(() => undefined));
    if (log) {
      await log.drained();
      if (log.unwrittenCount > 0) await this.copyLog(log);
      if (log.unwrittenCount > 0 || this.failures.has(log)) throw new TrashError('busy', `cannot write ${log.logPath} (${this.failures.get(log)?.error ?? 'copy failed'}); try again`);
      while (log.checkpointing) await log.checkpointing;
      this.logs.delete(name);
      this.dirty.delete(log);
      this.uncopied.delete(log);
      await log.close();
    }
    const journal = this.journal;
    if (!journal) return;
    // Every record of the document is in this segment or an earlier one.
    const upTo = journal.currentSegment;
    for (let attempt = 0; journal.holdsUpTo(upTo); attempt += 1) {
      if (attempt >= RETIRE_ATTEMPTS) throw new TrashError('busy', `the journal in ${join(this.dataDir, JOURNAL_DIR)} still holds records not copied into their logs; try again`);
      await this.copying;
      await this.copyOut();
      if (journal.holdsUpTo(upTo)) await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Drops the document's history before `before` (compaction.ts), with every record made
   * durable so far (the journal's too) taken into account. Appends go on meanwhile: to the
   * journal, acknowledged as usual, or (without it) queued until the log is rewritten.
   * One compaction or backup at a time.
   */
  compact(name: string, before: HistoryPoint): Promise<CompactionResult> {
    return this.serially(async () => {
      const log = await this.openLog(name);
      let done!: () => void;
      log.compacting = new Promise((resolve) => (done = resolve));
      try {
        // No checkpoint starts while compacting (checkpoint-writer.ts); one in progress ends first.
        while (log.checkpointing) await log.checkpointing;
        return await log.exclusive(async () => {
          this.noteCopied(await log.writeUnwrittenHeld());
          // A damaged tail is moved aside first, as before any write: the history read next is
          // then the whole file, and damage inside it stops the compaction.
          await log.prepare(this.options.fsync);
          const history = await this.archive.readHistory(name);
          if (!history || isEmptyHistory(history)) throw new CompactionError(`no document named ${JSON.stringify(name)} in ${this.dataDir}`);
          try {
            return await compactLog(this.fs, log, history, log.end, resolveCut(history, before), { fsync: this.options.fsync });
          } finally {
            // Whether or not the new log got in place, positions start over from what is on disk.
            await log.rebase(await openDocFiles(this.fs, log.dir, name));
          }
        });
      } finally {
        log.compacting = null;
        done();
        this.checkpoints.offer(log);
        if (this.dirty.has(log)) this.kick();
      }
    });
  }

  /**
   * Sends a consistent copy of the data dir to `sink` (backup.ts): every record acknowledged
   * before the call is in it. Appends go on meanwhile; compactions wait.
   */
  backup(sink: BackupSink): Promise<BackupSummary> {
    return this.serially(async () => {
      await Promise.all([...this.opening.values()].map((opening) => opening.catch(() => undefined)));
      const acknowledged = new Map([...this.logs.values()].map((log) => [log, log.durableSeq]));
      for (const log of acknowledged.keys()) if (log.unwrittenCount > 0) await this.copyLog(log);
      for (const [log, seq] of acknowledged) {
        if (log.fileSeq < seq) {
          throw new Error(`cannot back up ${JSON.stringify(log.name)}: its records up to ${seq} are in the journal, and copying them into ${log.logPath} failed (${this.failures.get(log)?.error ?? 'unknown error'})`);
        }
      }
      return writeBackup(this.fs, this.archive, (name) => this.logs.get(name)?.end, sink);
    });
  }

  /** Runs maintenance jobs (compaction, backup) one after the other. */
  private serially<T>(job: () => Promise<T>): Promise<T> {
    const previous = this.maintenance;
    const run = this.ready().then(() => previous).then(job);
    this.maintenance = run.catch(() => undefined);
    return run;
  }

  private enqueue(log: DocLog, update: Uint8Array, author: string | null, timeMs: number): Promise<number> {
    const appended = log.enqueue(update, author, timeMs);
    this.dirty.add(log);
    this.kick();
    return appended;
  }

  private async openLog(name: string): Promise<DocLog> {
    const open = this.logs.get(name);
    if (open) return open;
    await this.ready();
    return this.openLogNow(name, true);
  }

  private openLogNow(name: string, mergeOrphans: boolean): Promise<DocLog> {
    const open = this.logs.get(name);
    if (open) return Promise.resolve(open);
    let opening = this.opening.get(name);
    if (!opening) {
      checkStorableName(name);
      opening = this.readAndRecover(name, mergeOrphans).finally(() => this.opening.delete(name));
      this.opening.set(name, opening);
    }
    return opening;
  }

  private async readAndRecover(name: string, mergeOrphans: boolean): Promise<DocLog> {
    const files = await openDocFiles(this.fs, this.archive.docDir(name), name);
    for (const problem of files.problems) this.logger.warn({ path: problem.path, offset: problem.offset }, `store recovery: ${describeProblem(problem)}`);
    const log = new DocLog(this.fs, files);
    this.logs.set(name, log);
    const recovered = files.orphans.length > 0 ? orphanContent(files) : null;
    if (recovered) {
      this.logger.warn({ doc: name, path: log.dir }, 'store recovery: merging content of checkpoints the log no longer backs as a new record');
      // The orphans are deleted after the first write to the log, which must hold this record.
      if (mergeOrphans) void this.enqueue(log, recovered, RECOVERY_AUTHOR, Date.now());
      else this.orphanRecords.set(log, recovered);
    }
    return log;
  }

  private kick(): void {
    if (this.cycleRunning || this.abandoned) return;
    this.cycleRunning = true;
    // Deferred to the end of this turn of the event loop, so updates that arrived together
    // (from many sockets and rooms) share one write cycle.
    setImmediate(this.runCycles);
  }

  private readonly runCycles = (): void => {
    const journal = this.journal;
    if (!journal) {
      void this.runLogCycles();
      return;
    }
    if (this.diskBusy()) {
      void this.runPooledJournalCycles(journal);
      return;
    }
    // Updates arriving while this write waits for the disk are read in the next turn of the
    // event loop and share the next cycle.
    this.cycleRunning = false;
    const batch = this.takeJournalBatch();
    if (!batch) return;
    const started = performance.now();
    let segment: number;
    try {
      segment = journal.appendNow(batch.bytes, batch.entries);
    } catch (error) {
      this.journalFailed(batch, error);
      return;
    }
    this.loopBudget.onLoop(started, performance.now());
    this.journalWritten(journal, batch, segment);
  };

  private diskBusy(): boolean {
    return this.copying !== null || this.loopBudget.offLoop(performance.now());
  }

  /** Commits through the thread pool while the disk is slow, then hands back to `runCycles`. */
  private async runPooledJournalCycles(journal: JournalWriter): Promise<void> {
    try {
      while (this.diskBusy()) {
        const batch = this.takeJournalBatch();
        if (!batch) break;
        const started = performance.now();
        let segment: number;
        try {
          segment = await journal.append(batch.bytes, batch.entries);
        } catch (error) {
          this.journalFailed(batch, error);
          return;
        }
        this.loopBudget.pooled(started, performance.now());
        this.journalWritten(journal, batch, segment);
      }
    } finally {
      this.cycleRunning = false;
    }
    if (this.dirty.size > 0) this.kick();
  }

  private async runLogCycles(): Promise<void> {
    try {
      while (this.dirty.size > 0) {
        // A log being compacted, or waiting to retry, stays dirty for later.
        const batch = [...this.dirty].filter((log) => !this.failures.get(log)?.timer && !log.compacting);
        for (const log of batch) this.dirty.delete(log);
        if (batch.length === 0) break;
        this.counters.cycles += 1;
        await Promise.all(batch.map((log) => this.writeLog(log)));
      }
    } finally {
      this.cycleRunning = false;
    }
  }

  /** Every dirty document's queued records as one journal write; null when none (or a retry is due). */
  private takeJournalBatch(): JournalBatch | null {
    if (this.dirty.size === 0 || this.failures.get(null)?.timer) return null;
    const docs = [...this.dirty];
    this.dirty.clear();
    const entries: JournalEntryInput[] = [];
    const counts = docs.map((log) => {
      const frames = log.journalBatch();
      for (const frame of frames) entries.push({ namePrefix: log.namePrefix, frame });
      return frames.length;
    });
    return { docs, counts, bytes: encodeJournalEntries(entries), entries: entries.length };
  }

  private journalWritten(journal: JournalWriter, batch: JournalBatch, segment: number): void {
    this.recovered(null);
    this.lastCommitAt = performance.now();
    this.counters.cycles += 1;
    this.counters.batches += batch.docs.length;
    this.counters.records += batch.entries;
    batch.docs.forEach((log, i) => {
      log.markJournaled(batch.counts[i] ?? 0, segment);
      this.uncopied.add(log);
    });
    // A burst filled the segment's preallocated space before the next pass: copy and rotate now.
    if (journal.full) void this.copyOut();
  }

  /** The records stay queued; the write is retried after a delay. */
  private journalFailed(batch: JournalBatch, error: unknown): void {
    for (const log of batch.docs) this.dirty.add(log);
    this.recordFailure(null, error);
  }

  /** Never throws: a failure is recorded and retried later. */
  private async writeLog(log: DocLog): Promise<void> {
    const records = log.pending;
    try {
      // Healthy again by the time the appends resolve.
      await log.writeQueued(this.options.fsync, () => this.recovered(log));
      this.counters.batches += 1;
      this.counters.records += records;
    } catch (error) {
      this.recordFailure(log, error);
      return;
    }
    this.checkpoints.offer(log);
  }

  /** A pass is due once the store is quiet, or once the last one is `journalFlushMs` old. */
  private copyIfDue(): void {
    const journal = this.journal;
    // Also when everything is copied but segments remain: a pass seals them (once the next
    // segment exists) and deletes them.
    if (!journal || (this.uncopied.size === 0 && !journal.holdsEntries)) return;
    const now = performance.now();
    if (now - this.lastCommitAt >= this.options.journalIdleCopyMs || now - this.lastCopyAt >= this.options.journalFlushMs) void this.copyOut();
  }

  /**
   * Copies what the journal holds into the logs (each fdatasync'd), then deletes journal
   * segments that are wholly copied. One pass at a time (see the top of this file for when).
   */
  private copyOut(): Promise<void> {
    if (!this.copying) this.lastCopyAt = performance.now();
    this.copying ??= this.copyAll().finally(() => {
      this.copying = null;
    });
    return this.copying;
  }

  private async copyAll(): Promise<void> {
    const journal = this.journal;
    if (!journal) return;
    // Sealed first: the copies below then empty every sealed segment, so it can go at once.
    journal.rotate();
    // One document at a time: each copy ends in an fdatasync, and commit writes queued behind
    // a burst of them would wait.
    for (const log of [...this.uncopied]) if (!log.compacting) await this.copyLog(log);
    const done = journal.sealedSegments().filter((s) => (this.copied.get(s.segment) ?? 0) >= s.entries).map((s) => s.segment);
    if (done.length === 0) return;
    try {
      await journal.retire(done);
      for (const segment of done) this.copied.delete(segment);
    } catch (error) {
      this.logger.warn({ path: journal.dir, err: errorMessage(error) }, 'could not delete copied journal segments; retrying');
    }
  }

  /** Never throws: a failed copy keeps the records in the journal and is retried next pass. */
  private async copyLog(log: DocLog): Promise<void> {
    this.uncopied.delete(log);
    try {
      this.noteCopied(await log.writeOut());
      this.counters.copies += 1;
    } catch (error) {
      this.uncopied.add(log);
      const failure = this.failures.get(log) ?? { error: '', attempts: 0, timer: null };
      failure.error = errorMessage(error);
      failure.attempts += 1;
      this.failures.set(log, failure);
      this.logger.error({ path: log.logPath, err: failure.error, attempt: failure.attempts, kept: log.unwrittenCount }, 'copying journal records into the log failed; they stay in the journal, retrying');
      return;
    }
    this.recovered(log);
    this.checkpoints.offer(log);
  }

  /** Journal entries per segment now in synced logs: a segment goes once all of its are. */
  private noteCopied(done: Map<number, number>): void {
    for (const [segment, count] of done) this.copied.set(segment, (this.copied.get(segment) ?? 0) + count);
  }

  private recordFailure(log: DocLog | null, error: unknown): void {
    if (this.abandoned) return;
    const failure = this.failures.get(log) ?? { error: '', attempts: 0, timer: null };
    failure.error = errorMessage(error);
    failure.attempts += 1;
    const delay = Math.min(this.options.retryMaxMs, this.options.retryMinMs * 2 ** (failure.attempts - 1));
    const path = log ? log.logPath : join(this.dataDir, JOURNAL_DIR);
    const pending = log ? log.pending : [...this.logs.values()].reduce((sum, l) => sum + l.pending, 0);
    this.logger.error({ path, err: failure.error, attempt: failure.attempts, pending, retryInMs: delay }, 'store write failed; records kept in memory, retrying');
    // Not unref'd: queued records keep the process alive until they are written.
    failure.timer = setTimeout(() => {
      failure.timer = null;
      if (log) this.dirty.add(log);
      this.kick();
    }, delay);
    this.failures.set(log, failure);
  }

  private recovered(log: DocLog | null): void {
    const failure = this.failures.get(log);
    if (!failure) return;
    this.failures.delete(log);
    const path = log ? log.logPath : join(this.dataDir, JOURNAL_DIR);
    this.logger.info({ path, attempts: failure.attempts }, 'store write recovered');
  }

  /** Copies what a crash left only in the journal into the logs, then starts a new segment. */
  private async startJournal(): Promise<void> {
    const dir = join(this.dataDir, JOURNAL_DIR);
    const scan = await readJournal(this.fs, dir);
    for (const problem of scan.problems) this.logger.warn({ path: problem.path, offset: problem.offset }, `store recovery: ${describeProblem(problem)}`);
    const touched = new Set<DocLog>();
    const renumbered = new Set<string>();
    for (const entry of scan.entries) {
      const log = await this.openLogNow(entry.name, false);
      if (entry.record.seq <= log.seq) continue;
      if (entry.record.seq !== log.seq + 1 && !renumbered.has(entry.name)) {
        renumbered.add(entry.name);
        this.logger.warn(
          { doc: entry.name, path: log.logPath },
          `store recovery: the log ends at record ${log.seq} but the journal continues at ${entry.record.seq}; its records are appended from ${log.seq + 1} on`,
        );
      }
      void log.enqueue(entry.record.update, entry.record.author, entry.record.timeMs);
      touched.add(log);
    }
    // Orphaned checkpoints' content goes after the journal's records, which came first, and in
    // the same write (doc-log.ts deletes the orphans after the first write).
    for (const [log, update] of this.orphanRecords) {
      void log.enqueue(update, RECOVERY_AUTHOR, Date.now());
      touched.add(log);
    }
    this.orphanRecords.clear();
    for (const log of touched) await log.writeQueued(true);
    for (const segment of scan.segments) {
      if (segment.damaged) await this.fs.rename(segment.path, `${segment.path}.corrupt-${Date.now()}`);
      else await this.fs.unlink(segment.path);
    }
    if (scan.segments.length > 0) await this.fs.syncDir(dir);
    if (touched.size > 0) this.logger.info({ path: dir, records: scan.entries.length, docs: touched.size }, 'store recovery: copied journal records into the document logs');
    const last = scan.segments.at(-1)?.segment ?? 0;
    this.journal = await JournalWriter.create(this.fs, dir, last + 1);
    this.lastCopyAt = performance.now();
    this.copyTimer = setInterval(() => this.copyIfDue(), Math.min(this.options.journalFlushMs, this.options.journalIdleCopyMs));
    this.copyTimer.unref();
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const [name, log] of this.logs) {
      if (log.busy || this.dirty.has(log) || this.failures.has(log) || now - log.lastUsed < this.options.idleMs) continue;
      this.logs.delete(name);
      log.close().catch((error: unknown) => this.logger.warn({ path: log.logPath, err: errorMessage(error) }, 'closing log failed'));
    }
  }

  /** `shutdown`, or as much of it as fits before `deadline` (see `Store.close`). */
  private async closeBy(deadline: AbortSignal | undefined): Promise<void> {
    const finished = this.shutdown();
    if (!deadline) return finished;
    if (await settledBefore(finished, deadline)) return finished;
    const pending = this.pendingWrites();
    // It goes on failing once the files are closed; nobody waits for it any more.
    finished.catch(() => undefined);
    await this.abandon();
    if (pending.length > 0) throw new StoreNotDurableError(pending);
  }

  /** Stops retrying and writing, and releases every file; queued records are dropped. */
  private async abandon(): Promise<void> {
    this.abandoned = true;
    if (this.copyTimer) clearInterval(this.copyTimer);
    clearInterval(this.sweep);
    for (const failure of this.failures.values()) if (failure.timer) clearTimeout(failure.timer);
    // Segments stay: what they hold is durable, and the next start copies it into the logs.
    await this.journal?.close(false);
    await Promise.all([...this.logs.values()].map((log) => log.close().catch(() => undefined)));
    this.logs.clear();
  }

  private async shutdown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.flush();
    if (this.copyTimer) clearInterval(this.copyTimer);
    if (this.journal) {
      await this.copying;
      await Promise.all([...this.uncopied].map((log) => this.copyLog(log)));
      // Everything is in the logs: the journal can go. Otherwise the next start copies the rest.
      await this.journal.close(this.uncopied.size === 0);
    }
    // Leave no document with more than one checkpoint interval of log to replay at next load.
    for (const log of this.logs.values()) this.checkpoints.offer(log);
    await this.checkpoints.idle();
    clearInterval(this.sweep);
    for (const failure of this.failures.values()) if (failure.timer) clearTimeout(failure.timer);
    await Promise.all([...this.logs.values()].map((log) => log.close()));
    this.logs.clear();
  }
}
