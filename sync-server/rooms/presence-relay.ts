/**
 * Relays one room's presence (awareness) with a leading-edge throttle.
 *
 * Presence is chatty — every cursor move of every user — and in a busy room each message would
 * go to everyone else. So: the first change after a quiet period goes out at once (a lone
 * message is relayed as the very bytes received, to everyone but its sender); changes arriving
 * within the next `intervalMs` are merged and sent as one awareness update, encoded once, when
 * the interval ends (leading-throttle.ts, whose timer runs only while something waits). A room
 * thus sends at most one presence message per interval, and quiet rooms see no added latency.
 *
 * Each message goes to every other peer, so a flush costs in proportion to the room's size:
 * the interval is what a budget of 4,000 deliveries a second per room allows — a quarter of a
 * millisecond per other person, from the configured minimum up to 250 ms. A 50-person room
 * thus merges over 12 ms, a 200-person room over 50 ms, and a busy room's presence costs a
 * bounded number of sends however many people move.
 *
 * Invariant: every changed client id is sent in a later message carrying its current state
 * (or its removal), so receivers converge on the room's awareness.
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import { encodeAwareness } from '../protocol.js';
import { LeadingThrottle } from './leading-throttle.js';
import type { RoomPeer } from './room-peer.js';

export type Broadcast = (message: Uint8Array, except: RoomPeer | null) => void;

const DELIVERIES_PER_MS = 4;
const MAX_INTERVAL_MS = 250;

export class PresenceRelay {
  private readonly changed = new Set<number>();
  /** The only message received during the interval (relayed as is), or null. */
  private lone: { raw: Uint8Array; sender: RoomPeer } | null = null;
  private received = 0;
  /** Changes made by the server itself (removals on leave, timeouts) this interval. */
  private serverChanges = false;
  private readonly throttle = new LeadingThrottle(() => this.flush());

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    /** The shortest interval; 0 relays every message at once. */
    private readonly minIntervalMs: number,
    private readonly roomSize: () => number,
    private readonly broadcast: Broadcast,
  ) {}

  /** Client ids whose state changed, by a peer's message (`sender`) or by the server (null). */
  noteChanges(ids: Iterable<number>, sender: RoomPeer | null): void {
    for (const id of ids) this.changed.add(id);
    if (sender === null) this.serverChanges = true;
  }

  /** A peer's awareness message, already applied to the room's awareness. */
  noteMessage(raw: Uint8Array, sender: RoomPeer): void {
    this.received += 1;
    this.lone = this.received === 1 ? { raw, sender } : null;
    this.schedule();
  }

  /** After server-side changes (noteChanges with a null sender). */
  noteServerChanges(): void {
    this.schedule();
  }

  /** Idempotent: drops anything pending (the room is going away). */
  destroy(): void {
    this.throttle.cancel();
    this.reset();
  }

  private schedule(): void {
    if (this.minIntervalMs === 0) return this.flush(); // throttling off: relay every message
    this.throttle.request(this.intervalMs());
  }

  private intervalMs(): number {
    return Math.max(this.minIntervalMs, Math.min(MAX_INTERVAL_MS, (this.roomSize() - 1) / DELIVERIES_PER_MS));
  }

  private flush(): void {
    if (this.lone && !this.serverChanges) {
      this.broadcast(this.lone.raw, this.lone.sender);
    } else if (this.changed.size > 0) {
      const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.changed]);
      // Senders get their own state back inside the merged message: harmless (clients ignore
      // states that are not newer), and cheaper than encoding one message per receiver.
      this.broadcast(encodeAwareness(update), null);
    }
    this.reset();
  }

  private reset(): void {
    this.changed.clear();
    this.lone = null;
    this.received = 0;
    this.serverChanges = false;
  }
}
