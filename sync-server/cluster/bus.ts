/**
 * The Bus: how the nodes of a cluster reach each other (the third seam, after `authorize` and
 * the `Store`; absent on a server running alone). redis-bus.ts implements it on Redis.
 *
 * It promises little, on purpose, and the cluster is correct with that little:
 * - Messages are delivered at most once: lost while the bus is down, and a subscriber that falls
 *   behind may be dropped by the bus and reconnect. Nothing the bus carries is the only copy —
 *   updates are committed to the database before they are published, and presence is sent
 *   again whole when a node (re)joins.
 * - A node receives its own messages too; it recognises them by its id inside them.
 * - Groups say which nodes have a document open: a member stays in for `ttlMs` after it last
 *   joined, so a node that dies leaves every group by itself.
 */

export type BusListener = (message: Uint8Array) => void;

export interface Bus {
  /** Whether the bus is connected now. */
  readonly up: boolean;
  /** Why the bus is down, for `/healthz` and the log; null while it is up. */
  readonly downReason: string | null;
  /**
   * Told when the bus comes up (first connection or reconnection: every channel subscribed
   * again by then) or goes down.
   */
  onStatus(listener: (up: boolean) => void): void;
  /** Delivers messages published on `channel` from now on. Resolves once subscribed (or, while down, at once: `onStatus(true)` follows). */
  subscribe(channel: string, listener: BusListener): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Publishes to every subscriber of `channel`; rejects when the bus is down (nothing is queued). */
  publish(channel: string, message: Uint8Array): Promise<void>;
  /** Adds (or keeps) `member` in `group` for `ttlMs`; resolves with the group's members, `member` included. */
  join(group: string, member: string, ttlMs: number): Promise<string[]>;
  leave(group: string, member: string): Promise<void>;
  /** Disconnects. Idempotent. */
  close(): Promise<void>;
}
