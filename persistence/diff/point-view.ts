/**
 * What existed at one point of a document's history, asked of a document rebuilt without
 * garbage collection up to a later point: a Yjs snapshot (the state vector and delete set of
 * that moment). A clock exists at the point when the point's state vector covers it and its
 * delete set does not.
 *
 * Items merge after the fact (text typed on after the point joins the item typed before it),
 * so one item of the later document may be partly there and partly not: `cuts` says where
 * inside a clock range the answer can change.
 */
import * as Y from 'yjs';

interface DeleteRange {
  clock: number;
  len: number;
}

/**
 * What any point of history says about a document's clocks, as the diff walk asks it: whether
 * a clock had arrived, whether it was there (not deleted), and where inside a clock range the
 * answer may change. A Yjs snapshot answers it (PointView); so does the timeslider's index of
 * which step brought and deleted each clock (editor/src/timeslider/).
 */
export interface ClockPresence {
  existed(client: number, clock: number): boolean;
  has(client: number, clock: number): boolean;
  /** Clocks strictly inside (start, end) where `has` may change, added to `out`. */
  cuts(client: number, start: number, end: number, out: number[]): void;
}

/** A point of history as the diff walk reads it: clocks, and the map entries they make. */
export interface PointReader extends ClockPresence {
  entryAt(last: Y.Item | null): { client: number; clock: number; value: unknown } | null;
  attributes(element: Y.XmlElement): Record<string, unknown>;
}

/**
 * The entry in force for one key of a map (a node's attribute) at a point: the newest clock
 * that had arrived — entries merge, so clock by clock — unless it was deleted by then (the key
 * removed). Yjs' own snapshot reading looks at an entry's first clock only, and so misses a
 * value set twice in a row by one client.
 */
export function entryAt(point: ClockPresence, last: Y.Item | null): { client: number; clock: number; value: unknown } | null {
  for (let entry = last; entry !== null; entry = entry.left) {
    const { client, clock } = entry.id;
    for (let i = entry.length - 1; i >= 0; i--) {
      if (!point.existed(client, clock + i)) continue;
      return point.has(client, clock + i) ? { client, clock: clock + i, value: entry.content.getContent()[i] as unknown } : null;
    }
  }
  return null;
}

/** A node's attributes at a point. */
export function attributesAt(point: ClockPresence, element: Y.XmlElement): Record<string, unknown> {
  const attrs: Record<string, unknown> = {};
  for (const [key, last] of element._map) {
    const entry = entryAt(point, last);
    if (entry) attrs[key] = entry.value;
  }
  return attrs;
}

export class PointView implements PointReader {
  constructor(readonly snapshot: Y.Snapshot) {}

  /** Whether the clock (client, clock) had arrived by this point (deleted or not). */
  existed(client: number, clock: number): boolean {
    return clock < (this.snapshot.sv.get(client) ?? 0);
  }

  /** Whether the clock (client, clock) was there, and not deleted, at this point. */
  has(client: number, clock: number): boolean {
    return this.existed(client, clock) && !Y.isDeleted(this.snapshot.ds, Y.createID(client, clock));
  }

  entryAt(last: Y.Item | null): { client: number; clock: number; value: unknown } | null {
    return entryAt(this, last);
  }

  attributes(element: Y.XmlElement): Record<string, unknown> {
    return attributesAt(this, element);
  }

  cuts(client: number, start: number, end: number, out: number[]): void {
    const known = this.snapshot.sv.get(client) ?? 0;
    if (known > start && known < end) out.push(known);
    const ranges = this.snapshot.ds.clients.get(client) as DeleteRange[] | undefined;
    if (!ranges) return;
    for (let i = firstEndingAfter(ranges, start); i < ranges.length; i++) {
      const range = ranges[i] as DeleteRange;
      if (range.clock >= end) break;
      if (range.clock > start) out.push(range.clock);
      const rangeEnd = range.clock + range.len;
      if (rangeEnd < end) out.push(rangeEnd);
    }
  }
}

/** The first delete range ending after `clock` (ranges are sorted and disjoint). */
function firstEndingAfter(ranges: DeleteRange[], clock: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const range = ranges[mid] as DeleteRange;
    if (range.clock + range.len > clock) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
