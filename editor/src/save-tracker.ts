/**
 * Knows how many of this browser's changes the server has not yet confirmed as saved.
 *
 * The y-websocket protocol has no acknowledgement, but Tandem's rooms answer a sync step 1
 * only once every update received before it is durable (room.ts), and a connection's messages
 * are handled in order. So a step 1 sent after some local changes comes back as a step 2 only
 * when those changes are on the server's disk: that reply is the "saved" signal. It works with
 * any y-websocket server for the "received" meaning, and needs no protocol extension.
 *
 * Replies are matched to requests in order. The provider itself sends one step 1 when a socket
 * opens; the first step 2 on each socket answers that one, the rest answer ours.
 *
 * The count is kept in localStorage so changes made offline and not yet confirmed are still
 * reported after a reload (their content lives in IndexedDB).
 */
import type * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';

const MESSAGE_SYNC = 0;
const SYNC_STEP2 = 1;

export class SaveTracker {
  /** Local changes so far, counting those carried over from an earlier page load. */
  private changes: number;
  private confirmed = 0;
  /** For each of our step 1 requests in flight: the change count it confirms. */
  private inFlight: number[] = [];
  private awaitingProviderReply = false;
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly doc: Y.Doc,
    private readonly provider: WebsocketProvider,
    /** Updates with these origins are not this user's edits (network, IndexedDB). */
    private readonly foreignOrigins: readonly unknown[],
    private readonly storage: Storage,
    private readonly storageKey: string,
  ) {
    this.changes = readCount(storage, storageKey);
    doc.on('update', this.onUpdate);
    provider.on('status', this.onStatus);
    provider.on('sync', this.onSync);
  }

  /** Changes not yet confirmed saved by the server. */
  get pending(): number {
    return this.changes - this.confirmed;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  destroy(): void {
    this.doc.off('update', this.onUpdate);
    this.provider.off('status', this.onStatus);
    this.provider.off('sync', this.onSync);
    this.detach();
    this.listeners.clear();
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (this.foreignOrigins.includes(origin)) return;
    this.changes += 1;
    this.changed();
    this.requestConfirmation();
  };

  private readonly onStatus = ({ status }: { status: string }): void => {
    this.detach();
    if (status !== 'connected' || !this.provider.ws) return;
    this.socket = this.provider.ws;
    this.awaitingProviderReply = true;
    this.socket.addEventListener('message', this.onMessage);
  };

  /** After (re)connecting, confirm what was sent in the initial exchange: offline edits. */
  private readonly onSync = (synced: boolean): void => {
    if (synced && this.pending > 0) this.requestConfirmation();
  };

  private readonly onMessage = (event: MessageEvent): void => {
    if (!(event.data instanceof ArrayBuffer)) return;
    const bytes = new Uint8Array(event.data, 0, Math.min(2, event.data.byteLength));
    if (bytes[0] !== MESSAGE_SYNC || bytes[1] !== SYNC_STEP2) return;
    if (this.awaitingProviderReply) {
      this.awaitingProviderReply = false;
      return;
    }
    const covers = this.inFlight.shift();
    if (covers === undefined) return;
    if (covers > this.confirmed) {
      this.confirmed = covers;
      this.changed();
    }
    if (this.inFlight.length === 0 && this.pending > 0) this.requestConfirmation();
  };

  /** Sends one step 1 at a time; changes made meanwhile are covered by the next one. */
  private requestConfirmation(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.provider.synced || this.inFlight.length > 0) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.inFlight.push(this.changes);
    socket.send(encoding.toUint8Array(encoder));
  }

  private detach(): void {
    this.socket?.removeEventListener('message', this.onMessage);
    this.socket = null;
    this.inFlight = [];
    this.awaitingProviderReply = false;
  }

  private changed(): void {
    writeCount(this.storage, this.storageKey, this.pending);
    for (const listener of this.listeners) listener();
  }
}

function readCount(storage: Storage, key: string): number {
  const value = Number(storage.getItem(key));
  return Number.isInteger(value) && value > 0 ? value : 0;
}

function writeCount(storage: Storage, key: string, count: number): void {
  try {
    if (count > 0) storage.setItem(key, String(count));
    else storage.removeItem(key);
  } catch {
    // Storage unavailable: the count is only lost across reloads, never the edits themselves.
  }
}
