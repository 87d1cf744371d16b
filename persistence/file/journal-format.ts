/**
 * The bytes of the shared journal (journal.ts): one file per segment, holding records of any
 * document in the order they were made durable. Pure codecs, like record-format.ts.
 *
 *   segment  := "TANDEMJL" • u16(version) • u48(segmentNumber) • u32(crc32 of the above)
 *   entry    := u32(bodyLength) • u32(crc32(body)) • body
 *   body     := u16(nameLength) • name • record
 *               -- record: the document log's frame (record-format.ts), byte for byte, so
 *               -- moving an entry into its document's log is a copy, not a re-encode
 */
import { crc32 } from 'node:zlib';
import { FORMAT_VERSION, decodeRecord, type FormatProblem } from './record-format.js';
import type { LogRecord } from '../record.js';

const MAGIC = Buffer.from('TANDEMJL', 'latin1');
export const JOURNAL_HEADER_BYTES = 8 + 2 + 6 + 4;
const ENTRY_HEAD = 8;

export function encodeJournalHeader(segment: number): Buffer {
  const out = Buffer.alloc(JOURNAL_HEADER_BYTES);
  MAGIC.copy(out, 0);
  out.writeUInt16BE(FORMAT_VERSION, 8);
  out.writeUIntBE(segment, 10, 6);
  out.writeUInt32BE(crc32(out.subarray(0, 16)), 16);
  return out;
}

export function decodeJournalHeader(buf: Buffer): { segment: number } | FormatProblem | 'incomplete' {
  // Preallocated zeros whose header was never written: the segment was being created (its
  // header goes in after the zeros, before any entry), so nothing was ever written to it.
  if (buf.subarray(0, JOURNAL_HEADER_BYTES).every((byte) => byte === 0)) return 'incomplete';
  if (buf.length < JOURNAL_HEADER_BYTES) {
    return MAGIC.subarray(0, Math.min(8, buf.length)).equals(buf.subarray(0, 8)) ? 'incomplete' : { problem: 'not a Tandem journal (bad magic)' };
  }
  if (!buf.subarray(0, 8).equals(MAGIC)) return { problem: 'not a Tandem journal (bad magic)' };
  if (crc32(buf.subarray(0, 16)) !== buf.readUInt32BE(16)) return { problem: 'journal header checksum mismatch' };
  const version = buf.readUInt16BE(8);
  if (version !== FORMAT_VERSION) return { problem: `journal format version ${version} is not supported (this build reads ${FORMAT_VERSION})` };
  return { segment: buf.readUIntBE(10, 6) };
}

/** `u16(nameLength) • name`: computed once per document and reused for every entry. */
export function journalNamePrefix(name: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const out = Buffer.alloc(2 + nameBytes.length);
  out.writeUInt16BE(nameBytes.length, 0);
  nameBytes.copy(out, 2);
  return out;
}

export interface JournalEntryInput {
  namePrefix: Buffer;
  frame: Buffer;
}

/** Encodes entries back to back into one buffer: one write for a whole commit cycle. */
export function encodeJournalEntries(entries: readonly JournalEntryInput[]): Buffer {
  let total = 0;
  for (const e of entries) total += ENTRY_HEAD + e.namePrefix.length + e.frame.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const e of entries) {
    const bodyLength = e.namePrefix.length + e.frame.length;
    out.writeUInt32BE(bodyLength, at);
    e.namePrefix.copy(out, at + ENTRY_HEAD);
    e.frame.copy(out, at + ENTRY_HEAD + e.namePrefix.length);
    out.writeUInt32BE(crc32(e.frame, crc32(e.namePrefix)), at + 4);
    at += ENTRY_HEAD + bodyLength;
  }
  return out;
}

export type JournalEntryRead =
  | { ok: true; name: string; record: LogRecord; frame: Buffer; size: number }
  | { ok: false; torn: boolean; problem: string };

/** Decodes the entry at `offset`. `frame` and the update are views into `buf`. */
export function decodeJournalEntry(buf: Buffer, offset: number): JournalEntryRead {
  const available = buf.length - offset;
  if (available < ENTRY_HEAD) return { ok: false, torn: true, problem: `entry header cut short (${available} of ${ENTRY_HEAD} bytes)` };
  const bodyLength = buf.readUInt32BE(offset);
  if (bodyLength < 2) return { ok: false, torn: false, problem: `impossible entry length ${bodyLength}` };
  if (available < ENTRY_HEAD + bodyLength) return { ok: false, torn: true, problem: `entry cut short (${available - ENTRY_HEAD} of ${bodyLength} body bytes)` };
  const body = buf.subarray(offset + ENTRY_HEAD, offset + ENTRY_HEAD + bodyLength);
  if (crc32(body) !== buf.readUInt32BE(offset + 4)) return { ok: false, torn: false, problem: 'entry checksum mismatch' };
  const nameLength = body.readUInt16BE(0);
  if (2 + nameLength > bodyLength) return { ok: false, torn: false, problem: 'document name runs past the entry' };
  const frame = body.subarray(2 + nameLength);
  const read = decodeRecord(frame, 0);
  if (!read.ok || read.size !== frame.length) return { ok: false, torn: false, problem: `entry holds no valid record (${read.ok ? 'trailing bytes' : read.problem})` };
  return { ok: true, name: body.toString('utf8', 2, 2 + nameLength), record: read.record, frame, size: ENTRY_HEAD + bodyLength };
}
