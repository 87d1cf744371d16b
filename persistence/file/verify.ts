/**
 * `tandem verify`: every checksum of every log, checkpoint and named-versions file (each
 * version must name a record the document has), every document replayed from
 * its first record (a compacted one from the base its log header holds), every checkpoint compared with the replay at its sequence number, and
 * every journal entry's checksum. Documents in the trash are checked the same way: they can be
 * restored.
 *
 * Errors are damage (the data dir is not as it was written); warnings are traces of damage
 * already recovered from (bytes moved aside) or of work in progress. Given the server's rule
 * for names, documents stored under a name it no longer gives are warnings (the next server
 * start renames them, name-carry-over.ts), and those it cannot rename are errors. With a server running,
 * the last frame of a log may still be being written: a cut-short tail then is a warning,
 * and a bad checksum there is read a second time before it counts.
 */
import { join } from 'node:path';
import { DataDirArchive } from './data-dir.js';
import { LOG_FILE } from './doc-files.js';
import { verifyDocFiles } from './blob-files.js';
import { JOURNAL_DIR, readJournal } from './journal.js';
import { planNameCarryOver, type NameRule } from './name-carry-over.js';
import { readLog, type ScannedLog } from './log-reader.js';
import { decodeCheckpoint, isFormatProblem } from './record-format.js';
import { FileTrash } from './file-trash.js';
import { isNotFound, nodeFs, type StoreFs } from './store-fs.js';
import { reportOk, type DocReport, type TrashDocReport, type VerifyReport } from '../verify-report.js';
import { ReplayCheck } from '../replay-check.js';
import { VERSIONS_FILE, readDocVersions } from './file-versions.js';

export type { DocReport, VerifyReport };

const CHECKPOINT_RE = /^checkpoint-\d{12}$/;
const TRACE_RE = /\.corrupt-|^orphan-|\.tmp$/;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function readLogSettled(fs: StoreFs, logPath: string, live: boolean): Promise<ScannedLog | null> {
  const first = await readLog(fs, logPath);
  if (!live || !first || first.problems.length === 0) return first;
  // A frame being appended right now reads as damage at the end; read again once it landed.
  await sleep(200);
  return readLog(fs, logPath);
}

/** `journaledSeq`: the document's last record in the journal, not yet copied into its log (0: none). */
export async function verifyDoc(fs: StoreFs, dir: string, name: string, live: boolean, journaledSeq = 0): Promise<DocReport> {
  const report: DocReport = { name, dir, records: 0, checkpoints: 0, compacted: null, errors: [], warnings: [] };
  const entries = await fs.readdir(dir);
  for (const entry of entries) {
    if (TRACE_RE.test(entry)) report.warnings.push({ path: join(dir, entry), message: 'left by an earlier recovery or interrupted write (kept for inspection)' });
  }
  const logPath = join(dir, LOG_FILE);
  const log = await readLogSettled(fs, logPath, live);
  if (!log) {
    report.warnings.push({ path: logPath, message: 'no log (the document has no records)' });
    return report;
  }
  if (log.name !== name) report.errors.push({ path: logPath, offset: 0, message: `log header names ${JSON.stringify(log.name)}` });
  for (const problem of log.problems) {
    // A last frame cut short is a write that never completed (being written now, or cut by a
    // crash): never acknowledged, and dropped by the server when it next opens the document.
    const interrupted = problem === log.problems.at(-1) && /cut short/.test(problem.message) && /to the end/.test(problem.message);
    if (interrupted) report.warnings.push({ ...problem, message: `${problem.message} (an interrupted write${live ? ', or one in progress' : ''})` });
    else report.errors.push(problem);
  }
  report.records = log.records.length;
  const files = await verifyDocFiles(fs, dir);
  report.errors.push(...files.errors);
  report.warnings.push(...files.warnings);

  // A compacted log starts at its base's seq + 1 by design: its header says so, and holds the
  // state at the base, which the replay below starts from.
  if (log.compacted) report.compacted = { seq: log.compacted.seq, compactedAtMs: log.compacted.compactedAtMs };

  // Replay from the first record (or a compacted log's base), comparing each checkpoint with
  // the replay at its seq.
  const checkpoints = [];
  for (const entry of entries.filter((e) => CHECKPOINT_RE.test(e))) {
    const path = join(dir, entry);
    const decoded = decodeCheckpoint(await fs.readFile(path));
    if (isFormatProblem(decoded)) report.errors.push({ path, message: decoded.problem });
    else if (decoded.name !== name) report.errors.push({ path, message: `checkpoint names ${JSON.stringify(decoded.name)}` });
    else checkpoints.push({ seq: decoded.seq, path, state: decoded.state });
  }
  report.checkpoints = checkpoints.length;
  const check = new ReplayCheck(checkpoints, log.compacted?.state ?? undefined);
  for (const record of log.records) check.apply(record, { path: logPath, offset: record.offset });
  check.finish({ path: logPath });
  report.errors.push(...check.errors);
  report.warnings.push(...check.warnings);
  await verifyVersions(fs, dir, Math.max(log.records.at(-1)?.seq ?? log.compacted?.seq ?? 0, journaledSeq), report);
  return report;
}

/** The versions file's lines check out, and each version names a record the document has (up to `lastSeq`). */
async function verifyVersions(fs: StoreFs, dir: string, lastSeq: number, report: DocReport): Promise<void> {
  const { versions, problems } = await readDocVersions(fs, dir);
  report.errors.push(...problems);
  for (const version of versions) {
    if (version.seq > lastSeq) {
      report.errors.push({ path: join(dir, VERSIONS_FILE), message: `the version named ${JSON.stringify(version.name)} names record ${version.seq}, past the document's last (${lastSeq})` });
    }
  }
}

export async function verifyDataDir(dataDir: string, options: { live: boolean; fs?: StoreFs; names?: NameRule }): Promise<VerifyReport> {
  const fs = options.fs ?? nodeFs;
  const archive = new DataDirArchive(dataDir, fs);
  const report: VerifyReport = { docs: [], trash: [], errors: [], warnings: [], ok: true };
  const listed = await archive.listDocDirs();
  report.errors.push(...listed.problems);
  const journaled = await archive.journalRecords();
  for (const doc of listed.docs) report.docs.push(await verifyDoc(fs, doc.dir, doc.name, options.live, journaled.get(doc.name)?.at(-1)?.seq ?? 0));
  report.trash = await verifyTrash(fs, dataDir);
  await verifyJournal(fs, join(dataDir, JOURNAL_DIR), options.live, report);
  if (options.names) {
    const plan = await planNameCarryOver(archive, options.names, fs);
    for (const c of plan.changes) report.warnings.push({ path: c.dir, message: `${JSON.stringify(c.from)} is a name from an earlier version; the next \`tandem serve\` renames it to ${JSON.stringify(c.to)}` });
    for (const r of plan.refusals) report.errors.push({ path: r.dir, message: `${JSON.stringify(r.name)} cannot be carried over to this version's names: ${r.reason}` });
  }
  report.ok = reportOk(report);
  return report;
}

/** Every document in the trash, as restorable as a live one. Nothing in the trash is being written. */
async function verifyTrash(fs: StoreFs, dataDir: string): Promise<TrashDocReport[]> {
  const trash = new FileTrash(dataDir, fs);
  const reports: TrashDocReport[] = [];
  for (const entry of await trash.list()) {
    try {
      const doc = await verifyDoc(fs, trash.entryDocDir(entry.id, entry.name), entry.name, false);
      reports.push({ ...doc, trashId: entry.id, deletedAtMs: entry.deletedAtMs });
    } catch (error) {
      // Restored or purged by a running server since it was listed.
      if (!isNotFound(error)) throw error;
    }
  }
  return reports;
}

/** Damaged journal entries are errors; records not yet copied into their logs are normal. */
async function verifyJournal(fs: StoreFs, dir: string, live: boolean, report: VerifyReport): Promise<void> {
  const scan = await readJournal(fs, dir);
  report.errors.push(...scan.problems);
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (TRACE_RE.test(entry)) report.warnings.push({ path: join(dir, entry), message: 'left by an earlier recovery (kept for inspection)' });
  }
  if (scan.entries.length === 0) return;
  const docs = new Set(scan.entries.map((e) => e.name)).size;
  const when = live ? 'the server copies them within seconds' : 'the next server start copies them; every command reads them meanwhile';
  report.warnings.push({ path: dir, message: `${scan.entries.length} records of ${docs} documents are in the journal, not yet in their logs (${when})` });
}
