/**
 * Who wrote what, by the server's record: every Yjs item belongs to the record that first
 * brought it (its client and clock range, read from the record's update), and a deletion to
 * the record that first deleted it (the update's delete set). A record's author is who wrote
 * its content (author.ts: a token's user, a declared name, the requester of a restore).
 *
 * Items no record brought — those of a checkpoint the history starts from after a compaction,
 * or that bridges damaged log — have no author: their text was written before the first record
 * kept, by someone the history no longer says.
 *
 * Records are added in sequence order, incrementally: a cached index takes only the new ones.
 */
import * as Y from 'yjs';
import type { LogRecord } from './record.js';
import { ClockRuns } from './clock-runs.js';

/** What the index knows of one record. */
export interface RecordFacts {
  seq: number;
  timeMs: number;
  author: string | null;
}

export class Attribution {
  /** The last record added; 0 before any. */
  lastSeq = 0;
  /** The first record added; records before it (compacted, or never seen) are unknown. */
  firstSeq = 0;
  private readonly inserts = new Map<number, ClockRuns>();
  private readonly deletes = new Map<number, ClockRuns>();
  private readonly authors: (string | null)[] = [];
  private readonly authorIndex = new Map<string | null, number>();
  /** Per record, from `firstSeq`: index into `authors`, and time. */
  private readonly recordAuthor: number[] = [];
  private readonly recordTime: number[] = [];

  /** Adds the next record. Records must come in increasing sequence order. */
  add(record: LogRecord): void {
    if (record.seq <= this.lastSeq) throw new Error(`record ${record.seq} added after ${this.lastSeq}`);
    if (this.firstSeq === 0) this.firstSeq = record.seq;
    // Records lost to damage leave holes: their facts stay unknown.
    while (this.firstSeq + this.recordAuthor.length < record.seq) {
      this.recordAuthor.push(-1);
      this.recordTime.push(0);
    }
    this.recordAuthor.push(this.authorId(record.author));
    this.recordTime.push(record.timeMs);
    this.lastSeq = record.seq;
    const { structs, ds } = Y.decodeUpdate(record.update);
    for (const struct of structs) {
      // A Skip is a gap in the update: nothing of it came with this record.
      if (struct instanceof Y.Skip) continue;
      runsOf(this.inserts, struct.id.client).claim(struct.id.clock, struct.id.clock + struct.length, record.seq);
    }
    for (const [client, deleted] of ds.clients) {
      const runs = runsOf(this.deletes, client);
      for (const item of deleted) runs.claim(item.clock, item.clock + item.len, record.seq);
    }
  }

  /**
   * Claims clocks for a record without reading its update, for an index of claims read
   * elsewhere (the timeslider's, from a timeline). The first claim of a clock wins, as in `add`.
   */
  claim(kind: 'insert' | 'delete', client: number, start: number, end: number, seq: number): void {
    runsOf(kind === 'insert' ? this.inserts : this.deletes, client).claim(start, end, seq);
  }

  /** The record that brought the item at (client, clock); 0 when none did. */
  insertedBy(client: number, clock: number): number {
    return this.inserts.get(client)?.valueAt(clock) ?? 0;
  }

  /** The record that first deleted the item at (client, clock); 0 when none did. */
  deletedBy(client: number, clock: number): number {
    return this.deletes.get(client)?.valueAt(clock) ?? 0;
  }

  /** `[clock, clock + length)` of a client cut where the inserting record changes. */
  insertSegments(client: number, clock: number, length: number, each: (from: number, to: number, seq: number) => void): void {
    const runs = this.inserts.get(client);
    if (runs) runs.segments(clock, clock + length, each);
    else each(clock, clock + length, 0);
  }

  /** `[clock, clock + length)` of a client cut where the first deleting record changes. */
  deleteSegments(client: number, clock: number, length: number, each: (from: number, to: number, seq: number) => void): void {
    const runs = this.deletes.get(client);
    if (runs) runs.segments(clock, clock + length, each);
    else each(clock, clock + length, 0);
  }

  /** Author and time of a record; null for 0, for records before `firstSeq`, and for records lost. */
  record(seq: number): RecordFacts | null {
    const i = seq - this.firstSeq;
    if (seq === 0 || i < 0 || i >= this.recordAuthor.length) return null;
    const author = this.recordAuthor[i] as number;
    return author < 0 ? null : { seq, timeMs: this.recordTime[i] as number, author: this.authors[author] ?? null };
  }

  /** Every run of inserted clocks, per client in clock order, with its record. */
  forEachInsert(each: (client: number, start: number, end: number, seq: number) => void): void {
    for (const [client, runs] of this.inserts) runs.forEach((start, end, seq) => each(client, start, end, seq));
  }

  private authorId(author: string | null): number {
    let id = this.authorIndex.get(author);
    if (id === undefined) {
      id = this.authors.length;
      this.authors.push(author);
      this.authorIndex.set(author, id);
    }
    return id;
  }
}

/** What the diff walk asks of an index: which record brought, and which first deleted, each clock. */
export type ClockClaims = Pick<Attribution, 'insertedBy' | 'deletedBy' | 'insertSegments' | 'deleteSegments'>;

function runsOf(map: Map<number, ClockRuns>, client: number): ClockRuns {
  let runs = map.get(client);
  if (!runs) {
    runs = new ClockRuns();
    map.set(client, runs);
  }
  return runs;
}

/** An index of a whole history's records. */
export function attributionOf(records: readonly LogRecord[]): Attribution {
  const attribution = new Attribution();
  for (const record of records) attribution.add(record);
  return attribution;
}
