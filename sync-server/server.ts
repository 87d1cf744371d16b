/**
 * The Tandem server: one HTTP server on one port for the editor, the API, health, metrics and
 * the y-websocket rooms.
 *
 * Join flow: upgrade → validate the name (400) → connection limits (503) → origin allow-list
 * (403) → per-address cap (429) → authorize (401/403) → declared name, without a token's user (400)
 * → load the room, single-flight (the socket waits, so no sync is answered before the load)
 * → per-room limit (503) → WebSocket → sync step 1 and awareness.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { settledBefore } from '../persistence/deadline.js';
import type { SharedLog, Store } from '../persistence/store.js';
import type { BlobStore } from '../persistence/blobs.js';
import type { DocArchive } from '../persistence/archive.js';
import type { DocTrash } from '../persistence/trash.js';
import type { ServerConfig } from './config.js';
import { Connection, type ConnectionSettings } from './rooms/connection.js';
import { docNameFromRequestUrl } from './doc-name.js';
import { createHttpHandler, type RouteHandler } from './http/http-routes.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { CloseCode } from './protocol.js';
import { RoomRegistry, type Closure } from './rooms/room-registry.js';
import { TrashService } from './trash-service.js';
import type { Room } from './rooms/room.js';
import { UpgradeRefusal, refuseUpgrade } from './http/upgrade.js';
import { Admission } from './access/admission.js';
import { guardApiRequest } from './http/api-guard.js';
import { redactToken } from './access/auth.js';
import { openAccess, type Authorize, type Principal } from './access/principal.js';
import type { Bus } from './cluster/bus.js';
import { ClusterNode } from './cluster/cluster-node.js';
import { requestOrigin } from './access/origin-policy.js';
import { declaredAuthorOf } from './access/declared-name.js';

export interface TandemServerOptions {
  config: ServerConfig;
  store: Store;
  logger: Logger;
  authorize?: Authorize;
  /**
   * Checks that an `/api` request about no single document (the document list) carries valid
   * credentials; throws an `UpgradeRefusal` (401) otherwise. Absent = open. Requests about one
   * document go through `authorize` (see api-guard.ts).
   */
  authenticate?: (request: http.IncomingMessage) => Promise<unknown>;
  /** Origins the served editor build connects to besides its own (its sync server, when elsewhere). */
  editorConnectSources?: readonly string[];
  /** Builds the `/api` routes once the server's rooms exist. */
  api?: (server: TandemServer) => RouteHandler;
  /**
   * Makes this server one node of a cluster (sync-server/cluster/): the other nodes share `log`
   * (the store's database) and are reached through `bus`, which the server closes when it stops.
   */
  cluster?: { nodeId: string; bus: Bus; log: SharedLog };
  /** Where documents' files (images) are kept: the store's own (absent: uploads are refused). */
  blobs?: BlobStore;
  /** The store's trash: documents can then be deleted and restored (trash-service.ts). */
  trash?: DocTrash & DocArchive;
  /** The clock deletions are dated by and the trash purged by (default `Date.now`). */
  now?: () => number;
}

/** How long joins to a document another node deletes or replaces wait here. */
const CLUSTER_CLOSE_HOLD_MS = 3000;

export class TandemServer {
  readonly http: http.Server;
  readonly metrics: ServerMetrics;
  readonly rooms: RoomRegistry;
  /** This server as a node of a cluster; null when it runs alone. */
  readonly cluster: ClusterNode | null;
  readonly blobs: BlobStore | null;
  /** Deleting, restoring and purging documents; null when the store has no trash. */
  readonly trash: TrashService | null;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  /** Upgrades accepted but not yet connected; they count toward the connection limit. */
  private pendingUpgrades = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private readonly authorize: Authorize;
  private readonly admission: Admission;
  private readonly connectionSettings: ConnectionSettings;

  private constructor(private readonly options: TandemServerOptions) {
    const { config, store, logger } = options;
    this.authorize = options.authorize ?? openAccess;
    this.admission = new Admission(config, options.authorize === undefined);
    this.metrics = createMetrics({
      connections: () => this.connections.size,
      rooms: () => this.rooms.size,
      storeHealthy: () => store.health().ok,
    }, options.cluster?.nodeId ?? null);
    const cluster = options.cluster
      ? new ClusterNode({
          ...options.cluster,
          logger,
          registry: this.metrics.registry,
          presenceIntervalMs: config.presenceIntervalMs,
          closeClients: (doc, closure) => this.closeForAnotherNode(doc, closure),
        })
      : null;
    this.cluster = cluster;
    this.blobs = options.blobs ?? null;
    const blobs = this.blobs;
    this.rooms = new RoomRegistry(
      {
        store,
        durable: config.durable,
        presenceIntervalMs: config.presenceIntervalMs,
        maxDocumentBytes: config.limits.maxDocumentBytes,
        ...(blobs ? { fileBytes: (name: string) => blobs.blobBytes(name) } : {}),
        onStoreError: (error, room) => logger.error({ room: room.name, err: (error as Error).message }, 'store append failed'),
        ...(cluster ? { link: (room: Room) => cluster.attach(room) } : {}),
      },
      (name, error) => logger.error({ room: name, err: (error as Error).message }, 'room unload failed to flush'),
    );
    this.trash = options.trash
      ? new TrashService(this, options.trash, { trashDays: config.trashDays, now: options.now ?? Date.now, logger })
      : null;
    this.connectionSettings = {
      maxBufferedBytes: config.limits.maxBufferedBytes,
      metrics: this.metrics,
      logger,
      rate: { messagesPerSecond: config.limits.messagesPerSecond, burst: config.limits.messageBurst },
      onClosed: (closed) => {
        this.connections.delete(closed);
        closed.room.leave(closed);
        this.rooms.release(closed.room);
      },
    };
    // perMessageDeflate off: Yjs updates are small and binary; compression costs CPU per send.
    // clientTracking off: `connections` already tracks them (ws's own set costs a listener each).
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
    this.http = http.createServer(
      createHttpHandler({
        metrics: this.metrics,
        health: () => ({
          ...store.health(),
          serving: this.closing === null,
          ...(cluster ? { node: cluster.nodeId, bus: cluster.health() } : {}),
        }),
        api: options.api?.(this),
        guardApi: (req) =>
          guardApiRequest(req, {
            authorize: this.authorize,
            authenticate: options.authenticate ?? null,
            checkOrigin: (r) => this.admission.checkOrigin(r),
            checkWriteOrigin: (r) => this.admission.checkWriteOrigin(r),
          }),
        onApiRefused: (req, refusal) => {
          this.metrics.apiRefused.inc({ status: String(refusal.status) });
          const { origin, 'sec-fetch-site': site, 'content-type': type } = req.headers;
          logger.info(
            { remote: this.admission.clientAddress(req), method: req.method, url: redactToken(req.url), origin, site, type, status: refusal.status, reason: refusal.message },
            'api request refused',
          );
        },
        editorDir: config.editorDir,
        security: { frameAncestors: config.frameAncestors, connectSources: options.editorConnectSources ?? [] },
      }),
    );
    this.http.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.handleUpgrade(req, socket, head).catch((error: unknown) => {
        logger.error({ err: (error as Error).message }, 'upgrade failed');
        refuseUpgrade(socket, new UpgradeRefusal(500, 'internal error'));
      });
    });
  }

  /** Creates the server and starts listening; resolves once it accepts connections. */
  static async start(options: TandemServerOptions): Promise<TandemServer> {
    const server = new TandemServer(options);
    await new Promise<void>((resolve, reject) => {
      server.http.once('error', reject);
      server.http.listen(options.config.port, options.config.host, () => {
        server.http.off('error', reject);
        resolve();
      });
    });
    server.heartbeat = setInterval(() => {
      for (const connection of server.connections) connection.heartbeat();
    }, options.config.heartbeatMs);
    server.heartbeat.unref();
    server.trash?.start();
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** `http://host:port` as a client would use it. */
  get url(): string {
    const address = this.http.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  get limits(): ServerConfig['limits'] {
    return this.options.config.limits;
  }

  /** The origin a request was made to, as browsers see it (behind a trusted proxy: its forwarded one). */
  publicOrigin(request: http.IncomingMessage): string | null {
    return requestOrigin(request, this.options.config.trustProxy);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Whether `request`'s credentials may read `docName` (for filtering document lists). */
  async canRead(request: http.IncomingMessage, docName: string): Promise<boolean> {
    try {
      await this.authorize(request, docName);
      return true;
    } catch (error) {
      if (error instanceof UpgradeRefusal) return false;
      throw error;
    }
  }

  /** Logs a failure of an API route that has already begun its answer (it cannot send an error). */
  logError(message: string, error: unknown): void {
    this.options.logger.error({ err: (error as Error).message }, message);
  }

  /** Who `request` is for `docName`, as `authorize` says (for a request already let through). */
  principal(request: http.IncomingMessage, docName: string): Promise<Principal> {
    return this.authorize(request, docName);
  }

  /** The limits on imported files and the documents they make. */
  get importLimits(): { maxImportBytes: number; maxDocumentBytes: number } {
    return { maxImportBytes: this.options.config.maxImportBytes, maxDocumentBytes: this.options.config.limits.maxDocumentBytes };
  }

  /** Closes every connection to document `name` (deleted, or replaced); returns how many. */
  closeConnections(name: string, closure: Closure): number {
    let closed = 0;
    for (const connection of [...this.connections]) {
      if (connection.room.name !== name) continue;
      connection.close(closure.code, closure.reason);
      closed += 1;
    }
    return closed;
  }

  /**
   * Another node of the cluster deletes or replaces `name`: its connections here are closed,
   * and new joins wait for as long as that node may take to finish (it waits for this node to
   * let go of the document first); those already past loading it are closed the same way.
   */
  private closeForAnotherNode(name: string, closure: Closure): void {
    let reopen: (() => void) | null = null;
    try {
      reopen = this.rooms.close(name, closure);
    } catch {
      // Closed already, by a delete or restore of this node's own.
    }
    this.closeConnections(name, closure);
    if (reopen) setTimeout(reopen, CLUSTER_CLOSE_HOLD_MS).unref();
  }

  /**
   * Stop accepting, make everything durable, close every socket with 1001. Idempotent.
   * Waits at most `shutdownTimeoutMs` for writes (a failing disk retries forever); past it,
   * rejects with the store's `StoreNotDurableError` naming what is not durable.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const { store, logger, config } = this.options;
    const deadline = AbortSignal.timeout(config.shutdownTimeoutMs);
    if (this.heartbeat) clearInterval(this.heartbeat);
    // A sweep of the trash under way may be waiting on the same failing disk or database.
    if (this.trash) await settledBefore(this.trash.stop(), deadline);
    const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const rooms = await this.rooms.loadedRooms();
    const durable = await settledBefore(Promise.all(rooms.map((room) => room.whenDurable())).then(() => store.flush()), deadline);
    for (const connection of [...this.connections]) connection.close(CloseCode.goingAway, 'server shutting down');
    // Unloading waits for the rooms' writes: only worth waiting for if they went through.
    if (durable) await settledBefore(this.rooms.settle(), deadline);
    // Bounded by itself: a Redis that is gone is not waited for.
    await this.cluster?.close();
    let failure: unknown = null;
    try {
      await store.close(deadline);
    } catch (error) {
      failure = error;
    }
    this.http.closeAllConnections();
    await stopped;
    this.wss.close();
    if (failure) {
      logger.error({ err: (failure as Error).message, pending: (failure as { pending?: unknown }).pending }, `shutdown: ${(failure as Error).message}`);
      throw failure;
    }
    logger.info('server stopped');
  }

  private async handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { config, logger } = this.options;
    const remote = this.admission.clientAddress(req);
    const refuse = (refusal: UpgradeRefusal): void => {
      this.metrics.upgradesRefused.inc({ status: String(refusal.status) });
      logger.info({ remote, url: redactToken(req.url), status: refusal.status, reason: refusal.message }, 'upgrade refused');
      refuseUpgrade(socket, refusal);
    };
    // Until ws owns the socket, an error on it (client reset) must not crash the process.
    const onEarlyError = (): void => void socket.destroy();
    socket.on('error', onEarlyError);

    if (this.closing) return refuse(new UpgradeRefusal(503, 'server is shutting down'));
    const parsed = docNameFromRequestUrl(req.url);
    if (!parsed.ok) return refuse(new UpgradeRefusal(400, `invalid document name: ${parsed.reason}`));
    if (this.connections.size + this.pendingUpgrades >= config.limits.maxConnections) {
      return refuse(new UpgradeRefusal(503, 'server is at its connection limit', { 'Retry-After': '5' }));
    }
    const admissionRefusal = this.admission.admitUpgrade(req, socket, remote);
    if (admissionRefusal) return refuse(admissionRefusal);

    this.pendingUpgrades += 1;
    let room: Room | null = null;
    try {
      const authorized = await this.authorize(req, parsed.name);
      const principal = { ...authorized, author: authorized.author ?? declaredAuthorOf(req.url) };
      room = await this.rooms.acquire(parsed.name);
      if (room.size >= config.limits.maxConnectionsPerRoom) {
        throw new UpgradeRefusal(503, 'document is at its connection limit', { 'Retry-After': '5' });
      }
      if (this.closing || socket.destroyed) throw new UpgradeRefusal(503, 'connection went away during the upgrade');
      const joined = room;
      // ws may refuse the handshake itself (bad headers) and never call back: release then.
      // Removed once connected: a listener left on the socket would keep this whole upgrade
      // scope (the request and its headers) alive for the connection's lifetime.
      const releaseUnconnected = (): void => this.rooms.release(joined);
      socket.once('close', releaseUnconnected);
      socket.off('error', onEarlyError);
      this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        socket.off('close', releaseUnconnected);
        this.connect(ws, joined, principal, remote);
      });
    } catch (error) {
      if (room) this.rooms.release(room);
      if (error instanceof UpgradeRefusal) return refuse(error);
      logger.error({ remote, url: redactToken(req.url), err: (error as Error).message }, 'could not load document');
      return refuse(new UpgradeRefusal(503, 'document could not be loaded, try again later', { 'Retry-After': '5' }));
    } finally {
      this.pendingUpgrades -= 1;
    }
  }

  private connect(ws: WebSocket, room: Room, principal: Principal, remoteAddress: string): void {
    // The document was deleted (or is being replaced) while this connection was joining.
    const closed = this.rooms.closedReason(room.name);
    if (closed) {
      ws.close(closed.code, closed.reason);
      this.rooms.release(room);
      return;
    }
    const readOnly = principal.readOnly ?? false;
    // The room ignores a viewer's updates; a commenter's reach it through the comment check.
    const viewer = readOnly && !principal.mayComment;
    const connection = new Connection(ws, room, this.connectionSettings, {
      remoteAddress,
      author: principal.author,
      readOnly: viewer,
      commentPolicy: principal.verifiedUser && !viewer ? { commentsOnly: readOnly, user: principal.verifiedUser } : null,
      expiresAt: principal.expiresAt ?? null,
      user: principal.userId ?? null,
    });
    this.connections.add(connection);
    connection.start();
  }
}
