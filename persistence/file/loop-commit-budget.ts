/**
 * Whether the journal's commits may be made on the event loop's thread (file-store.ts).
 *
 * A commit made there blocks everything else while the disk works — a fraction of a
 * millisecond on a healthy disk, and cheaper in CPU and wake-ups than a round trip through
 * the thread pool. Two things make it a bad trade, and move commits to the pool for a while:
 * - a stall: one commit slower than `stallMs` (the disk is struggling; the next ones would
 *   hold up presence, joins and the API as long);
 * - a share: the loop spent more than `maxShare` of the recent past (a decaying sum over
 *   about `windowMs`) waiting in commits, which would leave too little of it for everything
 *   else however fast each one is.
 * A single commit that is merely slower than usual does neither: on a virtual disk one in a
 * hundred takes a few times the median, and moving every commit to the pool for each of them
 * kept a busy server there nearly all the time, at a higher CPU cost per commit.
 */
export interface LoopCommitBudgetOptions {
  stallMs: number;
  maxShare: number;
  windowMs: number;
  /** How long commits stay in the pool once moved there. */
  holdMs: number;
}

export class LoopCommitBudget {
  /** Milliseconds spent waiting in commits on the loop, decayed with time constant `windowMs`. */
  private waited = 0;
  private waitedAt = 0;
  private offLoopUntil = 0;

  constructor(private readonly options: LoopCommitBudgetOptions) {}

  /** Whether commits go through the thread pool at `now` (performance.now()). */
  offLoop(now: number): boolean {
    return now < this.offLoopUntil;
  }

  /** A commit made on the loop from `started` to `now`. */
  onLoop(started: number, now: number): void {
    const took = now - started;
    this.waited = this.waited * Math.exp(-(now - this.waitedAt) / this.options.windowMs) + took;
    this.waitedAt = now;
    if (took > this.options.stallMs || this.waited > this.options.maxShare * this.options.windowMs) this.holdOff(now);
  }

  /** A commit made through the pool: only a stall keeps them there (its time includes the pool's round trip). */
  pooled(started: number, now: number): void {
    if (now - started > this.options.stallMs) this.holdOff(now);
  }

  private holdOff(now: number): void {
    this.offLoopUntil = Math.max(this.offLoopUntil, now + this.options.holdMs);
    // Judged afresh when commits come back to the loop.
    this.waited = 0;
  }
}
