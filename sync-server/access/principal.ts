/**
 * The access-control seam: who a request is, as `authorize` decides at the upgrade and for
 * `/api` calls about one document. The server, the token access and the API guard all speak
 * these types; nothing here knows how a principal is established.
 */
import type http from 'node:http';

/** Who is connecting, as decided by `authorize`. */
export interface Principal {
  /** Recorded as the author of this connection's changes; null when unknown. */
  author: string | null;
  /** A viewer: receives sync and presence, may send presence, never changes the document's text. */
  readOnly?: boolean;
  /** A read-only principal that may still add, answer and resolve comments (the `comment` role). */
  mayComment?: boolean;
  /**
   * The user credentials vouch for (a token's `sub` and `name`): every comment this connection
   * writes must name exactly this author. Null when nobody vouches (open access: names are
   * whatever people call themselves).
   */
  verifiedUser?: { id: string; name: string } | null;
  /** When the credentials expire (ms since the epoch); a live connection is closed with 4401. */
  expiresAt?: number | null;
  /** For log lines. */
  userId?: string | null;
  displayName?: string | null;
}

/** The access-control seam: resolve to a principal or throw an `UpgradeRefusal` (401/403). */
export type Authorize = (request: http.IncomingMessage, docName: string) => Promise<Principal>;

export const openAccess: Authorize = async () => ({ author: null });
