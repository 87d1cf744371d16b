/**
 * Early, cheap checks on a WebSocket upgrade or an `/api` call before any token is verified or
 * document loaded: the origin rules (403) and the per-address connection cap (429).
 *
 * Invariant: an admitted upgrade holds one slot of its address until its TCP socket closes —
 * whether it was refused later, failed the handshake or lived as a WebSocket — so the count
 * is exactly the number of sockets from that address the server is holding.
 *
 * Loopback clients are not capped: they are local tools, tests and benchmarks — or a reverse
 * proxy on the same machine without `trustProxy`, where capping would cap the whole site.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerConfig } from '../config.js';
import { AddressCounter, addressKey, clientAddress, isLoopbackHost } from './client-address.js';
import { originAllowed, writeOriginProblem } from './origin-policy.js';
import { UpgradeRefusal } from '../http/upgrade.js';

/** Seconds a client over its address cap is told to wait. */
const RETRY_AFTER_SECONDS = '10';

export class Admission {
  private readonly perAddress = new AddressCounter();

  constructor(
    private readonly config: ServerConfig,
    /**
     * No credentials are asked for (no token key). A browser joins rooms with whatever the
     * network lets it reach, so any page it visits could read and change every document:
     * without an allow-list, browser upgrades must then come from the server's own origin.
     * Tokens are not ambient (a page has to hold one to send it), so with them the open
     * default of stock y-websocket servers stays.
     */
    private readonly openAccess: boolean,
  ) {}

  clientAddress(req: IncomingMessage): string {
    return clientAddress(req, this.config.trustProxy);
  }

  /** A 403 refusal when a browser request comes from an origin not on the allow-list. */
  checkOrigin(req: IncomingMessage): UpgradeRefusal | null {
    if (originAllowed(req.headers.origin, this.config.allowedOrigins)) return null;
    return new UpgradeRefusal(403, 'origin not allowed');
  }

  /** A 403 refusal when a browser request that changes data comes from another site. */
  checkWriteOrigin(req: IncomingMessage): UpgradeRefusal | null {
    const problem = writeOriginProblem(req, this.config.allowedOrigins, this.config.trustProxy);
    return problem === null ? null : new UpgradeRefusal(403, problem);
  }

  /** A 403 refusal when a browser may not join a room from its origin (see `openAccess`). */
  checkUpgradeOrigin(req: IncomingMessage): UpgradeRefusal | null {
    if (!this.openAccess || this.config.allowedOrigins.length > 0) return this.checkOrigin(req);
    const problem = writeOriginProblem(req, this.config.allowedOrigins, this.config.trustProxy);
    return problem === null ? null : new UpgradeRefusal(403, `${problem} (without tokens, list the origins of other apps with --allowed-origin)`);
  }

  /** Origin and per-address cap; on success the address slot is released when `socket` closes. */
  admitUpgrade(req: IncomingMessage, socket: Duplex, address: string): UpgradeRefusal | null {
    const originRefusal = this.checkUpgradeOrigin(req);
    if (originRefusal) return originRefusal;
    if (isLoopbackHost(address)) return null;
    const key = addressKey(address);
    if (!this.perAddress.tryAdd(key, this.config.limits.maxConnectionsPerIp)) {
      return new UpgradeRefusal(429, 'too many connections from this address', { 'Retry-After': RETRY_AFTER_SECONDS });
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.perAddress.remove(key);
    };
    if (socket.destroyed) release();
    else socket.once('close', release);
    return null;
  }

  /** Connections (and upgrades in progress) counted for `address` right now. */
  connectionsFrom(address: string): number {
    return this.perAddress.count(addressKey(address));
  }
}
