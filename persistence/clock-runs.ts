/**
 * Which record claimed each clock of one Yjs client: disjoint, sorted ranges
 * `[start, end)` of clocks, each with a value (a record's sequence number, ≥ 1). The first
 * claim of a clock wins — a record that brings an item again (a client resending what the
 * server had) or deletes it again changes nothing — so claims made in record order give each
 * clock the record that introduced (or first deleted) it.
 *
 * Claims nearly always come in clock order (a client's new items follow its old ones), so the
 * common case appends; an earlier range is found by binary search.
 */
export class ClockRuns {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly values: number[] = [];

  get size(): number {
    return this.starts.length;
  }

  /** Gives `value` to the clocks of `[start, end)` that no earlier claim took. */
  claim(start: number, end: number, value: number): void {
    if (end <= start) return;
    const n = this.starts.length;
    const lastEnd = n === 0 ? -1 : (this.ends[n - 1] as number);
    if (start >= lastEnd) {
      this.put(n, start, end, value);
      return;
    }
    // The clocks no earlier claim took, each put where it belongs (runs merge as they are put).
    const gaps: [number, number][] = [];
    this.segments(start, end, (from, to, taken) => {
      if (taken === 0) gaps.push([from, to]);
    });
    for (const [from, to] of gaps) this.put(this.firstEndingAfter(from), from, to, value);
  }

  /** The value of `clock`, or 0 when no claim took it. */
  valueAt(clock: number): number {
    const i = this.firstEndingAfter(clock);
    return i < this.starts.length && (this.starts[i] as number) <= clock ? (this.values[i] as number) : 0;
  }

  /** `[start, end)` cut where values change: calls `each(from, to, value)` in order, 0 for unclaimed. */
  segments(start: number, end: number, each: (from: number, to: number, value: number) => void): void {
    let i = this.firstEndingAfter(start);
    let from = start;
    while (from < end) {
      const runStart = i < this.starts.length ? (this.starts[i] as number) : Infinity;
      if (from < runStart) {
        const to = Math.min(end, runStart);
        each(from, to, 0);
        from = to;
        continue;
      }
      const to = Math.min(end, this.ends[i] as number);
      each(from, to, this.values[i] as number);
      from = to;
      i += 1;
    }
  }

  /** Every run in clock order. */
  forEach(each: (start: number, end: number, value: number) => void): void {
    for (let i = 0; i < this.starts.length; i++) each(this.starts[i] as number, this.ends[i] as number, this.values[i] as number);
  }

  private firstEndingAfter(clock: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ends[mid] as number) > clock) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Inserts `[start, end)` at index i (it overlaps nothing), joined to the run before when that one ends there with the same value. */
  private put(i: number, start: number, end: number, value: number): void {
    if (i === this.starts.length && !(i > 0 && this.ends[i - 1] === start && this.values[i - 1] === value)) {
      // The common case, at the end: no copying.
      this.starts.push(start);
      this.ends.push(end);
      this.values.push(value);
      return;
    }
    if (i > 0 && this.ends[i - 1] === start && this.values[i - 1] === value) {
      this.ends[i - 1] = end;
      // It may now touch the next run of the same value as well.
      if (i < this.starts.length && this.starts[i] === end && this.values[i] === value) {
        this.ends[i - 1] = this.ends[i] as number;
        this.starts.splice(i, 1);
        this.ends.splice(i, 1);
        this.values.splice(i, 1);
      }
      return;
    }
    this.starts.splice(i, 0, start);
    this.ends.splice(i, 0, end);
    this.values.splice(i, 0, value);
  }
}
