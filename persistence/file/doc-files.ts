/**
 * Reading one document's directory: its log and checkpoints, and deciding what is valid.
 * Nothing here writes; the writer (doc-log.ts) acts on what `openDocFiles` finds.
 *
 *   docs/<dir>/log                      append-only records (record-format.ts)
 *   docs/<dir>/checkpoint-<seq:12>      merged state at <seq>
 *   docs/<dir>/checkpoint-<seq:12>.tmp  a checkpoint being written (ignored, removed)
 *   docs/<dir>/orphan-<seq:12>          a checkpoint the log no longer backs, kept until its
 *                                       content is in the log again (see doc-log.ts)
 *   docs/<dir>/*.corrupt-*              damaged bytes moved aside, for inspection only
 *
 * Loading = the newest checkpoint the log confirms (the record it names sits at the offset it
 * names, with the same checksum) + the valid records after it. A compacted log's header holds
 * the state its first record continues from: that is the base when no checkpoint is. A checkpoint that fails its
 * checksum is skipped in favour of an older one; one the log does not confirm becomes an
 * orphan, whose state is merged back so nothing a checkpoint held is lost.
 */
import { join } from 'node:path';
import {
  LOG_HEADER_PREFIX_BYTES, decodeCheckpoint, decodeLogBase, decodeLogHeader, decodeRecord, isFormatProblem,
  type CheckpointData, type LogBaseHead, type LogHeader,
} from './record-format.js';
import { isNotFound, type StoreFileHandle, type StoreFs } from './store-fs.js';
import { describeProblem, type StoreProblem, type StoredRecord } from '../record.js';

export const LOG_FILE = 'log';
const CHECKPOINT_RE = /^checkpoint-(\d{12})$/;
const ORPHAN_RE = /^orphan-(\d{12})$/;

export const checkpointFileName = (seq: number): string => `checkpoint-${String(seq).padStart(12, '0')}`;
export const orphanFileName = (seq: number): string => `orphan-${String(seq).padStart(12, '0')}`;

/** The document cannot be opened at all (its log header is damaged, or names another document). */
export class DocFilesError extends Error {
  readonly code = 'ERR_DOC_FILES';
  constructor(readonly problem: StoreProblem) {
    super(describeProblem(problem));
  }
}

export interface CheckpointRef extends CheckpointData {
  path: string;
}

export interface LogTail {
  offset: number;
  message: string;
  /** The last frame runs past the end of the file (an interrupted write), as opposed to bad bytes. */
  torn: boolean;
}

export interface DocFiles {
  name: string;
  dir: string;
  logPath: string;
  /** null: there is no log yet (absent, or cut short before its header was complete). */
  headerSize: number | null;
  fileSize: number;
  /** The checkpoint loading starts from (a compacted log's own base: `path` is the log), or null (replay the whole log). */
  base: CheckpointRef | null;
  /** Set when the log was compacted: records up to `seq` are only in its base. */
  compacted: LogBaseHead | null;
  /** Valid records after `base` (all of them without a base), in order. */
  records: StoredRecord[];
  /** Last valid sequence number, its record's offset and checksum, and where it ends. */
  seq: number;
  lastRecord: { offset: number; crc: number; timeMs: number } | null;
  end: number;
  tail: LogTail | null;
  orphans: CheckpointRef[];
  /** Checkpoint files that failed their checksum, and leftovers of interrupted writes. */
  damagedCheckpoints: string[];
  tempFiles: string[];
  problems: StoreProblem[];
}

/** Parses records from `buf` (whose first byte is at file offset `base`) starting at `from`. */
export function parseRecords(
  buf: Buffer,
  base: number,
  from: number,
  firstSeq: number,
): { records: StoredRecord[]; end: number; tail: LogTail | null } {
  const records: StoredRecord[] = [];
  let at = from - base;
  let seq = firstSeq;
  while (at < buf.length) {
    const read = decodeRecord(buf, at);
    if (!read.ok) return { records, end: base + at, tail: { offset: base + at, message: read.problem, torn: read.torn } };
    if (read.record.seq !== seq) {
      return { records, end: base + at, tail: { offset: base + at, message: `record has sequence number ${read.record.seq}, expected ${seq}`, torn: false } };
    }
    records.push({ ...read.record, offset: base + at, size: read.size, crc: read.crc });
    at += read.size;
    seq += 1;
  }
  return { records, end: base + at, tail: null };
}

async function readHeader(handle: StoreFileHandle, fileSize: number, logPath: string): Promise<LogHeader | null> {
  const head = await handle.read(Math.min(fileSize, LOG_HEADER_PREFIX_BYTES), 0);
  const header = decodeLogHeader(head);
  if (header === 'incomplete') return null;
  if (isFormatProblem(header)) throw new DocFilesError({ path: logPath, offset: 0, message: header.problem });
  return header;
}

async function readCheckpoint(fs: StoreFs, path: string, name: string, problems: StoreProblem[]): Promise<CheckpointRef | null> {
  const decoded = decodeCheckpoint(await fs.readFile(path));
  if (isFormatProblem(decoded) || decoded.name !== name) {
    const message = isFormatProblem(decoded) ? decoded.problem : `checkpoint belongs to document ${JSON.stringify(decoded.name)}`;
    problems.push({ path, message: `${message}; falling back to an older checkpoint and the log` });
    return null;
  }
  return { ...decoded, path };
}

/** Does the log hold, at the place the checkpoint names, the very record it was made at? */
async function confirms(handle: StoreFileHandle, fileSize: number, cp: CheckpointRef): Promise<boolean> {
  if (cp.logEnd > fileSize || cp.recordOffset >= cp.logEnd) return false;
  const bytes = await handle.read(cp.logEnd - cp.recordOffset, cp.recordOffset);
  const read = decodeRecord(bytes, 0);
  return read.ok && read.size === bytes.length && read.record.seq === cp.seq && read.crc === cp.recordCrc;
}

/** The state a compacted log starts from, read from its header. Throws when it is damaged. */
export async function readCompactedBase(fs: StoreFs, logPath: string): Promise<Uint8Array> {
  const handle = await fs.open(logPath, 'r');
  try {
    const header = await readHeader(handle, await handle.size(), logPath);
    if (!header?.base) throw new Error(`${logPath}: not a compacted log`);
    return (await readLogBase(handle, header.name, header.size, header.base, logPath)).state;
  } finally {
    await handle.close();
  }
}

/** A compacted log's base as the checkpoint loading starts from. Throws when it is damaged. */
async function readLogBase(handle: StoreFileHandle, name: string, size: number, head: LogBaseHead, logPath: string): Promise<CheckpointRef> {
  const base = decodeLogBase(await handle.read(size, 0), head);
  if (isFormatProblem(base)) throw new DocFilesError({ path: logPath, offset: head.offset, message: base.problem });
  return { name, seq: base.seq, timeMs: base.timeMs, recordOffset: 0, logEnd: size, recordCrc: 0, state: base.state, path: logPath };
}

/**
 * Reads a document's files. `upTo` limits reading to the first bytes of the log (what a live
 * writer has made durable). Throws `DocFilesError` when the log header is damaged or names
 * another document; every lesser problem is returned in `problems`.
 */
export async function openDocFiles(fs: StoreFs, dir: string, name: string, upTo?: number): Promise<DocFiles> {
  const logPath = join(dir, LOG_FILE);
  const problems: StoreProblem[] = [];
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    entries = [];
  }
  const files: DocFiles = {
    name, dir, logPath, headerSize: null, fileSize: 0, base: null, compacted: null, records: [], seq: 0, lastRecord: null, end: 0,
    tail: null, orphans: [], damagedCheckpoints: [], problems,
    tempFiles: entries.filter((e) => e.endsWith('.tmp')).map((e) => join(dir, e)),
  };
  // Newest first; older checkpoints are read only while the newer ones fail.
  const checkpointPaths = entries.filter((e) => CHECKPOINT_RE.test(e)).sort().reverse().map((e) => join(dir, e));
  for (const entry of entries.filter((e) => ORPHAN_RE.test(e))) {
    const orphan = await readCheckpoint(fs, join(dir, entry), name, problems);
    if (orphan) files.orphans.push(orphan);
    else files.damagedCheckpoints.push(join(dir, entry));
  }
  const nextCheckpoint = async (): Promise<CheckpointRef | null | undefined> => {
    const path = checkpointPaths.shift();
    if (path === undefined) return undefined;
    const cp = await readCheckpoint(fs, path, name, problems);
    if (!cp) files.damagedCheckpoints.push(path);
    return cp;
  };
  const allAreOrphans = async (): Promise<DocFiles> => {
    for (let cp = await nextCheckpoint(); cp !== undefined; cp = await nextCheckpoint()) if (cp) files.orphans.push(cp);
    return files;
  };
  if (!entries.includes(LOG_FILE)) return allAreOrphans();

  const handle = await fs.open(logPath, 'r');
  try {
    files.fileSize = Math.min(await handle.size(), upTo ?? Number.MAX_SAFE_INTEGER);
    const header = await readHeader(handle, files.fileSize, logPath);
    // Cut short while being created: no record was ever written after it.
    if (!header) return await allAreOrphans();
    if (header.name !== name) {
      throw new DocFilesError({ path: logPath, offset: 0, message: `log belongs to document ${JSON.stringify(header.name)}, not ${JSON.stringify(name)}` });
    }
    files.headerSize = header.size;
    files.end = header.size;
    files.compacted = header.base;

    let start = header.size;
    while (files.base === null) {
      const cp = await nextCheckpoint();
      if (cp === undefined) break;
      if (!cp) continue;
      if (await confirms(handle, files.fileSize, cp)) {
        files.base = cp;
        start = cp.logEnd;
      } else {
        files.orphans.push(cp);
      }
    }
    if (files.base === null && header.base) files.base = await readLogBase(handle, header.name, header.size, header.base, logPath);
    const bytes = await handle.read(files.fileSize - start, start);
    const parsed = parseRecords(bytes, start, start, (files.base?.seq ?? 0) + 1);
    files.records = parsed.records;
    files.end = parsed.end;
    files.tail = parsed.tail;
    const last = parsed.records.at(-1);
    if (last) {
      files.seq = last.seq;
      files.lastRecord = { offset: last.offset, crc: last.crc, timeMs: last.timeMs };
    } else if (files.base) {
      files.seq = files.base.seq;
      files.lastRecord = { offset: files.base.recordOffset, crc: files.base.recordCrc, timeMs: files.base.timeMs };
    }
    if (parsed.tail) problems.push({ path: logPath, offset: parsed.tail.offset, message: parsed.tail.message });
  } finally {
    await handle.close();
  }
  // The writer merges orphans back (merging content the log already has is harmless).
  for (const orphan of files.orphans) {
    if (CHECKPOINT_RE.test(orphan.path.slice(dir.length + 1))) {
      problems.push({ path: orphan.path, message: `checkpoint at seq ${orphan.seq} is not backed by the log; its content will be merged back` });
    }
  }
  return files;
}
