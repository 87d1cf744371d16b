/**
 * A bus that loses messages on purpose, between a node and the real one: what Redis pub/sub
 * may do (at most once, slow subscribers dropped), made to happen when a test says so.
 */
import type { Bus, BusListener } from '../../sync-server/cluster/bus.js';
import { decodeBusMessage, type BusMessage } from '../../sync-server/cluster/bus-message.js';

export class LossyBus implements Bus {
  /** Messages this node never received. */
  dropped = 0;

  constructor(
    private readonly inner: Bus,
    /** Whether an incoming message is lost. */
    private readonly lose: (message: BusMessage) => boolean,
  ) {}

  get up(): boolean {
    return this.inner.up;
  }

  get downReason(): string | null {
    return this.inner.downReason;
  }

  onStatus(listener: (up: boolean) => void): void {
    this.inner.onStatus(listener);
  }

  subscribe(channel: string, listener: BusListener): Promise<void> {
    return this.inner.subscribe(channel, (bytes) => {
      const message = decodeBusMessage(bytes);
      if (message && this.lose(message)) {
        this.dropped += 1;
        return;
      }
      listener(bytes);
    });
  }

  unsubscribe(channel: string): Promise<void> {
    return this.inner.unsubscribe(channel);
  }

  publish(channel: string, message: Uint8Array): Promise<void> {
    return this.inner.publish(channel, message);
  }

  join(group: string, member: string, ttlMs: number): Promise<string[]> {
    return this.inner.join(group, member, ttlMs);
  }

  leave(group: string, member: string): Promise<void> {
    return this.inner.leave(group, member);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
