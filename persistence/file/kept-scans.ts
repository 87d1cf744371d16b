/**
 * The logs read last, kept so that reading one again scans only what was appended since: a
 * long document's history (100,000 records) is read in a few milliseconds when little changed,
 * instead of every frame being checked again on every history, diff or timeline request. A log
 * only grows, except when it is replaced (compacted, or the document deleted and made again):
 * then its first bytes, its first record or its last record as kept are no longer there, and it
 * is read whole.
 *
 * Only clean scans are kept: a log with damage is read whole every time, so that the full
 * reader (log-reader.ts) reports the damage where it is.
 */
import { parseRecords } from './doc-files.js';
import { scanLog, type ScannedLog } from './log-reader.js';
import { isNotFound, type StoreFs, type StoreFileHandle } from './store-fs.js';
import type { StoredRecord } from '../record.js';

/** Bytes at the start of a log compared before a kept scan is reused: the header's fixed part, the name and the base's head. */
const HEAD_PROBE_BYTES = 4096;

/** Bytes of the log as read, where they were. */
interface Probe {
  offset: number;
  bytes: Buffer;
}

interface Kept {
  scan: ScannedLog;
  /** Bytes scanned: the next frame starts here. */
  end: number;
  head: Probe;
  first: Probe | null;
  last: Probe | null;
}

/** The frame of `record`, out of `bytes` (which start at offset `base` of the log). */
function frameProbe(record: StoredRecord, bytes: Buffer, base: number): Probe {
  const at = record.offset - base;
  return { offset: record.offset, bytes: Buffer.from(bytes.subarray(at, at + record.size)) };
}

async function unchanged(handle: StoreFileHandle, kept: Kept): Promise<boolean> {
  for (const probe of [kept.head, kept.first, kept.last]) {
    if (probe && !(await handle.read(probe.bytes.length, probe.offset)).equals(probe.bytes)) return false;
  }
  return true;
}

export class KeptScans {
  private readonly kept = new Map<string, Kept>();

  constructor(
    private readonly fs: StoreFs,
    /** How many logs to keep, the least recently read dropped. */
    private readonly max: number,
  ) {}

  /** The log at `logPath` up to `upTo` bytes (all when undefined), as `readLog` reads it; null when there is none. */
  async read(logPath: string, upTo: number | undefined): Promise<ScannedLog | null> {
    const kept = this.kept.get(logPath);
    this.kept.delete(logPath);
    let handle: StoreFileHandle;
    try {
      handle = await this.fs.open(logPath, 'r');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    try {
      const size = Math.min(await handle.size(), upTo ?? Number.MAX_SAFE_INTEGER);
      if (kept && size >= kept.end && (await unchanged(handle, kept))) {
        const grown = size === kept.end ? kept : await this.grown(handle, kept, size);
        if (grown) {
          this.keep(logPath, grown);
          return grown.scan;
        }
      }
      const bytes = await handle.read(size, 0);
      const scan = scanLog(bytes, logPath);
      if (scan && scan.problems.length === 0) {
        const first = scan.records[0];
        const last = scan.records.at(-1);
        this.keep(logPath, {
          scan,
          end: scan.size,
          head: { offset: 0, bytes: Buffer.from(bytes.subarray(0, HEAD_PROBE_BYTES)) },
          first: first ? frameProbe(first, bytes, 0) : null,
          last: last && last !== first ? frameProbe(last, bytes, 0) : null,
        });
      }
      return scan;
    } finally {
      await handle.close();
    }
  }

  /** The kept scan with the records appended since; null when what follows is not clean records. */
  private async grown(handle: StoreFileHandle, kept: Kept, size: number): Promise<Kept | null> {
    const bytes = await handle.read(size - kept.end, kept.end);
    const nextSeq = (kept.scan.records.at(-1)?.seq ?? kept.scan.compacted?.seq ?? 0) + 1;
    const tail = parseRecords(bytes, kept.end, kept.end, nextSeq);
    if (tail.tail !== null) return null;
    const records = kept.scan.records.concat(tail.records);
    const first = records[0];
    const last = records.at(-1);
    return {
      scan: { ...kept.scan, records, size: tail.end },
      end: tail.end,
      // Still the head and first record kept, unless the log had none before.
      head: kept.head.bytes.length < HEAD_PROBE_BYTES ? { offset: 0, bytes: await handle.read(Math.min(tail.end, HEAD_PROBE_BYTES), 0) } : kept.head,
      first: kept.first ?? (first ? frameProbe(first, bytes, kept.end) : null),
      last: last && last !== first ? frameProbe(last, bytes, kept.end) : null,
    };
  }

  private keep(logPath: string, kept: Kept): void {
    if (this.max <= 0) return;
    this.kept.set(logPath, kept);
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= this.max) break;
      this.kept.delete(oldest);
    }
  }
}
