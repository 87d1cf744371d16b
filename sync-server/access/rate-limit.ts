/**
 * A token bucket: `burst` tokens to start with, refilled at `ratePerSecond`, never above
 * `burst`. Each message takes one token; a message finding the bucket empty is over the limit.
 * Refill is computed lazily from the clock on each `take`, so an idle bucket costs nothing.
 */

export type Clock = () => number;

const monotonicMs: Clock = () => performance.now();

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: Clock = monotonicMs,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('a token bucket needs a positive rate and a burst of at least 1');
    this.tokens = burst;
    this.refilledAt = now();
  }

  /** Takes `cost` tokens if there are that many; false (and nothing taken) otherwise. */
  take(cost = 1): boolean {
    const now = this.now();
    const elapsedMs = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
