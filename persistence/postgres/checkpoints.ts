/**
 * Checkpoints in the database: a document's merged, garbage-collected state at a seq, so that
 * loading reads the newest checkpoint and only the records after it. Written in the background,
 * one at a time per server (they cost CPU, and no append waits for them), and at most one
 * writer per document across all servers (a session advisory lock; a document whose lock is
 * held elsewhere is skipped, its writer will do). The insert is idempotent, so a checkpoint
 * made twice at one seq is harmless. The newest `keep` are kept; older ones are fallbacks
 * only in the file store, where a file can be damaged.
 */
import * as Y from 'yjs';
import type { Database } from './database.js';
import {
  CHECKPOINT_TRY_LOCK, CHECKPOINT_UNLOCK, INSERT_CHECKPOINT, LOAD_HEAD, PRUNE_CHECKPOINTS, RECORD_TIME, UPDATES_BETWEEN,
} from './sql.js';

export interface CheckpointTarget {
  readonly name: string;
  /** Last committed seq known: the checkpoint is made there. */
  readonly lastSeq: number;
}

/**
 * Writes a checkpoint of `name` at `upTo`; resolves to the seq of the newest checkpoint (this
 * one, or one at or past it that was already there), or null when another server holds the lock.
 */
export async function writeCheckpoint(db: Database, name: string, upTo: number, keep: number): Promise<number | null> {
  return db.withClient(async (client) => {
    const locked = await client.query<{ locked: boolean }>(CHECKPOINT_TRY_LOCK, [name]);
    if (!locked.rows[0]?.locked) return null;
    try {
      const head = (await client.query<{ id: number; checkpoint_seq: number | null; state: Buffer | null }>(LOAD_HEAD, [name])).rows[0];
      const from = head?.checkpoint_seq ?? 0;
      if (!head) return null;
      // Another server got there first: that checkpoint serves.
      if (from >= upTo) return from;
      const { rows } = await client.query<{ seq: number; yjs_update: Buffer }>(UPDATES_BETWEEN, [head.id, from, upTo]);
      if (rows.length !== upTo - from) throw new Error(`records ${from + 1}–${upTo} of ${JSON.stringify(name)} are not all there (${rows.length} found)`);
      const doc = new Y.Doc({ gc: true });
      let state: Uint8Array;
      try {
        if (head.state) Y.applyUpdate(doc, head.state);
        Y.transact(doc, () => {
          for (const row of rows) Y.applyUpdate(doc, row.yjs_update);
        });
        state = Y.encodeStateAsUpdate(doc);
      } finally {
        doc.destroy();
      }
      const time = (await client.query<{ time_ms: number }>(RECORD_TIME, [head.id, upTo])).rows[0]?.time_ms ?? Date.now();
      await client.query(INSERT_CHECKPOINT, [head.id, upTo, time, Buffer.from(state)]);
      await client.query(PRUNE_CHECKPOINTS, [head.id, keep]);
      return upTo;
    } finally {
      await client.query(CHECKPOINT_UNLOCK, [name]);
    }
  });
}

/** Documents waiting for a checkpoint, written one at a time. */
export class CheckpointQueue<T extends CheckpointTarget> {
  private readonly queue: T[] = [];
  private readonly active = new Set<T>();
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly keep: number,
    /** Whether a document has committed enough since its last checkpoint to need a new one. */
    private readonly due: (doc: T) => boolean,
    private readonly report: { written(doc: T, seq: number): void; failed(doc: T, error: unknown): void },
  ) {}

  /** Queues a checkpoint of `doc` if it is due and not already queued or being written. */
  offer(doc: T): void {
    if (!this.due(doc) || this.active.has(doc) || this.queue.includes(doc)) return;
    this.queue.push(doc);
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
  }

  busy(doc: T): boolean {
    return this.active.has(doc) || this.queue.includes(doc);
  }

  /** Resolves once no checkpoint is queued or being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    for (let doc = this.queue.shift(); doc; doc = this.queue.shift()) {
      this.active.add(doc);
      try {
        const seq = await writeCheckpoint(this.db, doc.name, doc.lastSeq, this.keep);
        if (seq !== null) this.report.written(doc, seq);
      } catch (error) {
        this.report.failed(doc, error);
      } finally {
        this.active.delete(doc);
      }
    }
  }
}
