/**
 * One client's WebSocket in one room: decodes what arrives, enforces the per-connection
 * limits, and closes itself with the right code when the client misbehaves.
 */
import type { WebSocket, RawData } from 'ws';
import type { Logger } from 'pino';
import { CloseCode, ProtocolError, decodeClientMessage, encodePermissionDenied } from './protocol.js';
import { TokenBucket } from './rate-limit.js';
import type { Room, RoomPeer } from './room.js';
import type { ServerMetrics } from './metrics.js';

const SLOW_READER_GRACE_MS = 2000;

export interface ConnectionOptions {
  maxBufferedBytes: number;
  metrics: ServerMetrics;
  logger: Logger;
  remoteAddress: string;
  author: string | null;
  /** A viewer: its document updates are ignored. */
  readOnly?: boolean;
  /** When the credentials expire (ms since the epoch): the connection is closed with 4401. */
  expiresAt?: number | null;
  /** Who is connected, for the log lines. */
  user?: string | null;
  /** Token bucket for incoming messages; above it the connection is closed with 1008. */
  rate?: { messagesPerSecond: number; burst: number };
}

/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days): longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Connection implements RoomPeer {
  readonly awarenessClientIds = new Set<number>();
  readonly author: string | null;
  readonly readOnly: boolean;
  /** Cleared on every ping, set by the pong: still false at the next ping means dead. */
  alive = true;
  private closed = false;
  private readonly openedAt = Date.now();
  private readonly bucket: TokenBucket | null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private writeRefusalReported = false;

  constructor(
    private readonly socket: WebSocket,
    readonly room: Room,
    private readonly options: ConnectionOptions,
    private readonly onClosed: (connection: Connection, code: number) => void,
  ) {
    this.author = options.author;
    this.readOnly = options.readOnly ?? false;
    this.bucket = options.rate ? new TokenBucket(options.rate.messagesPerSecond, options.rate.burst) : null;
    socket.binaryType = 'nodebuffer';
    socket.on('message', this.onMessage);
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', (code: number) => this.finish(code));
    // ws reports protocol violations (oversize frames, bad opcodes) here and then closes the
    // socket itself with the matching code (1009, 1002); 'close' follows.
    socket.on('error', (error: Error & { code?: string }) => {
      this.options.logger.warn({ room: room.name, remote: options.remoteAddress, err: error.message, code: error.code }, 'connection error');
    });
  }

  /** Joins the room: from here on the connection sends and receives. */
  start(): void {
    this.options.logger.info(
      { room: this.room.name, remote: this.options.remoteAddress, user: this.options.user ?? undefined, readOnly: this.readOnly || undefined },
      'connection open',
    );
    this.room.join(this);
    // After joining, so that an already expired token leaves the room through the usual close.
    this.scheduleExpiry();
  }

  /** A read-only peer sent an update: logged and told once per connection, then ignored. */
  writeRefused(): void {
    if (this.writeRefusalReported || this.closed) return;
    this.writeRefusalReported = true;
    this.options.logger.warn(
      { room: this.room.name, remote: this.options.remoteAddress, user: this.options.user ?? undefined },
      'update from a read-only connection ignored',
    );
    // y-websocket clients understand this message (they log it); the connection stays open.
    this.send(encodePermissionDenied('read-only access: document updates are not accepted'));
  }

  send(message: Uint8Array): void {
    if (this.closed) return;
    // A reader that cannot keep up is dropped instead of buffering without bound; it loses
    // nothing, since the sync on reconnect brings it up to date.
    if (this.socket.bufferedAmount + message.byteLength > this.options.maxBufferedBytes) {
      this.close(CloseCode.tryAgainLater, 'too much data buffered toward a slow reader');
      return;
    }
    this.options.metrics.messagesOut.inc();
    this.options.metrics.bytesOut.inc(message.byteLength);
    this.socket.send(message);
  }

  /** Sends a ping, or ends a connection that never answered the previous one. */
  heartbeat(): void {
    if (!this.alive) {
      this.options.logger.info({ room: this.room.name, remote: this.options.remoteAddress }, 'heartbeat missed, terminating');
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

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
    if (this.closed) return;
    if (this.bucket && !this.bucket.take()) {
      this.options.logger.warn(
        { room: this.room.name, remote: this.options.remoteAddress, user: this.options.user ?? undefined, rate: this.options.rate },
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
    const { metrics } = this.options;
    metrics.bytesIn.inc(bytes.byteLength);
    try {
      const message = decodeClientMessage(bytes);
      metrics.messagesIn.inc({ type: message.type });
      this.room.receive(this, message, bytes);
    } catch (error) {
      this.reject(error);
    }
  };

  private reject(error: unknown): void {
    const protocolError = error instanceof ProtocolError ? error : null;
    const code = protocolError?.closeCode ?? CloseCode.internalError;
    const level = protocolError ? 'warn' : 'error';
    this.options.logger[level](
      { room: this.room.name, remote: this.options.remoteAddress, code, err: (error as Error).message, errorCode: protocolError?.code },
      'closing connection on bad input',
    );
    this.close(code, protocolError ? protocolError.code : 'internal error');
  }

  /** Closes the connection with 4401 when its credentials expire. */
  private scheduleExpiry(): void {
    const { expiresAt } = this.options;
    if (expiresAt === undefined || expiresAt === null || this.closed) return;
    const delay = expiresAt - Date.now();
    if (delay <= 0) {
      this.options.logger.info({ room: this.room.name, remote: this.options.remoteAddress, user: this.options.user ?? undefined }, 'token expired, closing');
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
    this.socket.off('message', this.onMessage);
    this.options.metrics.closes.inc({ code: String(code) });
    this.options.logger.info(
      { room: this.room.name, remote: this.options.remoteAddress, code, reason: reason || undefined, ms: Date.now() - this.openedAt },
      'connection closed',
    );
    this.onClosed(this, code);
  }
}
