/**
 * A data dir as a whole, read-only: which documents it holds, their summaries and histories.
 *
 *   <data-dir>/tandem.lock       the serving process (data-dir-lock.ts)
 *   <data-dir>/docs/<dir>/       one directory per document (file-names.ts, doc-files.ts)
 *   <data-dir>/journal/          records made durable but not yet copied to their logs (journal.ts)
 *
 * Reading never writes, so it is safe beside a running server; `limits` lets the server's own
 * store read only up to what it has made durable (a frame being written is not damage).
 * Records still only in the journal (a running server copies them within seconds; after a
 * crash, at its next start) are read from there, so a reader sees every durable record.
 * The server's own store copies them first instead (`journal: false`).
 */
import { join } from 'node:path';
import type { DocArchive, DocHistory, DocSummary } from '../archive.js';
import { LOG_FILE, parseRecords } from './doc-files.js';
import { FILES_DIR, docFilesBytes } from './blob-files.js';
import { docDirName, parseDocDirName } from './file-names.js';
import { JOURNAL_DIR, readJournal } from './journal.js';
import { KeptScans } from './kept-scans.js';
import { confirmedCheckpoints, readLog } from './log-reader.js';
import { LOG_HEADER_PREFIX_BYTES, decodeLogHeader, isFormatProblem } from './record-format.js';
import { isNotFound, nodeFs, type StoreFs } from './store-fs.js';
import type { StoreProblem, StoredRecord } from '../record.js';
import type { NamedVersion, VersionLister } from '../named-versions.js';
import { readDocVersions } from './file-versions.js';

export const DOCS_DIR = 'docs';
const CHECKPOINT_RE = /^checkpoint-(\d{12})$/;

export interface DocDir {
  dir: string;
  /** The document's name, from the directory name or (hashed names) the log header. */
  name: string;
}

/** A history read from files: each record with where its frame is. */
export interface FileDocHistory extends DocHistory {
  records: StoredRecord[];
}

/** Durable log length per document, for readers inside the writing process. */
export type LogLimit = (name: string) => number | undefined;

export class DataDirArchive implements DocArchive, VersionLister {
  readonly docsDir: string;

  private readonly readsJournal: boolean;
  private readonly scans: KeptScans;

  /**
   * `keptScans`: how many documents' logs to keep scanned between reads (kept-scans.ts), for a
   * server reading the same long histories again and again; none by default.
   */
  constructor(
    readonly dataDir: string,
    private readonly fs: StoreFs = nodeFs,
    private readonly limit: LogLimit = () => undefined,
    options: { journal?: boolean; keptScans?: number } = {},
  ) {
    this.docsDir = join(dataDir, DOCS_DIR);
    this.readsJournal = options.journal ?? true;
    this.scans = new KeptScans(fs, options.keptScans ?? 0);
  }

  /** Records only in the journal, per document, in order (offset -1: not in the log). */
  async journalRecords(): Promise<Map<string, StoredRecord[]>> {
    const byName = new Map<string, StoredRecord[]>();
    if (!this.readsJournal) return byName;
    const scan = await readJournal(this.fs, join(this.dataDir, JOURNAL_DIR));
    for (const entry of scan.entries) {
      const list = byName.get(entry.name) ?? [];
      list.push({ ...entry.record, offset: -1, size: 0, crc: 0 });
      byName.set(entry.name, list);
    }
    return byName;
  }

  docDir(name: string): string {
    return join(this.docsDir, docDirName(name));
  }

  /** Every document directory, with problems for directories that are not documents. */
  async listDocDirs(): Promise<{ docs: DocDir[]; problems: StoreProblem[] }> {
    let entries: string[];
    try {
      entries = await this.fs.readdir(this.docsDir);
    } catch (error) {
      if (isNotFound(error)) return { docs: [], problems: [] };
      throw error;
    }
    const docs: DocDir[] = [];
    const problems: StoreProblem[] = [];
    for (const entry of entries.sort()) {
      const dir = join(this.docsDir, entry);
      const info = parseDocDirName(entry);
      if (info.kind === 'foreign') {
        problems.push({ path: dir, message: 'not a document directory (unknown name encoding)' });
        continue;
      }
      const headerName = await this.headerName(dir);
      if (isFormatProblem(headerName)) {
        problems.push({ path: join(dir, LOG_FILE), offset: 0, message: headerName.problem });
        continue;
      }
      // No log yet (its creation was interrupted): the document has no records.
      if (headerName === null) continue;
      const name = info.kind === 'short' ? info.name : headerName;
      if (headerName !== name || docDirName(name) !== entry) {
        problems.push({ path: dir, message: `log header names ${JSON.stringify(headerName)}, which does not belong in this directory` });
        continue;
      }
      docs.push({ dir, name });
    }
    return { docs, problems };
  }

  async listDocs(): Promise<DocSummary[]> {
    const { docs } = await this.listDocDirs();
    const journaled = await this.journalRecords();
    const summaries: DocSummary[] = [];
    for (const doc of docs) summaries.push(await this.summarize(doc));
    for (const summary of summaries) {
      const last = journaled.get(summary.name)?.at(-1);
      if (last && last.seq > summary.records) Object.assign(summary, { records: last.seq, lastChangeMs: last.timeMs, lastAuthor: last.author });
      journaled.delete(summary.name);
    }
    // Documents so new that all their records are still in the journal.
    for (const [name, records] of journaled) {
      const last = records.at(-1);
      if (last) summaries.push({ name, bytes: 0, records: last.seq, lastChangeMs: last.timeMs, lastAuthor: last.author });
    }
    return summaries;
  }

  async readHistory(name: string): Promise<FileDocHistory | null> {
    const dir = this.docDir(name);
    const logPath = join(dir, LOG_FILE);
    const log = await this.scans.read(logPath, this.limit(name));
    const journaled = (await this.journalRecords()).get(name) ?? [];
    if (!log) return journaled.length > 0 ? { name, compacted: null, records: journaled, checkpoints: [], problems: [] } : null;
    if (log.name !== name) {
      const problems = log.problems.length > 0 ? log.problems : [{ path: logPath, offset: 0, message: `log belongs to ${JSON.stringify(log.name)}` }];
      return { name, compacted: null, records: [], checkpoints: [], problems };
    }
    const lastSeq = log.records.at(-1)?.seq ?? log.compacted?.seq ?? 0;
    const records = [...log.records, ...journaled.filter((r) => r.seq > lastSeq)];
    const checkpoints = await confirmedCheckpoints(this.fs, dir, log.records);
    const base = log.compacted;
    if (base?.state) {
      const state = base.state;
      // The oldest point there is: states before it were compacted away.
      checkpoints.push({ seq: base.seq, path: logPath, load: () => Promise.resolve(state) });
    }
    const compacted = base ? { seq: base.seq, timeMs: base.timeMs, compactedAtMs: base.compactedAtMs } : null;
    return { name, compacted, records, checkpoints, problems: log.problems };
  }

  /** The document's named versions (damaged lines left out: `tandem verify` reports them). */
  async listVersions(name: string): Promise<NamedVersion[]> {
    return (await readDocVersions(this.fs, this.docDir(name))).versions;
  }

  /** Record count and last change: from the newest checkpoint's record on, when it checks out. */
  async summarize(doc: DocDir): Promise<DocSummary> {
    const entries = await this.fs.readdir(doc.dir);
    let bytes = 0;
    for (const entry of entries) {
      if (entry === LOG_FILE || CHECKPOINT_RE.test(entry)) bytes += (await this.fs.sizeOf(join(doc.dir, entry))) ?? 0;
    }
    if (entries.includes(FILES_DIR)) bytes += await docFilesBytes(this.fs, doc.dir);
    const logPath = join(doc.dir, LOG_FILE);
    const upTo = this.limit(doc.name);
    const newest = entries.filter((e) => CHECKPOINT_RE.test(e)).sort().at(-1);
    if (newest) {
      const tail = await this.tailAfterCheckpoint(join(doc.dir, newest), logPath, upTo);
      if (tail) return { name: doc.name, bytes, ...tail };
    }
    const log = await readLog(this.fs, logPath, upTo);
    const last = log?.records.at(-1);
    // A compacted log without records since: its base is the last point there is.
    const base = last ? null : log?.compacted;
    return { name: doc.name, bytes, records: last?.seq ?? base?.seq ?? 0, lastChangeMs: last?.timeMs ?? base?.timeMs ?? null, lastAuthor: last?.author ?? null };
  }

  /**
   * The records from the checkpoint's own one to the end of the log, or null when the log does
   * not back the checkpoint (then the whole log is read). Reading from the checkpoint's record
   * rather than after it gives the last record's author even when nothing followed it.
   */
  private async tailAfterCheckpoint(cpPath: string, logPath: string, upTo: number | undefined) {
    // Only the checkpoint's fixed head is needed: where its record sits in the log (record-format.ts).
    const cp = await this.fs.open(cpPath, 'r');
    const head = await cp.read(12 + 0xffff + 32, 0).finally(() => cp.close());
    if (head.length < 16) return null;
    const at = 12 + head.readUInt16BE(10);
    if (head.length < at + 32) return null;
    const seq = head.readUIntBE(at, 6);
    const recordOffset = head.readUIntBE(at + 12, 6);
    const logEnd = head.readUIntBE(at + 18, 6);
    const recordCrc = head.readUInt32BE(at + 24);
    const handle = await this.fs.open(logPath, 'r');
    try {
      const size = Math.min(await handle.size(), upTo ?? Number.MAX_SAFE_INTEGER);
      if (recordOffset >= logEnd || logEnd > size) return null;
      const parsed = parseRecords(await handle.read(size - recordOffset, recordOffset), recordOffset, recordOffset, seq);
      const own = parsed.records[0];
      if (!own || own.offset + own.size !== logEnd || own.crc !== recordCrc) return null;
      // Damage right after the checkpoint: the full read reports it.
      if (parsed.records.length === 1 && parsed.tail && parsed.tail.offset === logEnd && !parsed.tail.torn) return null;
      const last = parsed.records.at(-1) ?? own;
      return { records: last.seq, lastChangeMs: last.timeMs, lastAuthor: last.author };
    } finally {
      await handle.close();
    }
  }

  private async headerName(dir: string): Promise<string | null | { problem: string }> {
    let handle;
    try {
      handle = await this.fs.open(join(dir, LOG_FILE), 'r');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    try {
      const header = decodeLogHeader(await handle.read(LOG_HEADER_PREFIX_BYTES, 0));
      if (header === 'incomplete') return null;
      return isFormatProblem(header) ? header : header.name;
    } finally {
      await handle.close();
    }
  }
}
