/**
 * Compacting a document's log (see persistence/compaction.ts for what it means): the log
 * is rewritten without records 1..cut; its header (log format version 2, record-format.ts)
 * holds the document as it was at `cut`, so the current state and every state from the cut on
 * stay exact, and the records kept keep their sequence numbers, byte for byte.
 *
 * Crash safety — every step leaves either the old document or the new one:
 *   1. the new log is written to `log.tmp` and fdatasync'd   (a crash: a leftover temp file,
 *                                                              removed when the log is next opened)
 *   2. the checkpoints are removed, the directory fsync'd    (they name offsets of the old log;
 *                                                              loads replay more until the next)
 *   3. `log.tmp` is renamed over `log`, the directory fsync'd (the switch)
 *
 * The caller guarantees nothing writes to the log meanwhile (file-store.ts).
 */
import { join } from 'node:path';
import * as Y from 'yjs';
import { CompactionError, type CompactionResult } from '../compaction.js';
import { docAt } from '../replay.js';
import { describeProblem } from '../record.js';
import type { FileDocHistory } from './data-dir.js';
import { encodeLogHeader } from './record-format.js';
import type { StoreFs } from './store-fs.js';

const CHECKPOINT_RE = /^checkpoint-\d{12}$/;
/** The records kept are copied in slices of this size. */
const COPY_CHUNK = 4 * 1024 * 1024;

/**
 * Rewrites the log at `logPath` (whose first `logEnd` bytes hold every record of `history`)
 * without the records up to `cut`. Throws `CompactionError` before touching anything when the
 * history is damaged: compacting would make the loss permanent and hide it.
 */
export async function compactLog(
  fs: StoreFs,
  paths: { dir: string; logPath: string },
  history: FileDocHistory,
  logEnd: number,
  cut: number,
  options: { fsync: boolean },
): Promise<CompactionResult> {
  const unchanged: CompactionResult = { name: history.name, cut: history.compacted?.seq ?? 0, removed: 0, bytesBefore: logEnd, bytesAfter: logEnd };
  if (history.problems.length > 0) {
    const first = history.problems[0];
    throw new CompactionError(`${JSON.stringify(history.name)} is damaged (${first ? describeProblem(first) : 'see tandem verify'}); compacting would hide what was lost — run tandem verify first`);
  }
  if (cut <= (history.compacted?.seq ?? 0)) return unchanged;
  const atCut = history.records.find((r) => r.seq === cut);
  if (!atCut || history.records.some((r) => r.offset < 0)) throw new Error(`${paths.logPath}: record ${cut} is not in the log`);
  const doc = await docAt(history, cut);
  let state: Uint8Array;
  try {
    state = Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
  const kept = history.records.filter((r) => r.seq > cut);
  const keptFrom = kept[0]?.offset ?? logEnd;
  const header = encodeLogHeader(history.name, { seq: cut, timeMs: atCut.timeMs, compactedAtMs: Date.now(), state });

  await replaceLog(fs, paths, header, { from: keptFrom, to: logEnd }, options);
  return { name: history.name, cut, removed: history.records.length - kept.length, bytesBefore: logEnd, bytesAfter: header.length + logEnd - keptFrom };
}

/**
 * Puts a new log in place of the one at `logPath` (steps 1–3 above): `header`, then the bytes
 * `copy.from`..`copy.to` of the old log (none without `copy`).
 */
export async function replaceLog(
  fs: StoreFs,
  paths: { dir: string; logPath: string },
  header: Uint8Array,
  copy: { from: number; to: number } | null,
  options: { fsync: boolean },
): Promise<void> {
  const temp = `${paths.logPath}.tmp`;
  const out = await fs.open(temp, 'w');
  try {
    await out.writeAll(header, 0);
    if (copy) {
      const source = await fs.open(paths.logPath, 'r');
      try {
        for (let at = copy.from; at < copy.to; at += COPY_CHUNK) {
          await out.writeAll(await source.read(Math.min(COPY_CHUNK, copy.to - at), at), header.length + at - copy.from);
        }
      } finally {
        await source.close();
      }
    }
    if (options.fsync) await out.datasync();
  } finally {
    await out.close();
  }
  const checkpoints = (await fs.readdir(paths.dir)).filter((e) => CHECKPOINT_RE.test(e));
  for (const entry of checkpoints) await fs.unlink(join(paths.dir, entry));
  if (options.fsync && checkpoints.length > 0) await fs.syncDir(paths.dir);
  await fs.rename(temp, paths.logPath);
  if (options.fsync) await fs.syncDir(paths.dir);
}
