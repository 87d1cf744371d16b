/**
 * A leading-edge throttle: the first request after a quiet interval sends at once; requests
 * within `intervalMs` of the last send are merged into one send when that interval ends.
 *
 * A timer runs only while a send waits: a lone request leaves none behind (an empty timer would
 * wake the server for nothing after every isolated cursor move).
 */
export class LeadingThrottle {
  private timer: NodeJS.Timeout | null = null;
  /** When the last send ran (performance.now()); the interval runs from there. */
  private last = -Infinity;

  constructor(private readonly send: () => void) {}

  /** Something is to be sent: now, or when `intervalMs` since the last send have passed. */
  request(intervalMs: number): void {
    if (this.timer) return;
    const wait = this.last + intervalMs - performance.now();
    if (wait <= 0) return this.fire();
    this.timer = setTimeout(this.fire, Math.min(wait, intervalMs));
  }

  /** Drops a send that waits. Idempotent. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.last = performance.now();
    this.send();
  };
}
