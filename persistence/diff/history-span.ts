/**
 * A stretch of a document's history as one Yjs document: rebuilt without garbage collection
 * from the newest checkpoint at or before `from` through the record `to`, with a snapshot
 * taken at each end. Every item that existed at either point is in it with its content —
 * text deleted between the points included — and each snapshot says what existed then.
 *
 * A stretch of log lost to damage is bridged by the newest checkpoint inside it, as
 * `docAt` does. A history whose records before `from` are gone (compacted) and that has no
 * checkpoint at or before `from` cannot say what existed then: that is an error, except for
 * `from` = 0, the empty document.
 */
import * as Y from 'yjs';
import type { DocHistory, HistoryCheckpoint } from '../archive.js';
import { HistoryPointError } from '../replay.js';

export interface HistorySpan {
  doc: Y.Doc;
  before: Y.Snapshot;
  after: Y.Snapshot;
}

/** The newest checkpoint in [low, high] that loads, with its state. */
export async function newestCheckpoint(checkpoints: readonly HistoryCheckpoint[], low: number, high: number): Promise<{ seq: number; state: Uint8Array } | null> {
  // Newest first (archive.ts).
  for (const checkpoint of checkpoints) {
    if (checkpoint.seq > high || checkpoint.seq < low) continue;
    const state = await checkpoint.load();
    if (state) return { seq: checkpoint.seq, state };
  }
  return null;
}

export async function historySpan(history: DocHistory, from: number, to: number): Promise<HistorySpan> {
  if (from > to) throw new HistoryPointError(`"from" (${from}) is after "to" (${to})`);
  const doc = new Y.Doc({ gc: false });
  let applied = 0;
  let before: Y.Snapshot | null = from === 0 ? Y.emptySnapshot : null;
  if (from > 0) {
    const base = await newestCheckpoint(history.checkpoints, 1, from);
    if (base) {
      Y.applyUpdate(doc, base.state);
      applied = base.seq;
    } else if ((history.records[0]?.seq ?? 1) > 1) {
      throw new HistoryPointError(`the history of ${JSON.stringify(history.name)} before record ${history.records[0]?.seq ?? 0} is no longer kept: compare from a later point`);
    }
  }
  // Every state applied in sequence order; the first one past `from` is preceded by its snapshot.
  const reach = (seq: number, update: Uint8Array): void => {
    if (before === null && seq > from) before = Y.snapshot(doc);
    Y.applyUpdate(doc, update);
    applied = seq;
  };
  const bridgeTo = async (next: number): Promise<void> => {
    // Records lost (or compacted away): the newest checkpoint in the gap carries their content.
    if (next <= applied + 1) return;
    const bridge = await newestCheckpoint(history.checkpoints, applied + 1, next - 1);
    if (bridge) reach(bridge.seq, bridge.state);
  };
  for (const record of history.records) {
    if (record.seq <= applied) continue;
    if (record.seq > to) break;
    await bridgeTo(record.seq);
    reach(record.seq, record.update);
  }
  await bridgeTo(to + 1);
  before ??= Y.snapshot(doc);
  return { doc, before, after: Y.snapshot(doc) };
}
