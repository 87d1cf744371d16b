/**
 * A document's timeline (timeline-format.ts), built by replaying its history once into a
 * document that keeps everything ever written (no garbage collection): each record applied
 * in its own transaction, whose state vectors and delete set say exactly which clocks the
 * record brought and which it deleted — what the document showed after it, including items
 * a record made whole that an earlier one had left waiting.
 *
 * A build is kept between requests and takes only the records added since (`extend`); a
 * history that no longer continues it (compacted since, or deleted and made again) needs a
 * new one. The history starts at its compaction's cut, from the state kept there; a stretch
 * of log lost to damage is bridged, as `docAt` does, by the newest checkpoint inside it — a
 * step of its own, recorded as recovered content.
 */
import { setImmediate } from 'node:timers/promises';
import * as Y from 'yjs';
import type { DocHistory } from '../archive.js';
import { Attribution } from '../attribution.js';
import { RECOVERY_AUTHOR } from '../author.js';
import { AuthorTable } from '../author-table.js';
import { newestCheckpoint } from '../diff/history-span.js';
import { compactedJson, startsVersion, type RecordMark } from '../history.js';
import { findByKey } from '../sorted-search.js';
import { TimelineWriter, type TimelineMeta, type TimelineName } from './timeline-format.js';

/** How long replaying may hold the event loop at a time. */
const SLICE_MS = 20;

/** What says that a history still continues a build: its cut, and its last record as built. */
interface LastRecord {
  seq: number;
  timeMs: number;
  update: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class TimelineBuild {
  private readonly doc = new Y.Doc({ gc: false });
  private readonly writer: TimelineWriter;
  // The author table needs no records: it only names authors here.
  private readonly authors = new AuthorTable(new Attribution());
  /** Each step as sessions are told apart (history.ts: `startsVersion`). */
  private readonly marks: RecordMark[] = [];
  private readonly inserts: number[] = [];
  private readonly deletes: number[] = [];
  private last: LastRecord | null = null;
  private applied: number;
  private encoded: { key: string; bytes: Uint8Array } | null = null;

  private constructor(
    readonly name: string,
    private readonly startSeq: number,
    private readonly compacted: DocHistory['compacted'],
  ) {
    this.writer = new TimelineWriter(startSeq);
    this.applied = startSeq;
    // One transaction per record (or bridge): collect what it brought and deleted.
    this.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      for (const [client, after] of transaction.afterState) {
        const before = transaction.beforeState.get(client) ?? 0;
        if (after > before) this.inserts.push(client, before, after - before);
      }
      for (const [client, items] of transaction.deleteSet.clients) {
        for (const item of items) this.deletes.push(client, item.clock, item.len);
      }
    });
  }

  /** A build of `history` from its start. */
  static async of(history: DocHistory): Promise<TimelineBuild> {
    const startSeq = history.compacted?.seq ?? 0;
    const build = new TimelineBuild(history.name, startSeq, history.compacted);
    if (startSeq > 0) {
      // The state kept at the cut is position 0: what it holds was there from the start.
      const base = await newestCheckpoint(history.checkpoints, 1, startSeq);
      if (base) Y.applyUpdate(build.doc, base.state);
      build.inserts.length = 0;
      build.deletes.length = 0;
    }
    await build.extend(history);
    return build;
  }

  /** Whether `history` is this build's history with (perhaps) more records after it. */
  continuedBy(history: DocHistory): boolean {
    if (history.name !== this.name || (history.compacted?.seq ?? 0) !== this.startSeq) return false;
    if (!this.last) return true;
    const { seq, timeMs, update } = this.last;
    const record = findByKey(history.records, (r) => r.seq, seq);
    return record !== undefined && record.timeMs === timeMs && sameBytes(record.update, update);
  }

  /**
   * Adds the records of `history` after the last one built; `history` must continue the build.
   * A long history takes a while (some 10 µs a record): the server's other work goes on between
   * slices of it.
   */
  async extend(history: DocHistory): Promise<void> {
    let sliceStart = performance.now();
    for (const record of history.records) {
      if (record.seq <= this.applied) continue;
      if (performance.now() - sliceStart > SLICE_MS) {
        await setImmediate();
        sliceStart = performance.now();
      }
      if (record.seq > this.applied + 1) {
        // Records lost: the newest checkpoint in the gap carries their content.
        const bridge = await newestCheckpoint(history.checkpoints, this.applied + 1, record.seq - 1);
        if (bridge) this.step(bridge.seq, record.timeMs, RECOVERY_AUTHOR, bridge.state);
      }
      this.step(record.seq, record.timeMs, record.author, record.update);
      // A copy: the record's bytes may be a view into a whole log read, which must not be kept for it.
      this.last = { seq: record.seq, timeMs: record.timeMs, update: record.update.slice() };
    }
  }

  /**
   * The timeline with its named versions, sessions as the history's versions at pauses longer
   * than `pauseMs` (history.ts: each named point ends one too).
   */
  encode(pauseMs: number, named: readonly TimelineName[] = []): Uint8Array {
    const names = named.map(({ id, name, seq }) => ({ id, name, seq }));
    const key = JSON.stringify([this.applied, pauseMs, names]);
    if (this.encoded?.key === key) return this.encoded.bytes;
    const breakAfter = new Set(names.map((v) => v.seq));
    const sessionEnds: number[] = [];
    for (let step = 1; step <= this.marks.length; step++) {
      const next = this.marks[step];
      if (!next || startsVersion(this.marks[step - 1] as RecordMark, next, pauseMs, breakAfter)) sessionEnds.push(step);
    }
    const meta: TimelineMeta = {
      name: this.name,
      startSeq: this.startSeq,
      lastSeq: this.applied,
      compacted: compactedJson(this.compacted) as TimelineMeta['compacted'],
      authors: this.authors.entries,
      named: names,
    };
    const bytes = this.writer.encode(meta, sessionEnds, Y.encodeStateAsUpdateV2(this.doc));
    this.encoded = { key, bytes };
    return bytes;
  }

  get lastSeq(): number {
    return this.applied;
  }

  destroy(): void {
    this.doc.destroy();
  }

  private step(seq: number, timeMs: number, author: string | null, update: Uint8Array): void {
    this.inserts.length = 0;
    this.deletes.length = 0;
    Y.applyUpdate(this.doc, update);
    this.writer.addStep(seq, timeMs, this.authors.indexOfAuthor(author), this.inserts, this.deletes);
    this.marks.push({ seq, timeMs, author });
    this.applied = seq;
  }
}
