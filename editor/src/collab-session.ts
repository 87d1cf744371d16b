/**
 * One open document in the browser: its `Y.Doc`, kept in IndexedDB for offline work and synced
 * with the server over y-websocket, plus what the page shows about that connection.
 *
 * Order matters on open: the local copy is loaded from IndexedDB first and only then does the
 * socket connect, so edits made offline in an earlier visit go out in the first sync and are
 * covered by the first save confirmation.
 */
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { IndexeddbPersistence } from 'y-indexeddb';
import { LocalWriteStash, forgetStashes } from './local-write-stash.js';
import { SaveTracker } from './save-tracker.js';
import { roomOf } from './routes.js';

export type ConnectionState = 'connecting' | 'live' | 'offline' | 'denied';

export interface SessionStatus {
  connection: ConnectionState;
  /** Whether the document has synced with the server at least once on this page. */
  everSynced: boolean;
  /** This browser's changes not yet confirmed saved by the server. */
  pending: number;
  /** Why the server refused the connection, when it did. */
  deniedReason: string | null;
  /** The close code it refused it with, when it closed a live connection (4410: the document was deleted). */
  deniedCode: number | null;
}

export interface SessionOptions {
  name: string;
  serverUrl: string;
  token: string | null;
  /**
   * The name people chose, sent as the WebSocket URL's `name` parameter when there is no token:
   * the server records it, marked self-declared, as the author of this connection's changes.
   */
  declaredName: string | null;
  storage: Storage;
  /**
   * Asked when a connection attempt fails before opening. A refused upgrade (no or bad token,
   * no access) looks like any network failure to a browser; this says why, or null if unknown.
   */
  checkAccess?: () => Promise<string | null>;
}

/** Ask `checkAccess` at most this often while connections keep failing. */
const ACCESS_CHECK_INTERVAL_MS = 10_000;

/** How long to wait for IndexedDB before connecting anyway (it can be blocked or broken). */
const LOCAL_LOAD_TIMEOUT_MS = 1500;

export class CollabSession {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  readonly local: IndexeddbPersistence;
  readonly saves: SaveTracker;
  private readonly stash: LocalWriteStash;
  private status: SessionStatus = { connection: 'connecting', everSynced: false, pending: 0, deniedReason: null, deniedCode: null };
  private readonly listeners = new Set<(status: SessionStatus) => void>();
  private readonly cleanups: (() => void)[] = [];
  private destroyed = false;
  private lastAccessCheck = 0;

  constructor(private readonly options: SessionOptions) {
    const { name, serverUrl, token, storage, declaredName } = options;
    this.local = new IndexeddbPersistence(`tandem:${name}`, this.doc);
    this.provider = new WebsocketProvider(serverUrl, roomOf(name), this.doc, {
      connect: false,
      params: token ? { token } : declaredName ? { name: declaredName } : {},
      // The server closes with 4401/4403 when the token is refused; retrying cannot help.
      shouldReconnect: (event) => !(event.code >= 4400 && event.code < 4500),
    });
    // Before connecting: what an earlier page could not write to IndexedDB goes out in the first sync.
    this.stash = new LocalWriteStash(this.doc, this.local, this.provider, storage, name);
    this.saves = new SaveTracker(this.doc, this.provider, [this.provider, this.local], storage, `tandem:pending:${name}`);
    this.status.pending = this.saves.pending;

    this.provider.on('status', () => this.refresh());
    this.provider.on('sync', (synced: boolean) => {
      if (synced) this.status.everSynced = true;
      this.refresh();
    });
    // 4401/4403 on a live connection (e.g. the token expired): the provider stops by itself.
    this.provider.on('closed', (event) => this.deny(event.reason || `the server closed the connection (${event.code})`, event.code));
    this.provider.on('connection-close', (event) => {
      const { checkAccess } = options;
      if (event === null || this.provider.wsconnected || !checkAccess) return;
      if (Date.now() - this.lastAccessCheck < ACCESS_CHECK_INTERVAL_MS) return;
      this.lastAccessCheck = Date.now();
      void checkAccess().then((reason) => {
        if (reason !== null) this.deny(reason);
      });
    });
    this.cleanups.push(this.saves.onChange(() => this.refresh()));
    this.listenToNetwork();
    this.connectAfterLocalLoad();
  }

  get current(): SessionStatus {
    return { ...this.status };
  }

  /**
   * A new chosen name: changes sent from now on are recorded under it. The server takes the
   * name when a connection opens, so an open one is made again (with a token the token's
   * user is recorded, and nothing changes).
   */
  declareName(declaredName: string): void {
    const params = this.provider.params as Record<string, string>;
    if ('token' in params || params['name'] === declaredName) return;
    this.provider.params = { ...params, name: declaredName };
    if (this.provider.wsconnected || this.provider.wsconnecting) {
      this.provider.disconnect();
      this.provider.connect();
    }
  }

  onStatus(listener: (status: SessionStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stash.destroy();
    for (const cleanup of this.cleanups) cleanup();
    this.listeners.clear();
    this.saves.destroy();
    this.provider.destroy();
    void this.local.destroy();
    this.doc.destroy();
  }

  /**
   * The document is gone from the server (deleted): stops syncing and keeps nothing of it in
   * this browser — its IndexedDB copy, unsaved-change stashes and pending count — so that a new
   * document of that name never receives the deleted one's content. The page keeps showing it.
   */
  async forgetLocalCopy(): Promise<void> {
    const { storage, name } = this.options;
    this.provider.disconnect();
    this.stash.destroy();
    this.saves.destroy();
    await this.local.clearData();
    try {
      storage.removeItem(`tandem:pending:${name}`);
    } catch {
      // Storage unavailable: nothing was kept there.
    }
    forgetStashes(storage, name);
  }

  /** Stops reconnecting: trying again cannot help until the user has another link. */
  private deny(reason: string, code: number | null = null): void {
    if (this.destroyed) return;
    this.status.deniedReason = reason;
    this.status.deniedCode = code;
    this.provider.disconnect();
    this.refresh();
  }

  private connectAfterLocalLoad(): void {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, LOCAL_LOAD_TIMEOUT_MS));
    void Promise.race([this.local.whenSynced.then(() => undefined), timeout]).then(() => {
      if (!this.destroyed && navigator.onLine) this.provider.connect();
      this.refresh();
    });
  }

  /** The browser knows first when the network goes away; don't wait for a socket timeout. */
  private listenToNetwork(): void {
    const offline = (): void => {
      this.provider.disconnect();
      this.refresh();
    };
    const online = (): void => {
      if (this.status.deniedReason === null) this.provider.connect();
      this.refresh();
    };
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    this.cleanups.push(() => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
    });
  }

  private refresh(): void {
    if (this.destroyed) return;
    const { provider } = this;
    let connection: ConnectionState;
    if (this.status.deniedReason !== null) connection = 'denied';
    else if (provider.wsconnected && provider.synced) connection = 'live';
    else if (!navigator.onLine || this.status.everSynced) connection = 'offline';
    else connection = 'connecting';
    this.status = { ...this.status, connection, pending: this.saves.pending };
    for (const listener of this.listeners) listener(this.current);
  }
}
