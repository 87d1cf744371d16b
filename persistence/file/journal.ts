/**
 * The shared journal: where a durable store makes records durable. One commit cycle is one
 * positional write of every document's new records to the current segment, through a
 * descriptor opened O_DSYNC — the write returns once the bytes are on disk, so a cycle costs
 * one system call however many documents it touched (a log per document would cost a write
 * and an fdatasync each).
 *
 *   <data-dir>/journal/<segment:12>.wal    journal-format.ts
 *
 * The journal is not history: the file store copies each record into its document's log in
 * the background (file-store.ts), and a segment is deleted once it is sealed and every record
 * in it is in a document log that was fdatasync'd. Segments are sealed by `rotate`; the next
 * one is created ahead of time, so rotating never waits for the disk.
 *
 * Segments are preallocated (written with zeros when created): a write inside the file's
 * size needs no size change on disk, so an O_DSYNC write costs less and returns sooner than
 * one that extends the file. The zeros after the last entry are where the next one goes.
 *
 * Reading (`readJournal`) is for recovery at startup and for readers beside a stopped or
 * crashed server: records still only in the journal are part of their documents.
 */
import { constants } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_HEADER_BYTES, decodeJournalEntry, decodeJournalHeader, encodeJournalHeader } from './journal-format.js';
import { isFormatProblem } from './record-format.js';
import { isNotFound, type StoreFileHandle, type StoreFs } from './store-fs.js';
import type { LogRecord, StoreProblem } from '../record.js';

export const JOURNAL_DIR = 'journal';
const SEGMENT_RE = /^(\d{12})\.wal$/;
const segmentFileName = (segment: number): string => `${String(segment).padStart(12, '0')}.wal`;
/** Every write is durable when it returns: no fdatasync per cycle. */
const SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC;
/** Preallocated size of a segment; writes past it extend the file (and cost more). */
const SEGMENT_BYTES = 4 * 1024 * 1024;
/** Zeros are written in chunks, so commit writes queued meanwhile never wait behind megabytes. */
const PREALLOCATE_CHUNK = 256 * 1024;

export interface JournalEntry {
  segment: number;
  name: string;
  record: LogRecord;
}

export interface JournalSegmentScan {
  segment: number;
  path: string;
  entries: number;
  /** Checksum damage (not a torn final write): the file is kept aside for inspection. */
  damaged: boolean;
}

export interface JournalScan {
  segments: JournalSegmentScan[];
  /** In the order they were written: segment by segment, then file order. */
  entries: JournalEntry[];
  problems: StoreProblem[];
}

/**
 * Reads every segment. A torn final entry (a write the crash interrupted, never acknowledged)
 * ends its segment quietly; damaged bytes end it with a problem naming the path and offset.
 */
export async function readJournal(fs: StoreFs, dir: string): Promise<JournalScan> {
  const scan: JournalScan = { segments: [], entries: [], problems: [] };
  let files: string[];
  try {
    files = await fs.readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return scan;
    throw error;
  }
  for (const file of files.filter((f) => SEGMENT_RE.test(f)).sort()) {
    const path = join(dir, file);
    const segment = Number(SEGMENT_RE.exec(file)?.[1]);
    const buf = await fs.readFile(path);
    const found: JournalSegmentScan = { segment, path, entries: 0, damaged: false };
    scan.segments.push(found);
    const header = decodeJournalHeader(buf);
    // Cut short while being created: nothing was ever written to it.
    if (header === 'incomplete') continue;
    if (isFormatProblem(header) || header.segment !== segment) {
      found.damaged = true;
      scan.problems.push({ path, offset: 0, message: isFormatProblem(header) ? header.problem : `header names segment ${header.segment}` });
      continue;
    }
    let at = JOURNAL_HEADER_BYTES;
    while (at < buf.length) {
      const read = decodeJournalEntry(buf, at);
      if (!read.ok) {
        if (!read.torn && !isZeros(buf, at) && !isInterruptedWrite(buf, at)) {
          found.damaged = true;
          scan.problems.push({ path, offset: at, message: `${read.problem}; the ${buf.length - at} bytes from here on are not replayed` });
        }
        break;
      }
      scan.entries.push({ segment, name: read.name, record: read.record });
      found.entries += 1;
      at += read.size;
    }
  }
  return scan;
}

function isZeros(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i += 1) if (buf[i] !== 0) return false;
  return true;
}

/**
 * The last write, cut short by a crash: an entry whose bytes are partly still the segment's
 * preallocated zeros, with nothing but zeros after it. It was never acknowledged to anyone.
 * (Bad bytes with entries after them are damage.)
 */
function isInterruptedWrite(buf: Buffer, at: number): boolean {
  if (at + 4 > buf.length) return true;
  const end = at + 8 + buf.readUInt32BE(at);
  return end <= buf.length && isZeros(buf, end);
}

interface Segment {
  segment: number;
  path: string;
  handle: StoreFileHandle;
  end: number;
  /** Entries written (acknowledged) to this segment. */
  entries: number;
}

const ZEROS = Buffer.alloc(PREALLOCATE_CHUNK);

export class JournalWriter {
  private current: Segment;
  private next: Segment | null = null;
  private creatingNext: Promise<void> | null = null;
  private writing = false;
  private rotateAfterWrite = false;
  /** Sealed segments: no more writes; deleted once every entry is in a synced document log. */
  private readonly sealed = new Map<number, Segment>();
  private closed = false;

  private constructor(
    private readonly fs: StoreFs,
    readonly dir: string,
    first: Segment,
  ) {
    this.current = first;
  }

  /** Creates `dir` and its first segment, numbered `first` (above any segment ever used). */
  static async create(fs: StoreFs, dir: string, first: number): Promise<JournalWriter> {
    await fs.mkdir(dir);
    const writer = new JournalWriter(fs, dir, await createSegment(fs, dir, first));
    writer.prepareNext();
    return writer;
  }

  /**
   * Writes `bytes` (whole entries, `entries` of them) durably and returns the segment they
   * went to — on the calling thread, which waits for the disk (one O_DSYNC write). A commit
   * cycle has nothing else to do meanwhile, and this costs less CPU and two thread wake-ups
   * fewer than a round trip through the thread pool (`append`). One write at a time: the
   * caller's commit cycle guarantees it. A failed write throws and leaves the segment's end
   * where it was, so the retry overwrites whatever half got written.
   */
  appendNow(bytes: Buffer, entries: number): number {
    const target = this.writeTarget();
    target.handle.writeAllSync(bytes, target.end);
    return this.written(target, bytes.length, entries);
  }

  /** The same through the thread pool: the event loop runs on while the disk works. */
  async append(bytes: Buffer, entries: number): Promise<number> {
    const target = this.writeTarget();
    this.writing = true;
    try {
      await target.handle.writeAll(bytes, target.end);
    } finally {
      this.writing = false;
    }
    return this.written(target, bytes.length, entries);
  }

  /** The current segment has used up its preallocated space: time to rotate. */
  get full(): boolean {
    return this.current.end >= SEGMENT_BYTES;
  }

  /**
   * Seals the current segment (if it holds anything) and moves on to the next one — at once,
   * or right after the write in flight. Returns false when the next segment is not created
   * yet (it will be by the next call).
   */
  rotate(): boolean {
    if (this.current.entries === 0 || this.closed) return false;
    if (!this.next) {
      this.prepareNext();
      return false;
    }
    if (this.writing) this.rotateAfterWrite = true;
    else this.swap();
    return true;
  }

  /** Whether entries of segment `number` or of one before it are still here (current or sealed, not yet deleted). */
  holdsUpTo(number: number): boolean {
    return (this.current.segment <= number && this.current.entries > 0) || [...this.sealed.keys()].some((segment) => segment <= number);
  }

  /** Whether any segment still holds entries (copied or not): a copy pass has segments to seal or delete. */
  get holdsEntries(): boolean {
    return this.current.entries > 0 || this.sealed.size > 0;
  }

  /** The segment being written to now. */
  get currentSegment(): number {
    return this.current.segment;
  }

  /** Sealed segments and how many entries each holds. */
  sealedSegments(): { segment: number; entries: number }[] {
    return [...this.sealed.values()].map((s) => ({ segment: s.segment, entries: s.entries }));
  }

  /** Deletes sealed segments (their records are all in synced document logs). */
  async retire(segments: readonly number[]): Promise<void> {
    let removed = 0;
    for (const number of segments) {
      const segment = this.sealed.get(number);
      if (!segment) continue;
      this.sealed.delete(number);
      await segment.handle.close().catch(() => undefined);
      await this.fs.unlink(segment.path);
      removed += 1;
    }
    if (removed > 0) await this.fs.syncDir(this.dir);
  }

  /** Closes every file; `removeAll` deletes the segments too (everything is in the logs). */
  async close(removeAll: boolean): Promise<void> {
    this.closed = true;
    await this.creatingNext?.catch(() => undefined);
    const all = [...this.sealed.values(), this.current, ...(this.next ? [this.next] : [])];
    this.sealed.clear();
    for (const segment of all) {
      await segment.handle.close().catch(() => undefined);
      if (removeAll) await this.fs.unlink(segment.path).catch(() => undefined);
    }
    if (removeAll) await this.fs.syncDir(this.dir).catch(() => undefined);
  }

  private writeTarget(): Segment {
    if (this.writing) throw new Error('journal writes must not overlap');
    if (this.closed) throw new Error('journal is closed');
    return this.current;
  }

  private written(target: Segment, bytes: number, entries: number): number {
    target.end += bytes;
    target.entries += entries;
    if (this.rotateAfterWrite) this.swap();
    return target.segment;
  }

  private swap(): void {
    this.rotateAfterWrite = false;
    const next = this.next;
    if (!next) return;
    this.sealed.set(this.current.segment, this.current);
    this.current = next;
    this.next = null;
    this.prepareNext();
  }

  private prepareNext(): void {
    if (this.creatingNext || this.next || this.closed) return;
    const number = this.current.segment + 1;
    this.creatingNext = createSegment(this.fs, this.dir, number)
      .then(
        async (segment) => {
          // Closed meanwhile: removed before `close` (which waits for this) returns, so a
          // store opened next on the data dir never finds it half gone.
          if (this.closed) await segment.handle.close().then(() => this.fs.unlink(segment.path)).catch(() => undefined);
          else this.next = segment;
        },
        // Retried at the next rotation; the current segment simply grows meanwhile.
        () => undefined,
      )
      .finally(() => {
        this.creatingNext = null;
      });
  }
}

async function createSegment(fs: StoreFs, dir: string, segment: number): Promise<Segment> {
  const path = join(dir, segmentFileName(segment));
  const handle = await fs.open(path, SEGMENT_FLAGS);
  try {
    const header = encodeJournalHeader(segment);
    for (let at = 0; at < SEGMENT_BYTES; at += PREALLOCATE_CHUNK) await handle.writeAll(ZEROS, at);
    await handle.writeAll(header, 0);
    // The file's directory entry must survive a crash before anything in it is acknowledged.
    await fs.syncDir(dir);
    return { segment, path, handle, end: header.length, entries: 0 };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.unlink(path).catch(() => undefined);
    throw error;
  }
}
