/**
 * The on-disk formats of one document: its append-only log and its checkpoints. Pure byte
 * codecs — no file system here. All integers are big-endian; u48 holds sequence numbers,
 * byte offsets and millisecond times (exact in a JS number).
 *
 *   logFile    := logHeader • record*
 *   logHeader  := "TANDEMLG" • u16(version) • u16(nameLength) • name • u32(crc32 of the above)
 *                 • base?       -- version 1: none, records start at seq 1;
 *                               -- version 2: a compacted log (`tandem compact`)
 *   base       := u48(seq) • u48(timeMs) • u48(compactedAtMs) • u32(stateLength) • state
 *                 • u32(crc32 of base before it)
 *                 -- state: the document after records 1..seq, merged, as one Yjs update; those
 *                 -- records were dropped, and the log's records start at seq + 1. timeMs is
 *                 -- record seq's time. (Only compacted logs are version 2, so a log that was
 *                 -- never compacted still reads with builds that know only version 1.)
 *   record     := u32(bodyLength) • u32(crc32(body)) • body
 *   body       := u48(seq) • u48(timeMs) • u16(authorLength) • author • update
 *                 -- authorLength 0: author unknown; seq starts at 1 and grows by exactly 1
 *
 *   checkpoint := "TANDEMCP" • u16(version) • u16(nameLength) • name • u48(seq) • u48(timeMs)
 *                 • u48(recordOffset) • u48(logEnd) • u32(recordCrc) • u32(stateLength) • state
 *                 • u32(crc32 of everything before)
 *                 -- state: the merged document after records 1..seq, as one Yjs update;
 *                 -- recordOffset/logEnd/recordCrc: where record `seq` starts and ends in the
 *                 -- log and its checksum, so a reader can check that the log holds exactly the
 *                 -- records this checkpoint was made from before trusting it.
 *
 * Decoders never throw on bad bytes: they return a `FormatProblem` saying what is wrong.
 */
import { crc32 } from 'node:zlib';
import type { LogRecord, StoredRecord } from '../record.js';

export const FORMAT_VERSION = 1;
/** The log header version of a compacted log (with a base). */
export const COMPACTED_LOG_VERSION = 2;
const LOG_MAGIC = Buffer.from('TANDEMLG', 'latin1');
const CHECKPOINT_MAGIC = Buffer.from('TANDEMCP', 'latin1');
const FRAME_HEAD = 8;
const BODY_FIXED = 14;
/** seq, timeMs, recordOffset, logEnd (u48 each), recordCrc, stateLength (u32 each). */
const CHECKPOINT_FIXED = 32;
/** seq, timeMs, compactedAtMs (u48 each), stateLength (u32). */
const BASE_FIXED = 22;
/** Enough bytes to decode any log header's fixed part (the base's state comes after it). */
export const LOG_HEADER_PREFIX_BYTES = 12 + 0xffff + 4 + BASE_FIXED;
/** A larger length field is corruption, not a record (the server refuses such messages). */
export const MAX_RECORD_BYTES = 1024 * 1024 * 1024;

export interface CheckpointData {
  name: string;
  seq: number;
  timeMs: number;
  recordOffset: number;
  logEnd: number;
  recordCrc: number;
  state: Uint8Array;
}

/** What a compacted log's header says about its base; the state is read separately. */
export interface LogBaseHead {
  seq: number;
  timeMs: number;
  compactedAtMs: number;
  /** Where the base starts in the file, and where its state starts and how long it is. */
  offset: number;
  stateOffset: number;
  stateLength: number;
}

export interface LogBase {
  seq: number;
  timeMs: number;
  compactedAtMs: number;
  state: Uint8Array;
}

export interface LogHeader {
  name: string;
  /** Where the first record starts. */
  size: number;
  /** Set for a compacted log. */
  base: LogBaseHead | null;
}

export interface FormatProblem {
  problem: string;
}

/** A log header: version 1, or version 2 with the base of a compacted log. */
export function encodeLogHeader(name: string, base: LogBase | null = null): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const nameEnd = 12 + nameBytes.length;
  const baseLength = base ? BASE_FIXED + base.state.byteLength + 4 : 0;
  const out = Buffer.alloc(nameEnd + 4 + baseLength);
  LOG_MAGIC.copy(out, 0);
  out.writeUInt16BE(base ? COMPACTED_LOG_VERSION : FORMAT_VERSION, 8);
  out.writeUInt16BE(nameBytes.length, 10);
  nameBytes.copy(out, 12);
  out.writeUInt32BE(crc32(out.subarray(0, nameEnd)), nameEnd);
  if (base) {
    const at = nameEnd + 4;
    out.writeUIntBE(base.seq, at, 6);
    out.writeUIntBE(base.timeMs, at + 6, 6);
    out.writeUIntBE(base.compactedAtMs, at + 12, 6);
    out.writeUInt32BE(base.state.byteLength, at + 18);
    out.set(base.state, at + BASE_FIXED);
    out.writeUInt32BE(crc32(out.subarray(at, out.length - 4)), out.length - 4);
  }
  return out;
}

/**
 * Decodes the header at the start of `bytes` (its first `LOG_HEADER_PREFIX_BYTES` are enough:
 * a compacted log's base state is checked by `decodeLogBase`); `size` is where the first
 * record starts.
 */
export function decodeLogHeader(bytes: Uint8Array): LogHeader | FormatProblem | 'incomplete' {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12) return buf.length === 0 || LOG_MAGIC.subarray(0, buf.length).equals(buf) ? 'incomplete' : { problem: 'not a Tandem log (bad magic)' };
  if (!buf.subarray(0, 8).equals(LOG_MAGIC)) return { problem: 'not a Tandem log (bad magic)' };
  const version = buf.readUInt16BE(8);
  if (version !== FORMAT_VERSION && version !== COMPACTED_LOG_VERSION) {
    return { problem: `log format version ${version} is not supported (this build reads ${FORMAT_VERSION} and ${COMPACTED_LOG_VERSION})` };
  }
  const nameLength = buf.readUInt16BE(10);
  const nameEnd = 12 + nameLength;
  if (buf.length < nameEnd + 4) return 'incomplete';
  if (crc32(buf.subarray(0, nameEnd)) !== buf.readUInt32BE(nameEnd)) return { problem: 'log header checksum mismatch' };
  const name = buf.toString('utf8', 12, nameEnd);
  if (version === FORMAT_VERSION) return { name, size: nameEnd + 4, base: null };
  const at = nameEnd + 4;
  if (buf.length < at + BASE_FIXED) return 'incomplete';
  const stateLength = buf.readUInt32BE(at + 18);
  const base: LogBaseHead = {
    seq: buf.readUIntBE(at, 6),
    timeMs: buf.readUIntBE(at + 6, 6),
    compactedAtMs: buf.readUIntBE(at + 12, 6),
    offset: at,
    stateOffset: at + BASE_FIXED,
    stateLength,
  };
  return { name, size: at + BASE_FIXED + stateLength + 4, base };
}

/** The base of a compacted log, checked; `bytes` are the log's first `header.size` bytes. */
export function decodeLogBase(bytes: Uint8Array, head: LogBaseHead): LogBase | FormatProblem {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = head.stateOffset + head.stateLength;
  if (buf.length < end + 4) return { problem: `compacted log's base state cut short (${Math.max(0, buf.length - head.stateOffset)} of ${head.stateLength} bytes)` };
  if (crc32(buf.subarray(head.offset, end)) !== buf.readUInt32BE(end)) return { problem: "compacted log's base state checksum mismatch" };
  return { seq: head.seq, timeMs: head.timeMs, compactedAtMs: head.compactedAtMs, state: buf.subarray(head.stateOffset, end) };
}

export function encodeRecord(record: LogRecord): Buffer {
  const author = record.author ? Buffer.from(record.author, 'utf8') : Buffer.alloc(0);
  if (author.length > 0xffff) throw new RangeError('author is longer than 65535 bytes');
  const bodyLength = BODY_FIXED + author.length + record.update.byteLength;
  // Every byte is written below. Small frames come from Node's shared pool: one per update, and
  // separate allocations would each be an ArrayBuffer for the garbage collector to track.
  const out = Buffer.allocUnsafe(FRAME_HEAD + bodyLength);
  out.writeUIntBE(record.seq, 8, 6);
  out.writeUIntBE(record.timeMs, 14, 6);
  out.writeUInt16BE(author.length, 20);
  author.copy(out, 22);
  out.set(record.update, 22 + author.length);
  out.writeUInt32BE(bodyLength, 0);
  out.writeUInt32BE(crc32(out.subarray(FRAME_HEAD)), 4);
  return out;
}

export type RecordRead =
  | { ok: true; record: LogRecord; size: number; crc: number }
  /** The frame runs past the end of the bytes: a torn write, or more still being written. */
  | { ok: false; torn: true; problem: string }
  | { ok: false; torn: false; problem: string };

/** Decodes the record starting at `offset` of `buf`. The update is a view into `buf`. */
export function decodeRecord(buf: Buffer, offset: number): RecordRead {
  const available = buf.length - offset;
  if (available < FRAME_HEAD) return { ok: false, torn: true, problem: `record header cut short (${available} of ${FRAME_HEAD} bytes)` };
  const bodyLength = buf.readUInt32BE(offset);
  if (bodyLength < BODY_FIXED || bodyLength > MAX_RECORD_BYTES) return { ok: false, torn: false, problem: `impossible record length ${bodyLength}` };
  if (available < FRAME_HEAD + bodyLength) {
    return { ok: false, torn: true, problem: `record cut short (${available - FRAME_HEAD} of ${bodyLength} body bytes)` };
  }
  const body = buf.subarray(offset + FRAME_HEAD, offset + FRAME_HEAD + bodyLength);
  const crc = buf.readUInt32BE(offset + 4);
  if (crc32(body) !== crc) return { ok: false, torn: false, problem: 'record checksum mismatch' };
  const authorLength = body.readUInt16BE(12);
  if (BODY_FIXED + authorLength > bodyLength) return { ok: false, torn: false, problem: 'author runs past the record' };
  const author = authorLength === 0 ? null : body.toString('utf8', BODY_FIXED, BODY_FIXED + authorLength);
  return {
    ok: true,
    size: FRAME_HEAD + bodyLength,
    crc,
    record: {
      seq: body.readUIntBE(0, 6),
      timeMs: body.readUIntBE(6, 6),
      author,
      update: body.subarray(BODY_FIXED + authorLength),
    },
  };
}

export function encodeCheckpoint(cp: CheckpointData): Buffer {
  const nameBytes = Buffer.from(cp.name, 'utf8');
  const headLength = 12 + nameBytes.length + CHECKPOINT_FIXED;
  const out = Buffer.alloc(headLength + cp.state.byteLength + 4);
  CHECKPOINT_MAGIC.copy(out, 0);
  out.writeUInt16BE(FORMAT_VERSION, 8);
  out.writeUInt16BE(nameBytes.length, 10);
  nameBytes.copy(out, 12);
  let at = 12 + nameBytes.length;
  for (const value of [cp.seq, cp.timeMs, cp.recordOffset, cp.logEnd]) {
    out.writeUIntBE(value, at, 6);
    at += 6;
  }
  out.writeUInt32BE(cp.recordCrc, at);
  out.writeUInt32BE(cp.state.byteLength, at + 4);
  out.set(cp.state, headLength);
  out.writeUInt32BE(crc32(out.subarray(0, out.length - 4)), out.length - 4);
  return out;
}

export function decodeCheckpoint(buf: Buffer): CheckpointData | FormatProblem {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(CHECKPOINT_MAGIC)) return { problem: 'not a Tandem checkpoint (bad magic)' };
  if (crc32(buf.subarray(0, buf.length - 4)) !== buf.readUInt32BE(buf.length - 4)) return { problem: 'checkpoint checksum mismatch' };
  const version = buf.readUInt16BE(8);
  if (version !== FORMAT_VERSION) return { problem: `checkpoint format version ${version} is not supported` };
  const nameLength = buf.readUInt16BE(10);
  const headLength = 12 + nameLength + CHECKPOINT_FIXED;
  if (buf.length < headLength + 4) return { problem: 'checkpoint is shorter than its header' };
  const at = 12 + nameLength;
  const [seq = 0, timeMs = 0, recordOffset = 0, logEnd = 0] = [0, 1, 2, 3].map((i) => buf.readUIntBE(at + i * 6, 6));
  const recordCrc = buf.readUInt32BE(at + 24);
  const stateLength = buf.readUInt32BE(at + 28);
  if (headLength + stateLength + 4 !== buf.length) return { problem: 'checkpoint state length does not match the file size' };
  return {
    name: buf.toString('utf8', 12, 12 + nameLength),
    seq,
    timeMs,
    recordOffset,
    logEnd,
    recordCrc,
    state: buf.subarray(headLength, headLength + stateLength),
  };
}

export function isFormatProblem(value: unknown): value is FormatProblem {
  return typeof value === 'object' && value !== null && 'problem' in value;
}
