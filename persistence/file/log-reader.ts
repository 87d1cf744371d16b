/**
 * Reading a whole log for history, export, replay and verify. Unlike the writer's reading
 * (valid prefix only), this reader looks past damage: it reports each damaged range and
 * resynchronises on the next frame whose checksum holds, so one bad sector does not hide the
 * rest of a document's history. The checkpoints the log confirms are listed with it, so a
 * state can be rebuilt across a gap from the newest checkpoint before the wanted point.
 */
import { join } from 'node:path';
import { LOG_FILE } from './doc-files.js';
import { decodeCheckpoint, decodeLogBase, decodeLogHeader, decodeRecord, isFormatProblem } from './record-format.js';
import { isNotFound, type StoreFs } from './store-fs.js';
import type { HistoryCheckpoint } from '../archive.js';
import { findByKey } from '../sorted-search.js';
import type { StoreProblem, StoredRecord } from '../record.js';

const CHECKPOINT_RE = /^checkpoint-\d{12}$/;

export interface ScannedLog {
  name: string;
  records: StoredRecord[];
  /** Damaged or missing ranges, in file order. */
  problems: StoreProblem[];
  /** Bytes read (the whole file, or the durable part of it). */
  size: number;
  /** A compacted log's base: records up to `seq` were dropped; `state` is null when damaged. */
  compacted: CompactedBase | null;
}

export interface CompactedBase {
  seq: number;
  timeMs: number;
  compactedAtMs: number;
  state: Uint8Array | null;
}

/** Finds the next frame at or after `from` that checks out and continues the sequence. */
function nextFrame(buf: Buffer, from: number, minSeq: number): number | null {
  for (let at = from; at + 22 <= buf.length; at += 1) {
    const length = buf.readUInt32BE(at);
    if (length < 14 || at + 8 + length > buf.length) continue;
    const read = decodeRecord(buf, at);
    if (read.ok && read.record.seq >= minSeq) return at;
  }
  return null;
}

export function scanLog(buf: Buffer, logPath: string): ScannedLog | null {
  const header = decodeLogHeader(buf);
  if (header === 'incomplete') return null;
  if (isFormatProblem(header)) return { name: '', records: [], problems: [{ path: logPath, offset: 0, message: header.problem }], size: buf.length, compacted: null };
  const records: StoredRecord[] = [];
  const problems: StoreProblem[] = [];
  let compacted: CompactedBase | null = null;
  if (header.base) {
    const base = decodeLogBase(buf, header.base);
    if (isFormatProblem(base)) problems.push({ path: logPath, offset: header.base.offset, message: `${base.problem}; the document as it was at seq ${header.base.seq} is lost` });
    compacted = { seq: header.base.seq, timeMs: header.base.timeMs, compactedAtMs: header.base.compactedAtMs, state: isFormatProblem(base) ? null : base.state };
  }
  let at = header.size;
  let expected = (compacted?.seq ?? 0) + 1;
  while (at < buf.length) {
    const read = decodeRecord(buf, at);
    if (read.ok && read.record.seq >= expected) {
      if (read.record.seq > expected) {
        problems.push({ path: logPath, offset: at, message: `records ${expected}–${read.record.seq - 1} are missing` });
      }
      records.push({ ...read.record, offset: at, size: read.size, crc: read.crc });
      at += read.size;
      expected = read.record.seq + 1;
      continue;
    }
    const message = read.ok ? `record has sequence number ${read.record.seq}, expected ${expected}` : read.problem;
    const next = nextFrame(buf, at + 1, expected);
    if (next === null) {
      problems.push({ path: logPath, offset: at, message: `${message}; the ${buf.length - at} bytes from here to the end are unreadable` });
      break;
    }
    const resumed = decodeRecord(buf, next);
    const resumedSeq = resumed.ok ? resumed.record.seq : expected;
    const lost = resumedSeq === expected ? 'no record lost' : resumedSeq === expected + 1 ? `record ${expected} lost` : `records ${expected}–${resumedSeq - 1} lost`;
    problems.push({ path: logPath, offset: at, message: `${message}; skipped ${next - at} damaged bytes (${lost})` });
    expected = resumedSeq;
    at = next;
  }
  return { name: header.name, records, problems, size: buf.length, compacted };
}

/** Reads a log (or its first `upTo` bytes); null when there is none. */
export async function readLog(fs: StoreFs, logPath: string, upTo?: number): Promise<ScannedLog | null> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(logPath);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  if (upTo !== undefined && upTo < buf.length) buf = buf.subarray(0, upTo);
  return scanLog(buf, logPath);
}

/**
 * The checkpoints of a document that the log confirms (the record they were made at is in the
 * log, at the offset they name, with the same checksum), newest first.
 */
export async function confirmedCheckpoints(fs: StoreFs, dir: string, records: StoredRecord[]): Promise<HistoryCheckpoint[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const found: HistoryCheckpoint[] = [];
  for (const entry of entries.filter((e) => CHECKPOINT_RE.test(e)).sort().reverse()) {
    const path = join(dir, entry);
    let handle;
    try {
      handle = await fs.open(path, 'r');
    } catch (error) {
      // Removed since the listing: a newer checkpoint replaced it while we read.
      if (isNotFound(error)) continue;
      throw error;
    }
    const head = await handle.read(12 + 0xffff + 32, 0).finally(() => handle.close());
    if (head.length < 12) continue;
    const at = 12 + head.readUInt16BE(10);
    if (head.length < at + 32) continue;
    const seq = head.readUIntBE(at, 6);
    const record = findByKey(records, (r) => r.seq, seq);
    if (!record || record.offset !== head.readUIntBE(at + 12, 6) || record.crc !== head.readUInt32BE(at + 24)) continue;
    found.push({
      seq,
      path,
      async load() {
        const decoded = decodeCheckpoint(await fs.readFile(path));
        return isFormatProblem(decoded) ? null : decoded.state;
      },
    });
  }
  return found;
}

export { LOG_FILE };
