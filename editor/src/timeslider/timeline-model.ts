/**
 * A document's whole history in the browser, from its timeline (persistence/timeline/
 * timeline-format.ts): the document with everything ever written, and for every clock the step
 * that brought it and the step that deleted it. What existed at any position follows from
 * those two numbers alone, so any point of the history is read without replaying anything:
 * a clock is there at position p when the step that brought it is ≤ p and the step that
 * deleted it (if any) is > p. Clocks no step brought were there from the start (the empty
 * document, or the state kept at a compaction's cut, which comes garbage-collected: it holds
 * nothing deleted).
 *
 * Positions run from 0 (the start) to `steps` (after the last step); step p is the change
 * that leads from position p − 1 to p.
 */
import * as Y from 'yjs';
import { Attribution, type ClockClaims } from '../../../persistence/attribution.js';
import { attributesAt, entryAt, type PointReader } from '../../../persistence/diff/point-view.js';
import { countAtMost } from '../../../persistence/sorted-search.js';
import type { Timeline, TimelineMeta } from '../../../persistence/timeline/timeline-format.js';
import type { DiffAuthor } from '../../../document-schema/diff/diff-tree.js';

/** A position of the timeline as the diff walk reads it (persistence/diff/diff-walk.ts). */
export class StepPoint implements PointReader {
  constructor(
    private readonly claims: ClockClaims,
    readonly position: number,
  ) {}

  existed(client: number, clock: number): boolean {
    return this.claims.insertedBy(client, clock) <= this.position;
  }

  has(client: number, clock: number): boolean {
    if (!this.existed(client, clock)) return false;
    const deleted = this.claims.deletedBy(client, clock);
    return deleted === 0 || deleted > this.position;
  }

  entryAt(last: Y.Item | null): { client: number; clock: number; value: unknown } | null {
    return entryAt(this, last);
  }

  attributes(element: Y.XmlElement): Record<string, unknown> {
    return attributesAt(this, element);
  }

  /** None: existence changes only where the claims change, and the walk cuts there already. */
  cuts(): void {}
}

/**
 * Claims every step's ranges of one kind, each client's in clock order. A step brings only
 * clocks no step brought before, and deletes only what was not deleted yet (the build reads
 * them off each transaction), so one kind's ranges never overlap: in clock order, each one
 * is added at the end of its client's runs.
 */
function claimInOrder(claims: Attribution, kind: 'insert' | 'delete', timeline: Timeline, at: Uint32Array, ranges: Float64Array): void {
  const count = ranges.length / 3;
  const stepOf = new Uint32Array(count);
  for (let step = 1; step < at.length; step++) stepOf.fill(step, (at[step - 1] as number) / 3, (at[step] as number) / 3);
  // By client, then clock. Each client's inserts already come in clock order: a merge, mostly.
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => (ranges[a * 3] as number) - (ranges[b * 3] as number) || (ranges[a * 3 + 1] as number) - (ranges[b * 3 + 1] as number));
  for (const i of order) {
    const clock = ranges[i * 3 + 1] as number;
    claims.claim(kind, timeline.clients[ranges[i * 3] as number] as number, clock, clock + (ranges[i * 3 + 2] as number), stepOf[i] as number);
  }
}

const UNKNOWN_AUTHOR: DiffAuthor = { id: null, name: '', declared: false, via: null };

export class TimelineModel {
  readonly doc = new Y.Doc({ gc: false });
  /** The rich text (the editor's `default` fragment). */
  readonly fragment: Y.XmlFragment;
  /** Which step brought and which first deleted each clock (steps stand for records here). */
  readonly claims = new Attribution();
  readonly steps: number;
  readonly meta: TimelineMeta;
  /** Per step, the top-level nodes of the rich text it touched (worked out when first asked). */
  private readonly touched: (Y.Item[] | undefined)[];

  constructor(private readonly timeline: Timeline) {
    this.meta = timeline.meta;
    this.steps = timeline.seqs.length;
    this.touched = new Array<Y.Item[] | undefined>(this.steps + 1);
    Y.applyUpdateV2(this.doc, timeline.state);
    this.fragment = this.doc.getXmlFragment('default');
    claimInOrder(this.claims, 'insert', timeline, timeline.insertAt, timeline.inserts);
    claimInOrder(this.claims, 'delete', timeline, timeline.deleteAt, timeline.deletes);
  }

  point(position: number): StepPoint {
    return new StepPoint(this.claims, position);
  }

  /** The record a position stands for: the start's, or its step's. */
  seqAt(position: number): number {
    return position === 0 ? this.meta.startSeq : (this.timeline.seqs[position - 1] as number);
  }

  /** The time of a step; null for the start, whose time the timeline does not say. */
  timeAt(position: number): number | null {
    return position === 0 ? null : (this.timeline.times[position - 1] as number);
  }

  /** Index into `meta.authors` of a step's author; -1 for the start. */
  authorIndexAt(position: number): number {
    return position === 0 ? -1 : (this.timeline.authors[position - 1] as number);
  }

  authorAt(position: number): DiffAuthor {
    return this.meta.authors[this.authorIndexAt(position)] ?? UNKNOWN_AUTHOR;
  }

  /** The position of the last step at or before `seq` (0 when it is before every step). */
  positionOfSeq(seq: number): number {
    return countAtMost(this.timeline.seqs, seq);
  }

  /** The position of the last step at or before `timeMs`. */
  positionAtTime(timeMs: number): number {
    return countAtMost(this.timeline.times, timeMs);
  }

  /** Positions where a session ends, ascending (the history's versions: persistence/history.ts). */
  get sessionEnds(): Uint32Array {
    return this.timeline.sessionEnds;
  }

  /** The first session end after `position`; `steps` when none. */
  nextSessionEnd(position: number): number {
    const ends = this.timeline.sessionEnds;
    const i = countAtMost(ends, position);
    return i < ends.length ? (ends[i] as number) : this.steps;
  }

  /** The last session end before `position`; 0 when none. */
  previousSessionEnd(position: number): number {
    const ends = this.timeline.sessionEnds;
    const i = countAtMost(ends, position - 1);
    return i > 0 ? (ends[i - 1] as number) : 0;
  }

  /** The session `position` is in, as (end of the one before, its own end]. */
  sessionAround(position: number): { from: number; to: number } {
    if (position === 0) return { from: 0, to: 0 };
    const to = this.nextSessionEnd(position - 1);
    return { from: this.previousSessionEnd(to), to };
  }

  /** The top-level nodes step `step` brought, deleted or changed something in. */
  touchedBy(step: number): readonly Y.Item[] {
    let found = this.touched[step];
    if (found) return found;
    const blocks = new Set<Y.Item>();
    const { clients, insertAt, inserts, deleteAt, deletes } = this.timeline;
    const collect = (ranges: Float64Array, from: number, to: number): void => {
      for (let i = from; i < to; i += 3) this.blocksOf(clients[ranges[i] as number] as number, ranges[i + 1] as number, ranges[i + 2] as number, blocks);
    };
    collect(inserts, insertAt[step - 1] as number, insertAt[step] as number);
    collect(deletes, deleteAt[step - 1] as number, deleteAt[step] as number);
    found = [...blocks];
    this.touched[step] = found;
    return found;
  }

  /** Whether the history holds everything `doc` holds (else `doc` has newer changes). */
  holdsAllOf(doc: Y.Doc): boolean {
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
      if (Y.getState(this.doc.store, client) < clock) return false;
    }
    return true;
  }

  destroy(): void {
    this.doc.destroy();
  }

  /** Adds the top-level nodes holding the clocks [clock, clock + length) of `client`. */
  private blocksOf(client: number, clock: number, length: number, out: Set<Y.Item>): void {
    const structs = this.doc.store.clients.get(client);
    if (!structs || structs.length === 0) return;
    const last = structs[structs.length - 1] as Y.Item | Y.GC;
    if (clock >= last.id.clock + last.length) return;
    for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
      const struct = structs[i] as Y.Item | Y.GC;
      if (struct.id.clock >= clock + length) break;
      if (!(struct instanceof Y.Item)) continue;
      const block = this.topLevelOf(struct);
      if (block) out.add(block);
    }
  }

  /** The item of the rich text's top level that holds `item` (itself at the top); null elsewhere. */
  private topLevelOf(item: Y.Item): Y.Item | null {
    let current = item;
    for (;;) {
      const parent = current.parent;
      if (parent === this.fragment) return current;
      if (!(parent instanceof Y.AbstractType) || parent._item === null) return null;
      current = parent._item;
    }
  }
}
