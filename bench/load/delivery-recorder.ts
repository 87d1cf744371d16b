/**
 * Bookkeeping for one kind of message (edits or cursor moves): when each id was sent, by whom,
 * how many receivers should see it, and how long each receiver waited for it. All clients live
 * in one process, so one monotonic clock (`performance.now()`) serves sender and receivers.
 *
 * Only ids sent inside the measured window produce latency samples; deliveries of anything are
 * counted toward the window's throughput while the window is open.
 */
import { SampleSet, type Distribution } from './sample-set.js';

interface Outstanding {
  sentAt: number;
  sender: number;
  remaining: number;
  inWindow: boolean;
}

export interface DeliveryStats {
  /** Ids sent while the window was open. */
  sent: number;
  /** Receivers those ids should reach (sent × other clients in the room). */
  expected: number;
  /** Deliveries of window ids, whenever they arrived (window + drain). */
  delivered: number;
  /** Deliveries (of any id) that arrived while the window was open, per second. */
  deliveredPerSecond: number;
  sentPerSecond: number;
  /** Window ids some receiver never got by the end of the drain. */
  missing: number;
  /** Copies sent back to their own sender (servers that echo). */
  echoes: number;
  latencyMs: Distribution;
}

export class DeliveryRecorder {
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly latencies = new SampleSet();
  private nextId = 1;
  private windowOpen = false;
  private windowStart = 0;
  private windowEnd = 0;
  private sentInWindow = 0;
  private expectedInWindow = 0;
  private deliveredInWindow = 0;
  private deliveredDuringWindow = 0;
  private windowOutstanding = 0;
  private echoes = 0;

  /** Reserves an id for a message `sender` is about to send to `receivers` others. */
  register(sender: number, receivers: number, now: number): number {
    const id = this.nextId;
    this.nextId += 1;
    if (receivers <= 0) return id;
    this.outstanding.set(id, { sentAt: now, sender, remaining: receivers, inWindow: this.windowOpen });
    if (this.windowOpen) {
      this.sentInWindow += 1;
      this.expectedInWindow += receivers;
      this.windowOutstanding += 1;
    }
    return id;
  }

  /** Records that `receiver` got id `id` at time `now`. Unknown ids (already complete) are ignored. */
  arrived(id: number, receiver: number, now: number): void {
    const entry = this.outstanding.get(id);
    if (!entry) return;
    if (entry.sender === receiver) {
      this.echoes += 1;
      return;
    }
    if (this.windowOpen) this.deliveredDuringWindow += 1;
    entry.remaining -= 1;
    if (entry.inWindow) {
      this.deliveredInWindow += 1;
      this.latencies.add(now - entry.sentAt);
    }
    if (entry.remaining === 0) {
      this.outstanding.delete(id);
      if (entry.inWindow) this.windowOutstanding -= 1;
    }
  }

  openWindow(now: number): void {
    this.windowOpen = true;
    this.windowStart = now;
    this.sentInWindow = 0;
    this.expectedInWindow = 0;
    this.deliveredInWindow = 0;
    this.deliveredDuringWindow = 0;
    this.windowOutstanding = 0;
    this.echoes = 0;
    this.latencies.clear();
    // Ids from before the window no longer produce samples.
    for (const entry of this.outstanding.values()) entry.inWindow = false;
  }

  closeWindow(now: number): void {
    this.windowOpen = false;
    this.windowEnd = now;
  }

  /** Window ids still waiting for at least one receiver. */
  get pendingWindowIds(): number {
    return this.windowOutstanding;
  }

  /** Forgets everything still outstanding (between sweep steps). */
  forgetOutstanding(): void {
    this.outstanding.clear();
    this.windowOutstanding = 0;
  }

  stats(): DeliveryStats {
    const seconds = Math.max(1e-9, (this.windowEnd - this.windowStart) / 1000);
    return {
      sent: this.sentInWindow,
      expected: this.expectedInWindow,
      delivered: this.deliveredInWindow,
      deliveredPerSecond: this.deliveredDuringWindow / seconds,
      sentPerSecond: this.sentInWindow / seconds,
      missing: this.windowOutstanding,
      echoes: this.echoes,
      latencyMs: this.latencies.distribution(),
    };
  }
}
