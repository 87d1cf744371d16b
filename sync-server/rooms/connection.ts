/**
 * One client's WebSocket in one room: decodes what arrives, enforces the per-connection
 * limits, and closes itself with the right code when the client misbehaves.
 */
import type { WebSocket, RawData } from 'ws';
import type * as Y from 'yjs';
import type { Logger } from 'pino';
import { CloseCode, ProtocolError, decodeClientMessage, encodePermissionDenied } from '../protocol.js';
import { checkCommentUpdate, type CommentPolicy } from '../access/comment-update-check.js';
import { TokenBucket } from '../access/rate-limit.js';
import type { Room } from './room.js';
import type { RoomPeer } from './room-peer.js';
import type { ServerMetrics } from '../metrics.js';

const SLOW_READER_GRACE_MS = 2000;

/** What a connection was refused, for logging each kind once (bit flags). */
const Refusal = { write: 1, presence: 2 } as const;
type Refusal = (typeof Refusal)[keyof typeof Refusal];

/** What all connections of a server share: one object per server, not per connection. */
export interface ConnectionSettings {
  maxBufferedBytes: number;
  metrics: ServerMetrics;
  logger: Logger;
  /** Token bucket for incoming messages; above it the connection is closed with 1008. */
  rate: { messagesPerSecond: number; burst: number } | null;
  /** Told when a connection has closed (it has left its room by then). */
  onClosed(connection: Connection, code: number): void;
}

/** Who is connected: from the upgrade's address and credentials. */
export interface ConnectionIdentity {
  remoteAddress: string;
  author: string | null;
  /** A viewer: its document updates are ignored. */
  readOnly?: boolean;
  /**
   * For a verified user: what its updates may write into comments (and, for the comment role,
   * that they write nothing else). An update that breaks it is refused like a viewer's.
   */
  commentPolicy?: CommentPolicy | null;
  /** When the credentials expire (ms since the epoch): the connection is closed with 4401. */
  expiresAt?: number | null;
  /** Who is connected, for the log lines. */
  user?: string | null;
}

/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days): longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The connection of each socket, for the listeners below (shared by all sockets). */
const connectionOf = new WeakMap<WebSocket, Connection>();

/*
 * One set of socket listeners for every connection, finding theirs through `connectionOf`:
 * per-connection closures would cost a few hundred bytes per (idle) connection.
 */
function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  connectionOf.get(this)?.receive(data, isBinary);
}
function onSocketPong(this: WebSocket): void {
  const connection = connectionOf.get(this);
  if (connection) connection.alive = true;
}
function onSocketClose(this: WebSocket, code: number): void {
  connectionOf.get(this)?.socketClosed(code);
}
/** ws reports protocol violations (oversize frames, bad opcodes) here, then closes the socket itself with the matching code (1009, 1002); 'close' follows. */
function onSocketError(this: WebSocket, error: Error & { code?: string }): void {
  connectionOf.get(this)?.socketError(error);
}

export class Connection implements RoomPeer {
  readonly author: string | null;
  readonly readOnly: boolean;
  readonly remoteAddress: string;
  /** Cleared on every ping, set by the pong: still false at the next ping means dead. */
  alive = true;
  private closed = false;
  private readonly openedAt = Date.now();
  private readonly user: string | null;
  private readonly expiresAt: number | null;
  private readonly bucket: TokenBucket | null;
  private readonly commentPolicy: CommentPolicy | null;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** Refusals already logged for this connection (bits of `Refusal`): each is logged once. */
  private refusalsReported = 0;

  constructor(
    private readonly socket: WebSocket,
    readonly room: Room,
    private readonly settings: ConnectionSettings,
    identity: ConnectionIdentity,
  ) {
    this.author = identity.author;
    this.readOnly = identity.readOnly ?? false;
    this.remoteAddress = identity.remoteAddress;
    this.user = identity.user ?? null;
    this.expiresAt = identity.expiresAt ?? null;
    this.commentPolicy = identity.commentPolicy ?? null;
    this.bucket = settings.rate ? new TokenBucket(settings.rate.messagesPerSecond, settings.rate.burst) : null;
    socket.binaryType = 'nodebuffer';
    connectionOf.set(socket, this);
    socket.on('message', onSocketMessage);
    socket.on('pong', onSocketPong);
    socket.on('close', onSocketClose);
    socket.on('error', onSocketError);
  }

  /** Joins the room: from here on the connection sends and receives. */
  start(): void {
    this.settings.logger.info(
      {
        room: this.room.name,
        remote: this.remoteAddress,
        user: this.user ?? undefined,
        readOnly: this.readOnly || undefined,
        commentsOnly: this.commentPolicy?.commentsOnly || undefined,
      },
      'connection open',
    );
    this.room.join(this);
    // After joining, so that an already expired token leaves the room through the usual close.
    this.scheduleExpiry();
  }

  /** A read-only peer sent an update: logged and told once per connection, then ignored. */
  writeRefused(): void {
    this.refuseUpdateOnce('update from a read-only connection ignored', 'read-only access: document updates are not accepted');
  }

  /** An update was not applied, stored or relayed: logged and told once per connection. */
  private refuseUpdateOnce(logLine: string, reason: string): void {
    if (!this.firstRefusal(Refusal.write)) return;
    this.settings.logger.warn({ room: this.room.name, remote: this.remoteAddress, user: this.user ?? undefined, reason }, logLine);
    // y-websocket clients understand this message (they log it); the connection stays open.
    this.send(encodePermissionDenied(reason));
  }

  /** What a verified user's update may write (comment-update-check.ts); null for everyone else. */
  updateRefusal(doc: Y.Doc, update: Uint8Array): string | null {
    return this.commentPolicy ? checkCommentUpdate(doc, update, this.commentPolicy) : null;
  }

  updateRefused(reason: string): void {
    this.refuseUpdateOnce(this.commentPolicy?.commentsOnly ? 'update from a comment-only connection refused' : 'update with comments refused', reason);
  }

  /** The peer tried to change presence another connection set: logged once, then ignored. */
  presenceRefused(): void {
    if (!this.firstRefusal(Refusal.presence)) return;
    this.settings.logger.warn(
      { room: this.room.name, remote: this.remoteAddress, user: this.user ?? undefined },
      'awareness entries set by another connection ignored (a connection changes only its own presence)',
    );
  }

  send(message: Uint8Array): void {
    if (this.closed) return;
    // A reader that cannot keep up is dropped instead of buffering without bound; it loses
    // nothing, since the sync on reconnect brings it up to date.
    if (this.socket.bufferedAmount + message.byteLength > this.settings.maxBufferedBytes) {
      this.close(CloseCode.tryAgainLater, 'too much data buffered toward a slow reader');
      return;
    }
    this.settings.metrics.messagesOut.inc();
    this.settings.metrics.bytesOut.inc(message.byteLength);
    this.socket.send(message);
  }

  /** Sends a ping, or ends a connection that never answered the previous one. */
  heartbeat(): void {
    if (!this.alive) {
      this.settings.logger.info({ room: this.room.name, remote: this.remoteAddress }, 'heartbeat missed, terminating');
      this.socket.terminate();
      this.finish(CloseCode.goingAway, 'heartbeat');
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.socket.close(code, reason);
    if (code === CloseCode.tryAgainLater) {
      // The close frame sits behind everything the slow reader has not read; do not hold that
      // memory for ws's 30 s close timeout. A reader that resumes soon still sees the 1013.
      setTimeout(() => this.socket.terminate(), SLOW_READER_GRACE_MS).unref();
    }
    // Leave the room now rather than at the close handshake: nothing more goes out.
    this.finish(code, reason);
  }

  /** A message from the socket (its listener above calls this). */
  receive(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (this.bucket && !this.bucket.take()) {
      this.settings.logger.warn(
        { room: this.room.name, remote: this.remoteAddress, user: this.user ?? undefined, rate: this.settings.rate },
        'closing connection over its message rate limit',
      );
      this.close(CloseCode.policyViolation, 'message rate limit exceeded');
      return;
    }
    if (!isBinary) {
      this.reject(new ProtocolError('text frames are not part of the protocol', CloseCode.unsupportedData, 'ERR_TEXT_FRAME'));
      return;
    }
    const bytes = data as Buffer;
    const { metrics } = this.settings;
    metrics.bytesIn.inc(bytes.byteLength);
    try {
      const message = decodeClientMessage(bytes);
      metrics.messagesIn.inc({ type: message.type });
      this.room.receive(this, message, bytes);
    } catch (error) {
      this.reject(error);
    }
  }

  /** The socket closed (its listener above calls this). */
  socketClosed(code: number): void {
    this.finish(code);
  }

  socketError(error: Error & { code?: string }): void {
    this.settings.logger.warn({ room: this.room.name, remote: this.remoteAddress, err: error.message, code: error.code }, 'connection error');
  }

  /** True the first time `refusal` happens on an open connection. */
  private firstRefusal(refusal: Refusal): boolean {
    if (this.closed || (this.refusalsReported & refusal) !== 0) return false;
    this.refusalsReported |= refusal;
    return true;
  }

  private reject(error: unknown): void {
    const protocolError = error instanceof ProtocolError ? error : null;
    const code = protocolError?.closeCode ?? CloseCode.internalError;
    const level = protocolError ? 'warn' : 'error';
    this.settings.logger[level](
      { room: this.room.name, remote: this.remoteAddress, code, err: (error as Error).message, errorCode: protocolError?.code },
      'closing connection on bad input',
    );
    this.close(code, protocolError ? protocolError.code : 'internal error');
  }

  /** Closes the connection with 4401 when its credentials expire. */
  private scheduleExpiry(): void {
    const { expiresAt } = this;
    if (expiresAt === null || this.closed) return;
    const delay = expiresAt - Date.now();
    if (delay <= 0) {
      this.settings.logger.info({ room: this.room.name, remote: this.remoteAddress, user: this.user ?? undefined }, 'token expired, closing');
      this.close(CloseCode.unauthorized, 'token expired');
      return;
    }
    this.expiryTimer = setTimeout(() => this.scheduleExpiry(), Math.min(delay, MAX_TIMER_MS));
    // The connection's socket keeps the process alive, not this timer.
    this.expiryTimer.unref();
  }

  private finish(code: number, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.socket.off('message', onSocketMessage);
    this.settings.metrics.closes.inc({ code: String(code) });
    this.settings.logger.info(
      { room: this.room.name, remote: this.remoteAddress, code, reason: reason || undefined, ms: Date.now() - this.openedAt },
      'connection closed',
    );
    this.settings.onClosed(this, code);
  }
}
