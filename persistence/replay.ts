/**
 * Rebuilding a document as it was at a point of its history, and turning an old state into
 * a new update that makes it current again (history is never rewritten).
 */
import * as Y from 'yjs';
import { followRestoredText } from '../document-schema/comments/comment-threads.js';
import type { DocHistory } from './archive.js';
import { sharedKinds, sharedType, type SharedKind } from './shared-types.js';

/** A point in a document's history: a sequence number, or a time (the last record at or before it). */
export type HistoryPoint = { seq: number } | { timeMs: number };

export class HistoryPointError extends Error {
  readonly code = 'ERR_HISTORY_POINT';
}

/**
 * Parses `--at` / `?at=` / `{"at": …}` (or `--before`, …: `field` names it in errors): a whole
 * number is a sequence number, text an ISO time.
 */
export function parseHistoryPoint(raw: unknown, field = '"at"'): HistoryPoint {
  if (typeof raw === 'number') {
    if (Number.isSafeInteger(raw) && raw >= 0) return { seq: raw };
    throw new HistoryPointError(`${field} must be a sequence number (a whole number ≥ 0) or an ISO time, got ${raw}`);
  }
  if (typeof raw !== 'string' || raw.trim() === '') throw new HistoryPointError(`${field} must be a sequence number or an ISO time`);
  const text = raw.trim();
  if (/^\d+$/.test(text)) return parseHistoryPoint(Number(text), field);
  // ISO 8601 only: Date.parse accepts other spellings that would be ambiguous here.
  const timeMs = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(timeMs)) throw new HistoryPointError(`${field} must be a sequence number or an ISO time such as 2025-01-31T12:00:00Z, got "${text}"`);
  return { timeMs };
}

/** The document's last sequence number (records dropped by a compaction count too). */
export function lastSeq(history: DocHistory): number {
  return history.records.at(-1)?.seq ?? history.compacted?.seq ?? 0;
}

/** Whether the document has nothing at all: no record, and never compacted. */
export function isEmptyHistory(history: DocHistory | null): boolean {
  return !history || lastSeq(history) === 0;
}

/** "history of "notes" before seq 40 was compacted on 2025-…; the earliest point kept is seq 40". */
export function compactedMessage(history: DocHistory): string {
  const base = history.compacted;
  if (!base) return `history of ${JSON.stringify(history.name)} is complete`;
  return `history of ${JSON.stringify(history.name)} before seq ${base.seq} was compacted on ${new Date(base.compactedAtMs).toISOString()}; the earliest point kept is seq ${base.seq} (${new Date(base.timeMs).toISOString()})`;
}

/**
 * The sequence number a point stands for: 0 before the first record. Points before a
 * compaction's cut are refused: their states were dropped.
 */
export function resolveHistoryPoint(history: DocHistory, point: HistoryPoint): number {
  const last = lastSeq(history);
  const base = history.compacted;
  if ('seq' in point) {
    if (point.seq > last) throw new HistoryPointError(`document ${JSON.stringify(history.name)} has ${last} records; there is no record ${point.seq}`);
    if (base && point.seq < base.seq) throw new HistoryPointError(compactedMessage(history));
    return point.seq;
  }
  if (base && point.timeMs < base.timeMs) throw new HistoryPointError(compactedMessage(history));
  let seq = base?.seq ?? 0;
  for (const record of history.records) {
    if (record.timeMs > point.timeMs) break;
    seq = record.seq;
  }
  return seq;
}

/**
 * The document after records 1..seq: from the newest checkpoint at or before `seq` (which also
 * bridges any damaged stretch of log before it), then the records after it.
 */
export async function docAt(history: DocHistory, seq: number, options: { gc?: boolean } = {}): Promise<Y.Doc> {
  const doc = new Y.Doc({ gc: options.gc ?? true });
  let from = 0;
  for (const checkpoint of history.checkpoints) {
    if (checkpoint.seq > seq) continue;
    const state = await checkpoint.load();
    if (!state) continue;
    Y.applyUpdate(doc, state);
    from = checkpoint.seq;
    break;
  }
  Y.transact(doc, () => {
    for (const record of history.records) {
      if (record.seq > from && record.seq <= seq) Y.applyUpdate(doc, record.update);
    }
  });
  return doc;
}

export { RESTORE_AUTHOR } from './author.js';

const REVERT = Symbol('revert');

/**
 * An update that, applied to `current`, makes its content equal to `old` again — as new
 * operations on top of everything that happened since, so every client can apply it.
 *
 * `old` must be a state `current` contains (an earlier point of its history). It is used up:
 * the changes made since are replayed into it and undone there (`old` needs `gc: false`,
 * so the content those changes deleted is still at hand to be re-inserted). Returns null
 * when nothing changed since `old`.
 */
export function revertUpdate(old: Y.Doc, current: Y.Doc): Uint8Array | null {
  const kinds = new Map<string, SharedKind>([...sharedKinds(current), ...sharedKinds(old)]);
  const types = [...kinds].map(([name, kind]) => sharedType(old, name, kind));
  const undo = new Y.UndoManager(types, { trackedOrigins: new Set([REVERT]), captureTimeout: 0 });
  try {
    Y.applyUpdate(old, Y.encodeStateAsUpdate(current, Y.encodeStateVector(old)), REVERT);
    // Everything since arrived in one transaction, so it is one undo step; none: nothing changed.
    if (undo.undoStack.length === 0) return null;
    undo.undo();
    // Text brought back is new text to every other replica: the threads on it must say so.
    followRestoredText(old);
    return Y.encodeStateAsUpdate(old, Y.encodeStateVector(current));
  } finally {
    undo.destroy();
  }
}
