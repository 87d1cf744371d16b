/**
 * The writer of one document's log. The file store decides when to write (group commit);
 * this class knows how: positional writes at the end of what is durable, so a retried batch
 * lands on the same bytes, and recovery steps done once before the first write.
 *
 * A record goes through up to three stages: queued (`enqueue`), durable, and in the log file.
 * Without a journal, the store makes it durable by writing it to the log (`writeQueued`), so
 * the last two coincide. With the journal (journal.ts), the store makes it durable there
 * (`journalBatch` + `markJournaled`) and copies it to the log later (`writeOut`).
 *
 * Invariants:
 * - Writes to the file (queued records, copies from the journal, a compaction replacing the
 *   file) run one at a time (`exclusive`).
 * - `end` is the offset after the last record in the log that is durable there; nothing
 *   beyond it is ever trusted. `fileSeq` is that record's sequence number.
 * - Sequence numbers are given in `enqueue` order; a record is resolved only once durable,
 *   and records resolve in order.
 * - A failed batch stays at the front of the queue, byte for byte, until it is written.
 * - Before the first write: a damaged tail is moved aside and cut off, so the log stays
 *   parseable; orphaned checkpoints are renamed so they can never pass for checkpoints again,
 *   and are removed only once the recovery record holding their content is durable.
 */
import { dirname, join } from 'node:path';
import { orphanFileName, type DocFiles } from './doc-files.js';
import { journalNamePrefix } from './journal-format.js';
import { decodeRecord, encodeLogHeader, encodeRecord } from './record-format.js';
import type { StoreFileHandle, StoreFs } from './store-fs.js';

interface PendingAppend {
  seq: number;
  frame: Buffer;
  resolve(seq: number): void;
}

/** A record durable in the journal and not yet in the log: `segment` is where it sits. */
interface UnwrittenRecord {
  seq: number;
  frame: Buffer;
  segment: number;
}

export interface CheckpointPosition {
  path: string;
  seq: number;
  logEnd: number;
}

export class DocLog {
  readonly name: string;
  readonly dir: string;
  readonly logPath: string;
  /** Where the first record starts (after the header), once the log exists. */
  firstRecordOffset: number | null;
  /** Last sequence number given out. */
  seq: number;
  /** Last sequence number made durable (in the log, or in the journal). */
  durableSeq: number;
  /** Last sequence number in the log file, durable there (see `end`). */
  fileSeq: number;
  end: number;
  lastRecord: { offset: number; crc: number; timeMs: number } | null;
  checkpoint: CheckpointPosition | null;
  /** Records and log bytes made durable since `checkpoint`. */
  sinceCheckpoint = { records: 0, bytes: 0 };
  lastUsed = Date.now();
  /** Set while a checkpoint of this document is being written. */
  checkpointing: Promise<void> | null = null;
  /** Set while the log is being compacted: readers wait for it, nothing else writes. */
  compacting: Promise<void> | null = null;
  private fileLock: Promise<unknown> = Promise.resolve();
  private queue: PendingAppend[] = [];
  private unwritten: UnwrittenRecord[] = [];
  /** Set while `writeOut` runs: one copy to the log at a time. */
  private writingOut: Promise<Map<number, number>> | null = null;
  private prefix: Buffer | null = null;
  private drainWaiters: (() => void)[] = [];
  private handle: StoreFileHandle | null = null;
  /** What opening found, until the recovery steps before the first write are done. */
  private recovery: DocFiles | null;
  private orphansToRemove: string[] = [];

  constructor(
    private readonly fs: StoreFs,
    files: DocFiles,
  ) {
    this.name = files.name;
    this.dir = files.dir;
    this.logPath = files.logPath;
    this.firstRecordOffset = files.headerSize;
    this.seq = files.seq;
    this.durableSeq = files.seq;
    this.fileSeq = files.seq;
    this.end = files.end;
    this.lastRecord = files.lastRecord;
    this.checkpoint = files.base ? { path: files.base.path, seq: files.base.seq, logEnd: files.base.logEnd } : null;
    this.sinceCheckpoint = {
      records: files.records.length,
      bytes: files.records.reduce((sum, r) => sum + r.size, 0),
    };
    this.recovery = files;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Records durable in the journal that the log does not hold yet. */
  get unwrittenCount(): number {
    return this.unwritten.length;
  }

  get busy(): boolean {
    return this.queue.length > 0 || this.unwritten.length > 0 || this.writingOut !== null || this.checkpointing !== null || this.compacting !== null;
  }

  /** The journal entries' name prefix for this document (journal-format.ts). */
  get namePrefix(): Buffer {
    this.prefix ??= journalNamePrefix(this.name);
    return this.prefix;
  }

  enqueue(update: Uint8Array, author: string | null, timeMs: number): Promise<number> {
    this.seq += 1;
    const seq = this.seq;
    const frame = encodeRecord({ seq, timeMs, author, update });
    this.lastUsed = Date.now();
    return new Promise((resolve) => this.queue.push({ seq, frame, resolve }));
  }

  /** Resolves once every record enqueued so far is durable. */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** The queued records' frames, oldest first, for one journal write. */
  journalBatch(): Buffer[] {
    return this.queue.map((p) => p.frame);
  }

  /** The first `count` queued records are durable in journal segment `segment`. */
  markJournaled(count: number, segment: number): void {
    const batch = this.queue.splice(0, count);
    for (const p of batch) this.unwritten.push({ seq: p.seq, frame: p.frame, segment });
    this.durableSeq = batch.at(-1)?.seq ?? this.durableSeq;
    for (const p of batch) p.resolve(p.seq);
    if (this.queue.length === 0) this.resolveDrained();
  }

  /** Updates of the records durable in the journal but not in the log, in order. */
  unwrittenUpdates(): Uint8Array[] {
    return this.unwritten.map((u) => decodeRecordUpdate(u.frame));
  }

  /**
   * Copies the records durable in the journal into the log, fdatasync'd. Resolves with how
   * many of them came from each journal segment (those entries are no longer needed there).
   * Throws on failure, keeping them for the next attempt.
   */
  writeOut(): Promise<Map<number, number>> {
    const running = this.writingOut;
    const next = (running ? running.catch(() => undefined) : Promise.resolve()).then(() => this.exclusive(() => this.writeUnwrittenHeld()));
    const tracked = next.finally(() => {
      if (this.writingOut === tracked) this.writingOut = null;
    });
    this.writingOut = tracked;
    return tracked;
  }

  /** Runs `work` when no other write to the file is in progress, and none starts meanwhile. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.fileLock.then(work, work);
    this.fileLock = run.catch(() => undefined);
    return run;
  }

  /** `writeOut` for a caller already inside `exclusive`. */
  async writeUnwrittenHeld(): Promise<Map<number, number>> {
    const done = new Map<number, number>();
    const count = this.unwritten.length;
    if (count === 0) return done;
    await this.prepare(true);
    const batch = this.unwritten.slice(0, count);
    const handle = this.handle;
    if (!handle) throw new Error('log is not open');
    await handle.writeAll(joinFrames(batch), this.end);
    await handle.datasync();
    this.advance(batch);
    this.unwritten.splice(0, count);
    for (const u of batch) done.set(u.segment, (done.get(u.segment) ?? 0) + 1);
    if (this.orphansToRemove.length > 0) await this.removeOrphans();
    return done;
  }

  /** The log now durably holds `batch` after `end`. */
  private advance(batch: readonly { seq: number; frame: Buffer }[]): void {
    let offset = this.end;
    for (const p of batch) {
      this.lastRecord = { offset, crc: p.frame.readUInt32BE(4), timeMs: p.frame.readUIntBE(14, 6) };
      offset += p.frame.length;
      this.sinceCheckpoint.records += 1;
      this.sinceCheckpoint.bytes += p.frame.length;
    }
    this.end = offset;
    this.fileSeq = batch.at(-1)?.seq ?? this.fileSeq;
  }

  private resolveDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Writes the queued records as one batch. Throws on failure, keeping them queued.
   * `onWritten` runs once they are durable, before their appends resolve.
   */
  writeQueued(fsync: boolean, onWritten?: () => void): Promise<void> {
    return this.exclusive(() => this.writeQueuedHeld(fsync, onWritten));
  }

  private async writeQueuedHeld(fsync: boolean, onWritten?: () => void): Promise<void> {
    const count = this.queue.length;
    if (count === 0) return;
    await this.prepare(fsync);
    const batch = this.queue.slice(0, count);
    const handle = this.handle;
    if (!handle) throw new Error('log is not open');
    await handle.writeAll(joinFrames(batch), this.end);
    if (fsync) await handle.datasync();

    this.advance(batch);
    this.durableSeq = this.fileSeq;
    this.queue.splice(0, count);
    if (this.orphansToRemove.length > 0) await this.removeOrphans();
    onWritten?.();
    for (const p of batch) p.resolve(p.seq);
    if (this.queue.length === 0) this.resolveDrained();
  }

  /**
   * The file was replaced (compacted) by what `files` found: positions start over from it.
   * Queued records and records only in the journal are kept; they go after what it holds.
   * Call inside `exclusive`.
   */
  async rebase(files: DocFiles): Promise<void> {
    await this.close();
    this.recovery = files;
    this.firstRecordOffset = files.headerSize;
    this.end = files.end;
    this.fileSeq = files.seq;
    this.lastRecord = files.lastRecord;
    this.checkpoint = files.base ? { path: files.base.path, seq: files.base.seq, logEnd: files.base.logEnd } : null;
    this.sinceCheckpoint = { records: files.records.length, bytes: files.records.reduce((sum, r) => sum + r.size, 0) };
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle) await handle.close();
  }

  /**
   * Recovery steps and file creation, once; safe to retry after a failure. Afterwards the file
   * holds nothing past `end` (a damaged tail is moved aside). Call inside `exclusive`.
   */
  async prepare(fsync: boolean): Promise<void> {
    const files = this.recovery;
    if (!files) return;
    try {
      await this.recover(files);
      if (files.headerSize === null) {
        await this.createLog(fsync);
      } else {
        this.handle ??= await this.fs.open(this.logPath, 'r+');
        if (files.fileSize > this.end) await this.cutTail(files, fsync);
      }
    } catch (error) {
      await this.close().catch(() => undefined);
      throw error;
    }
    this.recovery = null;
  }

  private async recover(files: DocFiles): Promise<void> {
    for (const path of files.tempFiles) await this.fs.unlink(path).catch(() => undefined);
    for (const path of files.damagedCheckpoints) await this.fs.rename(path, `${path}.corrupt-${Date.now()}`);
    for (const orphan of files.orphans) {
      const target = join(this.dir, orphanFileName(orphan.seq));
      if (orphan.path !== target) await this.fs.rename(orphan.path, target);
      this.orphansToRemove.push(target);
    }
    if (files.damagedCheckpoints.length + files.orphans.length + files.tempFiles.length > 0) await this.fs.syncDir(this.dir);
    files.damagedCheckpoints = [];
    files.tempFiles = [];
    files.orphans = [];
  }

  private async createLog(fsync: boolean): Promise<void> {
    const docsDir = dirname(this.dir);
    await this.fs.mkdir(this.dir);
    const handle = await this.fs.open(this.logPath, 'w');
    this.handle = handle;
    const header = encodeLogHeader(this.name);
    await handle.writeAll(header, 0);
    if (fsync) {
      await handle.datasync();
      // The new file's entry, the document's directory entry and docs/ itself must survive.
      await this.fs.syncDir(this.dir);
      await this.fs.syncDir(docsDir);
      await this.fs.syncDir(dirname(docsDir));
    }
    this.end = header.length;
    this.firstRecordOffset = header.length;
  }

  /** Moves damaged bytes aside (torn writes are simply dropped) and truncates to `end`. */
  private async cutTail(files: DocFiles, fsync: boolean): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    if (files.tail && !files.tail.torn) {
      const damaged = await handle.read(files.fileSize - this.end, this.end);
      const aside = await this.fs.open(`${this.logPath}.corrupt-${this.end}-${Date.now()}`, 'wx');
      try {
        await aside.writeAll(damaged, 0);
        await aside.datasync();
      } finally {
        await aside.close();
      }
    }
    await handle.truncate(this.end);
    if (fsync) await handle.datasync();
  }

  private async removeOrphans(): Promise<void> {
    const paths = this.orphansToRemove;
    this.orphansToRemove = [];
    for (const path of paths) await this.fs.unlink(path).catch(() => undefined);
    await this.fs.syncDir(this.dir).catch(() => undefined);
  }
}

function joinFrames(batch: readonly { frame: Buffer }[]): Buffer {
  return batch.length === 1 ? (batch[0]?.frame ?? Buffer.alloc(0)) : Buffer.concat(batch.map((p) => p.frame));
}

function decodeRecordUpdate(frame: Buffer): Uint8Array {
  const read = decodeRecord(frame, 0);
  if (!read.ok) throw new Error(`record frame does not decode: ${read.problem}`);
  return read.record.update;
}
