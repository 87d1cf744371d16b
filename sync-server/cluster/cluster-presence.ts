/**
 * One document's presence (awareness) across the nodes that have it open.
 *
 * The room's Awareness holds everyone's state: its own peers' and, tagged with their node,
 * other nodes' clients'. This keeps the two apart:
 * - Local ids (set here by a peer, or removed here on a peer's departure or timeout) are
 *   published to the other nodes with a leading-edge throttle, like the room's own relay: the
 *   first change after a quiet interval goes at once, later ones are merged until it ends.
 * - Remote ids are applied by the room with their node as origin and owner (`applyRemotePresence`:
 *   no peer here may change them, nor may a node change another's or a local client's), relayed
 *   to its peers, and removed when their node closes the document, leaves the cluster or can no
 *   longer be heard — so no cursor outlives the node that showed it.
 * - Nothing remote is published again.
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import { LeadingThrottle } from '../rooms/leading-throttle.js';

/** Origin of changes that came from another node (of updates and awareness alike). */
export class RemoteNode {
  constructor(readonly id: string) {}
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

export class ClusterPresence {
  private readonly localIds = new Set<number>();
  private readonly remoteIds = new Map<number, RemoteNode>();
  private readonly changed = new Set<number>();
  private readonly throttle = new LeadingThrottle(() => this.flush());
  private destroyed = false;

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    /** Local changes within this interval go out as one message; 0 sends each at once. */
    private readonly intervalMs: number,
    /** Sends the local clients' changes (an awareness update) to the other nodes. */
    private readonly publish: (update: Uint8Array) => void,
  ) {
    awareness.on('update', this.onUpdate);
  }

  /** Removes every client of `node` (gone, or closed the document); the room relays the removal. */
  forget(node: RemoteNode): void {
    const ids = [...this.remoteIds].filter(([, origin]) => origin.id === node.id).map(([id]) => id);
    if (ids.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, ids, node);
  }

  /** The local clients' current states, for a node that asked (hello) or to announce ours. */
  localSnapshot(): Uint8Array {
    const ids = [...this.localIds].filter((id) => this.awareness.states.has(id));
    return awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids);
  }

  /** Idempotent: stops listening and drops what was not sent yet. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.awareness.off('update', this.onUpdate);
    this.throttle.cancel();
    this.changed.clear();
  }

  private readonly onUpdate = ({ added, updated, removed }: AwarenessChange, origin: unknown): void => {
    if (origin instanceof RemoteNode) {
      for (const id of added) this.remoteIds.set(id, origin);
      for (const id of updated) this.remoteIds.set(id, origin);
      for (const id of removed) this.remoteIds.delete(id);
      return;
    }
    // A peer here (or the room on its behalf: departure, timeout).
    for (const id of [...added, ...updated]) {
      this.remoteIds.delete(id);
      this.localIds.add(id);
      this.changed.add(id);
    }
    for (const id of removed) {
      // A remote client timed out here: its own node says when it is gone; nothing to send.
      if (this.remoteIds.delete(id)) continue;
      if (this.localIds.delete(id)) this.changed.add(id);
    }
    if (this.changed.size > 0) this.schedule();
  };

  private schedule(): void {
    if (this.intervalMs === 0) return this.flush();
    this.throttle.request(this.intervalMs);
  }

  private flush(): void {
    // Every id changed has a meta entry (its clock): removals keep theirs.
    const ids = [...this.changed].filter((id) => this.awareness.meta.has(id));
    this.changed.clear();
    if (ids.length > 0) this.publish(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids));
  }
}
