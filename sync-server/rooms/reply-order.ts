/**
 * Keeps each peer's replies in the order of the messages they answer: a reply that must wait
 * (until appends are durable) holds back that peer's later replies until it has been sent.
 * Replies to peers with nothing held back go out at once, with no bookkeeping.
 */
import type { RoomPeer } from './room-peer.js';

export class ReplyOrder {
  /** Per peer with a reply held back: settles once its last one is sent. Created on first use. */
  private held: Map<RoomPeer, Promise<void>> | null = null;

  constructor(
    /** Whether `peer` is still there when its turn comes (a peer that left gets nothing). */
    private readonly present: (peer: RoomPeer) => boolean,
  ) {}

  /** Runs `send` once `after` (if any) has settled and every earlier reply to `peer` is out. */
  reply(peer: RoomPeer, after: Promise<unknown> | null, send: () => void): void {
    const earlier = this.held?.get(peer);
    if (!after && !earlier) return send();
    const ready = earlier && after ? Promise.all([earlier, after]) : (earlier ?? after);
    const held = (this.held ??= new Map());
    const sent = (ready as Promise<unknown>).then(() => {
      if (held.get(peer) === sent) held.delete(peer);
      if (this.present(peer)) send();
    });
    held.set(peer, sent);
  }

  /** Forgets what is held (the room is going away); replies already waiting still settle. */
  clear(): void {
    this.held = null;
  }
}
