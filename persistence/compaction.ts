/**
 * `tandem compact`: an operator's choice to drop a document's history before a point. The
 * current state and the history from the point on stay exactly as they were; states before it
 * can no longer be shown, exported or restored. What a store keeps at the cut is its own
 * business (the file store: persistence/file/log-compaction.ts; PostgreSQL:
 * persistence/postgres/history-compaction.ts).
 */
import type { DocHistory } from './archive.js';
import { HistoryPointError, lastSeq, type HistoryPoint } from './replay.js';

/** A compaction that cannot be done as asked (damage, a point past the end): nothing changed. */
export class CompactionError extends Error {
  readonly code = 'ERR_COMPACTION';
}

export interface CompactionResult {
  name: string;
  /** History before this seq is gone; the document as it was at it is kept. */
  cut: number;
  /** Records dropped by this compaction (0: there was nothing before the point left to drop). */
  removed: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * The seq to cut at for "drop the history before `before`": the point itself (a time stands
 * for the last record at or before it), whose state is kept. A point at or before an earlier
 * cut leaves nothing more to drop.
 */
export function resolveCut(history: DocHistory, before: HistoryPoint): number {
  const base = history.compacted?.seq ?? 0;
  if ('seq' in before) return seqCut(history.name, lastSeq(history), base, before.seq);
  let cut = base;
  for (const record of history.records) {
    if (record.timeMs > before.timeMs) break;
    cut = record.seq;
  }
  return cut;
}

/** The cut for a sequence number: refused past the document's last record `last`. */
export function seqCut(name: string, last: number, base: number, seq: number): number {
  if (seq > last) throw new HistoryPointError(`document ${JSON.stringify(name)} has ${last} records; there is no record ${seq}`);
  return Math.max(base, seq);
}
