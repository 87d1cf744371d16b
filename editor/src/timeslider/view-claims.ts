/**
 * The claims (which step brought, which first deleted each clock) as one view needs them: the
 * document at `to` with the changes of the steps after `from` marked. A step at or before
 * `from` only says that a clock was there (or gone) at both points, and one after `to` that
 * it was not there yet (or not gone yet) at either: such steps are told apart no further, so
 * the diff walk, which cuts text wherever a claim changes, cuts it only where the view shows a
 * difference — a paragraph typed over a thousand steps before `from` is one run, not a
 * thousand.
 */
import type { ClockClaims } from '../../../persistence/attribution.js';

export class ViewClaims implements ClockClaims {
  constructor(
    private readonly claims: ClockClaims,
    private readonly from: number,
    private readonly to: number,
  ) {}

  insertedBy(client: number, clock: number): number {
    return this.inserted(this.claims.insertedBy(client, clock));
  }

  deletedBy(client: number, clock: number): number {
    return this.deleted(this.claims.deletedBy(client, clock));
  }

  insertSegments(client: number, clock: number, length: number, each: (from: number, to: number, seq: number) => void): void {
    joined((cut) => this.claims.insertSegments(client, clock, length, cut), (step) => this.inserted(step), each);
  }

  deleteSegments(client: number, clock: number, length: number, each: (from: number, to: number, seq: number) => void): void {
    joined((cut) => this.claims.deleteSegments(client, clock, length, cut), (step) => this.deleted(step), each);
  }

  /** Brought at or before `from` (or from the start): 0; after `to`: just after it. */
  private inserted(step: number): number {
    return step <= this.from ? 0 : step > this.to ? this.to + 1 : step;
  }

  /** Never, or after `to`: 0 (not deleted); at or before `from`: the first step (gone at both points). */
  private deleted(step: number): number {
    return step === 0 || step > this.to ? 0 : step <= this.from ? 1 : step;
  }
}

type Segments = (each: (from: number, to: number, step: number) => void) => void;

/** The segments `walk` gives, their steps mapped, neighbours that map to the same step joined. */
function joined(walk: Segments, map: (step: number) => number, each: (from: number, to: number, step: number) => void): void {
  let start = 0;
  let end = 0;
  let step = -1;
  walk((from, to, raw) => {
    const mapped = map(raw);
    if (mapped === step && from === end) {
      end = to;
      return;
    }
    if (step !== -1) each(start, end, step);
    start = from;
    end = to;
    step = mapped;
  });
  if (step !== -1) each(start, end, step);
}
