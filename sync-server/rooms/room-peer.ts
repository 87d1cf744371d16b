/**
 * What a room needs from a connection: a way to send, and who it is. The room and its
 * presence relay hold peers through this interface, never the socket behind it.
 */

import type * as Y from 'yjs';

/** What a room needs from a connection: a way to send, and who it is. */
export interface RoomPeer {
  send(message: Uint8Array): void;
  /** Author recorded in the history log for this peer's changes. */
  readonly author: string | null;
  /** A viewer: its document updates are ignored (its sync and awareness still work). */
  readonly readOnly?: boolean;
  /** Told when a read-only peer sent an update that was ignored. */
  writeRefused?(): void;
  /** Told when the peer tried to change or remove presence another peer set (it was ignored). */
  presenceRefused?(): void;
  /**
   * Why this peer may not apply `update` to `doc` under its own access rules (the comment role,
   * comment authors), or null when it may. Asked just before the update would be applied.
   */
  updateRefusal?(doc: Y.Doc, update: Uint8Array): string | null;
  /** Told, in the order of its messages, that an update was refused for `reason`. */
  updateRefused?(reason: string): void;
}
