/**
 * The replay half of `tandem verify`, for any store: a document's records applied in order from
 * the first (or from the state a compaction kept), each checkpoint compared with the replay at
 * its seq. The store reads its records and checkpoints its own way and says where each one is
 * kept.
 */
import * as Y from 'yjs';
import type { LogRecord, StoreProblem } from './record.js';

export interface CheckedCheckpoint {
  seq: number;
  path: string;
  state: Uint8Array;
}

export class ReplayCheck {
  readonly errors: StoreProblem[] = [];
  readonly warnings: StoreProblem[] = [];
  private readonly doc = new Y.Doc();
  private readonly checkpoints: Map<number, CheckedCheckpoint>;
  private readonly matched = new Set<number>();

  /** `base`: the state the first record follows, for a compacted history (its state at the cut). */
  constructor(checkpoints: readonly CheckedCheckpoint[], base?: Uint8Array) {
    this.checkpoints = new Map(checkpoints.map((c) => [c.seq, c]));
    if (base) Y.applyUpdate(this.doc, base);
  }

  /** Applies the next record (`where`: its place, for a problem). */
  apply(record: LogRecord, where: { path: string; offset?: number }): void {
    try {
      Y.applyUpdate(this.doc, record.update);
    } catch (error) {
      this.errors.push({ ...where, message: `record ${record.seq} does not apply: ${(error as Error).message}` });
    }
    const checkpoint = this.checkpoints.get(record.seq);
    if (!checkpoint) return;
    this.matched.add(record.seq);
    const fromCheckpoint = new Y.Doc();
    try {
      Y.applyUpdate(fromCheckpoint, checkpoint.state);
      if (!Y.equalSnapshots(Y.snapshot(fromCheckpoint), Y.snapshot(this.doc))) {
        this.errors.push({ path: checkpoint.path, message: `checkpoint differs from the records replayed to seq ${record.seq}` });
      }
    } catch (error) {
      this.errors.push({ path: checkpoint.path, message: `checkpoint does not apply: ${(error as Error).message}` });
    } finally {
      fromCheckpoint.destroy();
    }
  }

  /** After the last record: checkpoints no record matched, updates still waiting. Frees the doc. */
  finish(where: { path: string }): void {
    for (const [seq, checkpoint] of this.checkpoints) {
      if (!this.matched.has(seq)) this.errors.push({ path: checkpoint.path, message: `checkpoint at seq ${seq} is not backed by the records` });
    }
    if (this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null) {
      this.warnings.push({ ...where, message: 'some updates wait for earlier ones that are not there' });
    }
    this.doc.destroy();
  }
}
