/**
 * The writer of one document's log. The file store decides when to write (group commit);
 * this class knows how: positional writes at the end of what is durable, so a retried batch
 * lands on the same bytes, and recovery steps done once before the first write.
 *
 * Invariants:
 * - `end` is the offset after the last durable record; nothing beyond it is ever trusted.
 * - Sequence numbers are given in `enqueue` order; a record is resolved only after its batch
 *   was written (and fdatasync'd when `fsync`), and batches resolve in order.
 * - A failed batch stays at the front of the queue, byte for byte, until it is written.
 * - Before the first write: a damaged tail is moved aside and cut off, so the log stays
 *   parseable; orphaned checkpoints are renamed so they can never pass for checkpoints again,
 *   and are removed only once the recovery record holding their content is durable.
 */
import { dirname, join } from 'node:path';
import { orphanFileName, type DocFiles } from './doc-files.js';
import { encodeLogHeader, encodeRecord } from './record-format.js';
import type { StoreFileHandle, StoreFs } from './store-fs.js';

interface PendingAppend {
  seq: number;
  frame: Buffer;
  resolve(seq: number): void;
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
  durableSeq: number;
  end: number;
  lastRecord: { offset: number; crc: number; timeMs: number } | null;
  checkpoint: CheckpointPosition | null;
  /** Records and log bytes made durable since `checkpoint`. */
  sinceCheckpoint = { records: 0, bytes: 0 };
  lastUsed = Date.now();
  /** Set while a checkpoint of this document is being written. */
  checkpointing: Promise<void> | null = null;
  private queue: PendingAppend[] = [];
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

  get busy(): boolean {
    return this.queue.length > 0 || this.checkpointing !== null;
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

  /** Writes the queued records as one batch. Throws on failure, keeping them queued. */
  async writeQueued(fsync: boolean): Promise<void> {
    const count = this.queue.length;
    if (count === 0) return;
    await this.prepare(fsync);
    const batch = this.queue.slice(0, count);
    const bytes = batch.length === 1 ? (batch[0]?.frame ?? Buffer.alloc(0)) : Buffer.concat(batch.map((p) => p.frame));
    const handle = this.handle;
    if (!handle) throw new Error('log is not open');
    await handle.writeAll(bytes, this.end);
    if (fsync) await handle.datasync();

    let offset = this.end;
    for (const p of batch) {
      this.lastRecord = { offset, crc: p.frame.readUInt32BE(4), timeMs: p.frame.readUIntBE(14, 6) };
      offset += p.frame.length;
      this.sinceCheckpoint.records += 1;
      this.sinceCheckpoint.bytes += p.frame.length;
    }
    this.end = offset;
    this.durableSeq = batch.at(-1)?.seq ?? this.durableSeq;
    this.queue.splice(0, count);
    if (this.orphansToRemove.length > 0) await this.removeOrphans();
    for (const p of batch) p.resolve(p.seq);
    if (this.queue.length === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle) await handle.close();
  }

  /** Recovery steps and file creation, once; safe to retry after a failure. */
  private async prepare(fsync: boolean): Promise<void> {
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

