/**
 * One simulated user: a real `Y.Doc` and `Awareness` on a WebSocket, speaking the y-websocket
 * protocol the way the stock `WebsocketProvider` does (sync step 1 and presence on open, answer
 * the server's step 1 with a step 2, relay local changes, apply remote ones).
 *
 * What arrives is timestamped before anything is decoded and handed to the `ArrivalSink`,
 * which finds the edit and cursor ids inside the bytes.
 */
import { WebSocket, type RawData } from 'ws';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { Message, Sync, createWire, type Wire, type WireProtocol } from './wire.js';

export interface ArrivalSink {
  update(client: SimClient, payload: Uint8Array, at: number): void;
  awareness(client: SimClient, payload: Uint8Array, at: number): void;
  error(client: SimClient, what: string): void;
}

export interface SimClientOptions {
  baseUrl: string;
  protocol: WireProtocol;
  sink: ArrivalSink;
  /** Apply remote updates and presence to the local doc (false: only count them). */
  applyRemote: boolean;
  /** Publish a presence state when joining, as an editor tab does. */
  presence: boolean;
  /**
   * Keep the server's sync step 2 and apply it only on `applyDeferred()`: when many clients in
   * one process join a large document, applying each reply on arrival would delay the arrival
   * of the next one and the measurement would be of the generator, not the server.
   */
  deferSyncApply: boolean;
}

export class SimClient {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText('t');
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  connectStartedAt = 0;
  openedAt = 0;
  syncedAt = 0;
  private socket: WebSocket | null = null;
  private readonly wire: Wire;
  private closing = false;
  private onSynced: (() => void) | null = null;
  private deferred: Uint8Array | null = null;

  constructor(
    readonly index: number,
    readonly room: string,
    private readonly options: SimClientOptions,
  ) {
    this.wire = createWire(options.protocol, room);
    this.awareness.setLocalState(options.presence ? { user: { name: `user ${index}`, color: '#3366cc' } } : null);
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
  }

  get synced(): boolean {
    return this.syncedAt > 0;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Opens the socket and resolves once the initial sync is complete. */
  connect(timeoutMs: number): Promise<void> {
    this.connectStartedAt = performance.now();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${this.index} not synced after ${timeoutMs} ms`)), timeoutMs);
      this.onSynced = () => {
        clearTimeout(timer);
        resolve();
      };
      const socket = new WebSocket(this.wire.url(this.options.baseUrl, this.room), { perMessageDeflate: false });
      socket.binaryType = 'nodebuffer';
      this.socket = socket;
      socket.on('open', () => this.onOpen());
      socket.on('message', this.onMessage);
      socket.on('error', (error: Error) => {
        this.options.sink.error(this, `socket error: ${error.message}`);
        clearTimeout(timer);
        reject(error);
      });
      socket.on('close', (code: number) => {
        if (!this.closing) this.options.sink.error(this, `closed by server with ${code}`);
        clearTimeout(timer);
        reject(new Error(`client ${this.index} closed with ${code} before sync`));
      });
    });
  }

  /** Inserts `token` at a pseudo-random position; the update goes out synchronously. */
  insert(token: string, position: number): void {
    this.text.insert(Math.min(position, this.text.length), token);
  }

  /** Moves the cursor; the awareness update goes out synchronously. */
  moveCursor(token: string, position: number): void {
    this.awareness.setLocalStateField('cursor', { anchor: position, head: position, move: token });
  }

  /** Applies a sync step 2 kept back by `deferSyncApply`. */
  applyDeferred(): void {
    if (this.deferred) Y.applyUpdate(this.doc, this.deferred, this);
    this.deferred = null;
  }

  close(): void {
    this.closing = true;
    this.doc.off('update', this.onDocUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
    this.socket?.close(1000);
    this.doc.destroy();
  }

  private send(write: (e: encoding.Encoder) => void): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const e = this.wire.encoder();
    write(e);
    socket.send(encoding.toUint8Array(e));
  }

  private onOpen(): void {
    this.openedAt = performance.now();
    const socket = this.socket;
    if (!socket) return;
    for (const frame of this.wire.opening()) socket.send(frame);
    if (this.wire.handshake) {
      this.send((e) => {
        encoding.writeVarUint(e, Message.sync);
        encoding.writeVarUint(e, Sync.step1);
        encoding.writeVarUint8Array(e, Y.encodeStateVector(this.doc));
      });
    }
    if (this.awareness.getLocalState() !== null) {
      this.send((e) => {
        encoding.writeVarUint(e, Message.awareness);
        encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]));
      });
    }
    if (!this.wire.handshake) this.markSynced();
  }

  private markSynced(): void {
    if (this.syncedAt > 0) return;
    this.syncedAt = performance.now();
    this.onSynced?.();
    this.onSynced = null;
  }

  private readonly onMessage = (data: RawData): void => {
    const at = performance.now();
    const frame = data as Buffer;
    try {
      const d = this.wire.decoder(frame);
      const type = decoding.readVarUint(d);
      if (type === Message.sync || type === Message.syncReply) this.onSync(d, at);
      else if (type === Message.awareness) {
        const payload = decoding.readVarUint8Array(d);
        this.options.sink.awareness(this, payload, at);
        if (this.options.applyRemote) awarenessProtocol.applyAwarenessUpdate(this.awareness, payload, this);
      }
      // Anything else (auth replies, hocuspocus SyncStatus) carries nothing to measure.
    } catch (error) {
      this.options.sink.error(this, `bad message from server: ${(error as Error).message}`);
    }
  };

  private onSync(d: decoding.Decoder, at: number): void {
    const kind = decoding.readVarUint(d);
    const payload = decoding.readVarUint8Array(d);
    if (kind === Sync.update) {
      this.options.sink.update(this, payload, at);
      if (this.options.applyRemote) Y.applyUpdate(this.doc, payload, this);
    } else if (kind === Sync.step2) {
      if (!this.wire.handshake) return;
      // The payload is a view of the frame, which ws does not reuse: keeping it is safe.
      if (this.options.deferSyncApply && !this.synced) this.deferred = payload;
      else Y.applyUpdate(this.doc, payload, this);
      this.markSynced();
    } else if (kind === Sync.step1) {
      if (!this.wire.handshake) return;
      this.send((e) => {
        encoding.writeVarUint(e, Message.sync);
        encoding.writeVarUint(e, Sync.step2);
        encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(this.doc, payload));
      });
    }
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return;
    this.send((e) => {
      encoding.writeVarUint(e, Message.sync);
      encoding.writeVarUint(e, Sync.update);
      encoding.writeVarUint8Array(e, update);
    });
  };

  private readonly onAwarenessUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin !== 'local') return;
    const changed = [...change.added, ...change.updated, ...change.removed];
    this.send((e) => {
      encoding.writeVarUint(e, Message.awareness);
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    });
  };
}
