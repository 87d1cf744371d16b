/**
 * One document's room: its `Y.Doc`, its `Awareness` and the peers connected to it.
 *
 * Invariants:
 * - Nothing about the document leaves the room before it is durable: a relayed update waits for
 *   its own append, a sync step 2 reply waits for every append made before it was encoded.
 * - A peer's messages are answered in the order they came: a sync step 2 holds every update the
 *   peer sent before its sync step 1, and a reply held back for durability holds back the
 *   peer's later replies too.
 * - Each outgoing message is encoded once and the same bytes go to every receiver.
 * - A client that has nothing yet (and has sent no update) gets the document without an encode
 *   when one was made before: that encoded state, then the update messages relayed since, in
 *   order.
 * - An update is never echoed back to the peer it came from.
 * - Awareness states a peer set are removed, and the removal relayed, when that peer leaves.
 * - A peer changes or removes only the awareness entries it set (see PresenceOwners); an
 *   awareness message that changes nothing is not relayed.
 * - A viewer's updates are never applied; another peer's are applied only if its own access
 *   rules (`RoomPeer.updateRefusal`: a commenter's, a token user's comment authorship) allow
 *   them against the document as it is when they would be applied.
 * - In a cluster, every change committed here is handed to the room's link once committed,
 *   and changes other nodes committed are relayed to every peer here (they are durable).
 */
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { Store } from '../../persistence/store.js';
import {
  CloseCode,
  ProtocolError,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  isEmptyUpdate,
  type ClientMessage,
} from '../protocol.js';
import { applyUpdateChanged } from './document-change.js';
import { DocumentSizeBudget } from './document-size.js';
import { PresenceOwners } from './presence-owners.js';
import { PresenceRelay } from './presence-relay.js';
import { sweepPresenceTimeouts } from './presence-timeouts.js';
import { ReplyOrder } from './reply-order.js';
import type { RoomLink } from './room-link.js';
import type { RoomPeer } from './room-peer.js';
import { updateProblem } from './update-check.js';

export interface RoomOptions {
  store: Store;
  /** Wait for `store.append` before relaying (the durability promise). */
  durable: boolean;
  onStoreError(error: unknown, room: Room): void;
  /** Largest size (encoded content plus files) peers may grow the document to; unlimited when absent. */
  maxDocumentBytes?: number;
  /** Bytes of a document's files, counted in its size (absent: a server that keeps no files). */
  fileBytes?(name: string): Promise<number>;
  /** Presence changes within this interval are merged into one message (see PresenceRelay). */
  presenceIntervalMs: number;
  /** Connects a loaded room to the other nodes of a cluster; absent on a server running alone. */
  link?: (room: Room) => RoomLink;
}

/**
 * The whole document for clients that have nothing yet: one encoded sync step 2, plus the
 * update messages relayed after it was made, in order. Encoding a large document takes tens of
 * milliseconds; with this, a crowd of joiners after a few edits costs no encode at all.
 */
interface FullState {
  reply: Uint8Array;
  since: Uint8Array[];
  sinceBytes: number;
}

/** Past this many updates after the encoded state, the next fresh joiner gets a new encode. */
const MAX_UPDATES_AFTER_FULL_STATE = 1000;

export class Room {
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  private readonly peers = new Set<RoomPeer>();
  /** Which peer owns which awareness client id. */
  private readonly presenceOwners = new PresenceOwners();
  /** The node whose clients' presence is being applied (see `applyRemotePresence`). */
  private presenceFrom: object | null = null;
  /** Set when applying a peer's awareness message changed the room's awareness. */
  private presenceChanged = false;
  /** Settles when every append made so far has settled (its value is not used). */
  private durableTail: Promise<unknown> = Promise.resolve();
  private pendingAppends = 0;
  /** Peers that have sent a change: the fresh-joiner state may not hold it (see `replyToSyncStep1`). */
  private writers: Set<RoomPeer> | null = null;
  private readonly replies = new ReplyOrder((peer) => this.peers.has(peer));
  /** What a client that has nothing yet is sent (see `FullState`); null until next needed. */
  private fullState: FullState | null = null;
  private destroyed = false;
  private link: RoomLink | null = null;
  /** A catch-up relay waiting for local appends (see `catchUp`); later relays of other nodes' changes wait for it. */
  private committedRelay: Promise<void> | null = null;
  private readonly sizeBudget: DocumentSizeBudget;
  private readonly presence: PresenceRelay;

  private constructor(
    readonly name: string,
    private readonly options: RoomOptions,
    state: Uint8Array,
    /** Sequence number of the last record in the store when loaded. */
    readonly loadedSeq: number,
    fileBytes: number,
  ) {
    this.doc = new Y.Doc({ gc: true });
    Y.applyUpdate(this.doc, state);
    // The loaded state is already the whole document as one update: the first joiners of a
    // freshly loaded (possibly large) document get it without an encode.
    this.fullState = { reply: encodeSyncStep2(state), since: [], sinceBytes: 0 };
    this.sizeBudget = new DocumentSizeBudget(options.maxDocumentBytes ?? Infinity, state.byteLength, fileBytes);
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The server is not a participant: it must not show up as a user in anyone's presence list.
    this.awareness.setLocalState(null);
    // One timer for all rooms instead of one per room (presence-timeouts.ts).
    sweepPresenceTimeouts(this.awareness);
    this.presence = new PresenceRelay(this.awareness, options.presenceIntervalMs, () => this.peers.size, (message, except) => this.broadcast(message, except));
    this.awareness.on('update', this.onAwarenessChange);
  }

  static async load(name: string, options: RoomOptions): Promise<Room> {
    const [loaded, fileBytes] = await Promise.all([options.store.load(name), options.fileBytes?.(name) ?? 0]);
    const room = new Room(name, options, loaded.state, loaded.seq, fileBytes);
    room.link = options.link?.(room) ?? null;
    return room;
  }

  /**
   * Counts a file about to be added to the document in its size; false (and nothing counted)
   * when the document would grow past its limit. `releaseFile` gives back one not stored.
   */
  reserveFile(bytes: number): boolean {
    return this.sizeBudget.reserveFile(bytes, () => Y.encodeStateAsUpdate(this.doc).byteLength);
  }

  releaseFile(bytes: number): void {
    this.sizeBudget.releaseFile(bytes);
  }

  /** The size limit that `reserveFile` and peers' updates are held to (Infinity: none). */
  get maxBytes(): number {
    return this.sizeBudget.maxBytes;
  }

  get size(): number {
    return this.peers.size;
  }

  /** Adds a peer and opens the sync: our state vector, then everyone's presence. */
  join(peer: RoomPeer): void {
    this.peers.add(peer);
    peer.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    if (this.awareness.getStates().size > 0) {
      const ids = [...this.awareness.getStates().keys()];
      peer.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)));
    }
  }

  /** Removes a peer and the presence it set; returns the number of peers left. */
  leave(peer: RoomPeer): number {
    if (!this.peers.delete(peer)) return this.peers.size;
    this.writers?.delete(peer);
    const ids = this.presenceOwners.release(peer);
    if (ids.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, ids, peer);
    return this.peers.size;
  }

  /** Handles one decoded message. Throws `ProtocolError` for input the room refuses. */
  receive(peer: RoomPeer, message: ClientMessage, raw: Uint8Array): void {
    switch (message.type) {
      case 'sync-step1':
        this.replyToSyncStep1(peer, message.stateVector);
        return;
      case 'sync-step2':
        // A viewer's answer to our sync step 1 is ignored: it may hold nothing we take.
        if (peer.readOnly || this.refused(peer, message.update)) return;
        this.applyUpdate(message.update, peer, null);
        return;
      case 'update':
        if (peer.readOnly) {
          if (!isEmptyUpdate(message.update)) this.replies.reply(peer, null, () => peer.writeRefused?.());
          return;
        }
        if (this.refused(peer, message.update)) return;
        // The received bytes are exactly `encodeUpdate(update)`: relay them as they are.
        this.applyUpdate(message.update, peer, raw);
        return;
      case 'awareness':
        this.applyAwareness(peer, message.update, raw);
        return;
      case 'query-awareness': {
        const ids = [...this.awareness.getStates().keys()];
        const reply = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids));
        this.replies.reply(peer, null, () => peer.send(reply));
        return;
      }
    }
  }

  /** True when the peer's own access rules refuse the update; the peer is told in reply order. */
  private refused(peer: RoomPeer, update: Uint8Array): boolean {
    const reason = peer.updateRefusal?.(this.doc, update) ?? null;
    if (reason === null) return false;
    this.replies.reply(peer, null, () => peer.updateRefused?.(reason));
    return true;
  }

  /**
   * Applies an update (from a peer, or from the server itself when `origin` is null),
   * appends it to the store and relays it to every other peer once it is durable.
   * `author` is recorded in the history log (default: the peer's).
   */
  applyUpdate(update: Uint8Array, origin: RoomPeer | null, encodedMessage: Uint8Array | null, author: string | null = origin?.author ?? null): void {
    void this.applyAndAppend(update, origin, encodedMessage, author);
  }

  /**
   * `applyUpdate` for the server's own updates (a restore, an import): resolves with the
   * sequence number the store gave it once it is durable, null if the store refused it or it
   * changed nothing.
   */
  applyOwnUpdate(update: Uint8Array, author: string | null): Promise<number | null> {
    return this.applyAndAppend(update, null, null, author);
  }

  private applyAndAppend(update: Uint8Array, origin: RoomPeer | null, encodedMessage: Uint8Array | null, author: string | null): Promise<number | null> {
    if (isEmptyUpdate(update)) return Promise.resolve(null);
    // Only peers are held to the size limit; the server's own updates (restore) are not.
    if (origin !== null && !this.sizeBudget.admits(update, () => Y.encodeStateAsUpdate(this.doc).byteLength)) {
      throw new ProtocolError(`document would grow past its limit of ${this.sizeBudget.maxBytes} bytes`, CloseCode.documentTooLarge, 'ERR_DOC_TOO_LARGE');
    }
    if (origin !== null) {
      const problem = updateProblem(update);
      if (problem !== null) throw new ProtocolError(`update refused: ${problem}`, CloseCode.invalidPayload, 'ERR_BAD_UPDATE');
    }
    let changed: boolean;
    try {
      changed = applyUpdateChanged(this.doc, update, origin);
    } catch (error) {
      throw new ProtocolError(`update rejected by Yjs: ${(error as Error).message}`, CloseCode.invalidPayload, 'ERR_BAD_UPDATE');
    }
    // Everything in it was already here (a reconnecting client's delete set): nothing to keep or relay.
    if (!changed) return Promise.resolve(null);
    this.sizeBudget.grew(update.byteLength);
    // Created on first use: most rooms of idle connections never need it.
    if (origin !== null) (this.writers ??= new Set()).add(origin);
    const message = encodedMessage ?? encodeUpdate(update);
    const appended = this.trackAppend(update, author);
    if (this.options.durable) {
      // An update the store could not take (it was closed under us) is never relayed.
      return appended.then((seq) => {
        if (seq !== null) {
          this.relay(message, origin);
          this.link?.committed(update, seq);
        }
        return seq;
      });
    }
    this.relay(message, origin);
    return appended.then((seq) => {
      if (seq !== null) this.link?.committed(update, seq);
      return seq;
    });
  }

  /**
   * An update another node committed (it is in the store): applied here and relayed as it is
   * to every peer. Throws if Yjs refuses it.
   */
  applyCommitted(update: Uint8Array, origin: object): void {
    Y.applyUpdate(this.doc, update, origin);
    this.sizeBudget.grew(update.byteLength);
    this.relayCommitted(encodeUpdate(update), false);
  }

  /**
   * Committed updates read back from the store (what this node missed): applied here, and what
   * they added to this room's document relayed to every peer as one update. Throws if Yjs
   * refuses one.
   */
  catchUp(updates: readonly Uint8Array[], origin: object): void {
    if (updates.length === 0) return;
    const before = Y.encodeStateVector(this.doc);
    Y.transact(this.doc, () => {
      for (const update of updates) Y.applyUpdate(this.doc, update, origin);
    }, origin);
    const added = Y.encodeStateAsUpdate(this.doc, before);
    if (isEmptyUpdate(added)) return;
    this.sizeBudget.grew(added.byteLength);
    // The encode also carries any update still pending in Yjs (waiting for what it builds on):
    // one a peer sent here may not be committed yet, so wait for the appends made so far.
    this.relayCommitted(encodeUpdate(added), this.options.durable && this.pendingAppends > 0);
  }

  /** Resolves when every update applied so far is durable. */
  whenDurable(): Promise<void> {
    return this.durableTail.then(() => undefined);
  }

  /** Idempotent; the registry calls it after the last peer left and writes settled. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.link?.close();
    this.awareness.off('update', this.onAwarenessChange);
    this.presence.destroy();
    this.awareness.destroy();
    this.doc.destroy();
    this.peers.clear();
    this.presenceOwners.clear();
    this.writers = null;
    this.replies.clear();
  }

  /** Resolves with the update's sequence number once it is durable, null if the store refused it. */
  private trackAppend(update: Uint8Array, author: string | null): Promise<number | null> {
    this.pendingAppends += 1;
    const appended = this.options.store.append(this.name, update, { author }).then(
      (seq) => {
        this.pendingAppends -= 1;
        return seq;
      },
      (error: unknown) => {
        this.pendingAppends -= 1;
        this.options.onStoreError(error, this);
        return null;
      },
    );
    // Appends to one document resolve in order, so the newest one stands for all before it.
    this.durableTail = appended;
    return appended;
  }

  /** Sends a durable update to every peer but its origin, and keeps it for fresh joiners. */
  private relay(message: Uint8Array, origin: RoomPeer | null): void {
    this.broadcast(message, origin);
    const full = this.fullState;
    if (!full) return;
    full.since.push(message);
    full.sinceBytes += message.byteLength;
    // Past this, a fresh encode is smaller to send and cheaper to keep.
    if (full.since.length > MAX_UPDATES_AFTER_FULL_STATE || full.sinceBytes > Math.max(64 * 1024, full.reply.byteLength / 8)) this.fullState = null;
  }

  /** Relays other nodes' changes in the order they were applied, `waitForAppends` or not. */
  private relayCommitted(message: Uint8Array, waitForAppends: boolean): void {
    if (!waitForAppends && !this.committedRelay) return this.relay(message, null);
    const previous = this.committedRelay ?? Promise.resolve();
    const relayed: Promise<void> = Promise.all([previous, waitForAppends ? this.durableTail : null]).then(() => {
      if (this.committedRelay === relayed) this.committedRelay = null;
      if (!this.destroyed) this.relay(message, null);
    });
    this.committedRelay = relayed;
  }

  private replyToSyncStep1(peer: RoomPeer, stateVector: Uint8Array): void {
    // A fresh client's state vector is the single byte 0: it needs everything. One that sent
    // changes of its own is not fresh: the kept state may lack them (a change relayed to the
    // others is never echoed to its sender), so it gets a reply encoded from the document.
    const wantsEverything = stateVector.length === 1 && stateVector[0] === 0;
    const full = wantsEverything && !this.writers?.has(peer) ? this.fullState : null;
    if (full) {
      // All durable already (kept as relayed): nothing to wait for. An update still being
      // written reaches this peer by its relay, as it reaches everyone.
      const { reply, since } = full;
      const count = since.length;
      this.replies.reply(peer, null, () => {
        peer.send(reply);
        for (let i = 0; i < count; i += 1) peer.send(since[i] as Uint8Array);
      });
      return;
    }
    let diff: Uint8Array;
    try {
      diff = Y.encodeStateAsUpdate(this.doc, stateVector);
    } catch (error) {
      throw new ProtocolError(`malformed state vector: ${(error as Error).message}`, CloseCode.invalidPayload, 'ERR_BAD_STATE_VECTOR');
    }
    const reply = encodeSyncStep2(diff);
    // Encoded now, so it holds only updates already appended: it waits for those (unless
    // relaying does not wait for durability either).
    const mustWait = this.options.durable && this.pendingAppends > 0;
    // Kept only when all it holds is durable: later joiners get it without waiting.
    if (wantsEverything && !mustWait) this.fullState = { reply, since: [], sinceBytes: 0 };
    this.replies.reply(peer, mustWait ? this.durableTail : null, () => peer.send(reply));
  }

  private applyAwareness(peer: RoomPeer, update: Uint8Array, raw: Uint8Array): void {
    let allowed: Uint8Array | null;
    try {
      const screened = this.presenceOwners.screen(update, peer, this.awareness);
      if (screened.spoofed) peer.presenceRefused?.();
      allowed = screened.update;
      this.presenceChanged = false;
      if (allowed) awarenessProtocol.applyAwarenessUpdate(this.awareness, allowed, peer);
    } catch (error) {
      throw new ProtocolError(`malformed awareness update: ${(error as Error).message}`, CloseCode.invalidPayload, 'ERR_BAD_AWARENESS');
    }
    // Nothing newer in it (stock clients send others' states back): nothing to tell anyone.
    if (!allowed || !this.presenceChanged) return;
    this.presence.noteMessage(allowed === update ? raw : encodeAwareness(allowed), peer);
  }

  /**
   * Presence of another node's clients (`node` stands for that node, which owns their entries):
   * applied, except entries owned by someone else, and relayed to every peer.
   */
  applyRemotePresence(update: Uint8Array, node: object): void {
    const allowed = this.presenceOwners.screen(update, node, this.awareness).update;
    if (!allowed) return;
    this.presenceFrom = node;
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, allowed, node);
    } finally {
      this.presenceFrom = null;
    }
  }

  /** Keeps ownership of awareness ids current and hands every change to the relay. */
  private readonly onAwarenessChange = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...change.added, ...change.updated, ...change.removed];
    const peer = origin as RoomPeer;
    if (this.peers.has(peer)) {
      // Set by the peer itself; its message is relayed by the presence relay.
      this.presenceChanged = true;
      this.presenceOwners.claim(peer, change.added);
      this.presenceOwners.claim(peer, change.updated);
      this.presence.noteChanges(changed, peer);
      return;
    }
    // Removed on a peer's departure or timed out: nobody else will tell the room, and the ids
    // are free to be claimed again. Or set by another node: its entries are its own.
    if (changed.length === 0) return;
    this.presenceOwners.free(change.removed);
    if (origin !== null && origin === this.presenceFrom) {
      this.presenceOwners.claim(origin, change.added);
      this.presenceOwners.claim(origin, change.updated);
    }
    this.presence.noteChanges(changed, null);
    this.presence.noteServerChanges();
  };

  private broadcast(message: Uint8Array, except: RoomPeer | null): void {
    for (const peer of this.peers) {
      if (peer !== except) peer.send(message);
    }
  }
}
