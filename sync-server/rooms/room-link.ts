/**
 * How a room reaches the other nodes of a cluster (sync-server/cluster/doc-channel.ts); a
 * server running alone has none. The room tells its link of every change committed here; the
 * link brings other nodes' committed changes in through `Room.applyCommitted`/`catchUp` and
 * their presence through the room's awareness.
 */
export interface RoomLink {
  /** An update applied here was committed to the store with this sequence number. */
  committed(update: Uint8Array, seq: number): void;
  /** The room is going away, its writes durable. Idempotent. */
  close(): void;
}
