/**
 * Access control for `/api/...`, applied before any API route runs so the routes need not
 * know about tokens:
 *
 *   /api/docs/<encodeURIComponent(name)>/...   authorize(request, name); a read-only
 *                                              principal (viewers and commenters) may only
 *                                              GET/HEAD (else 403)
 *
 * The name in the path is one segment, decoded once, then read as `parseDocName` reads a
 * typed name: its readable form (`a%20b` and `a b` are one document, as for stock clients).
 *   any other /api path (e.g. GET /api/docs)   authenticate(request): a valid token
 *
 * Before those, in this order, so that a cross-site request is refused before any token is
 * looked at:
 *   every call            the origin allow-list (403)
 *   state-changing calls  (any method but GET, HEAD, OPTIONS) a browser `Origin` must be the
 *                         server's own or listed (403), and the body must have a type no form
 *                         can send (415, body-type.ts; DELETE has no body)
 *
 * Reads are not held to the same-origin rule: they change nothing, and a page on another
 * origin cannot read the answer (Tandem sends no CORS headers; `nosniff` and
 * `Cross-Origin-Resource-Policy` keep it from being loaded as a script or an image).
 *
 * The document list is filtered per document by the route itself through
 * `TandemServer.canRead`, which uses the same `authorize` seam.
 */
import type { IncomingMessage } from 'node:http';
import { parseDocName } from '../doc-name.js';
import type { Authorize } from '../access/principal.js';
import { formBodyRefusal } from './body-type.js';
import { UpgradeRefusal } from './upgrade.js';

export interface ApiGuardOptions {
  authorize: Authorize;
  /** Throws an `UpgradeRefusal` when the request has no valid credentials; null = open. */
  authenticate: ((req: IncomingMessage) => Promise<unknown>) | null;
  checkOrigin(req: IncomingMessage): UpgradeRefusal | null;
  /** The stricter origin rule for calls that change data. */
  checkWriteOrigin(req: IncomingMessage): UpgradeRefusal | null;
}

const READ_METHODS = new Set(['GET', 'HEAD']);
/** Methods that change nothing: every other one is held to the cross-site rules. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function isStateChanging(method: string | undefined): boolean {
  return !SAFE_METHODS.has(method ?? 'GET');
}

/** The document a `/api/docs/<name>/...` path is about; undefined for other paths. */
export function apiDocName(path: string): { ok: true; name: string } | { ok: false; reason: string } | undefined {
  const match = /^\/api\/docs\/([^/]+)/.exec(path);
  if (!match?.[1]) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(match[1]);
  } catch {
    return { ok: false, reason: 'the document name in the path must be encodeURIComponent(name)' };
  }
  return parseDocName(name);
}

/** Resolves to a refusal to send, or null to let the API answer. */
export async function guardApiRequest(req: IncomingMessage, options: ApiGuardOptions): Promise<UpgradeRefusal | null> {
  const originRefusal = options.checkOrigin(req);
  if (originRefusal) return originRefusal;
  if (isStateChanging(req.method)) {
    // A DELETE has no body, and browsers send one across origins only after a CORS preflight
    // (which Tandem never grants): the origin rule is its guard.
    const crossSite = options.checkWriteOrigin(req) ?? (req.method === 'DELETE' ? null : formBodyRefusal(req));
    if (crossSite) return crossSite;
  }
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  const doc = apiDocName(path);
  try {
    if (doc === undefined) {
      await options.authenticate?.(req);
      return null;
    }
    if (!doc.ok) return new UpgradeRefusal(400, `invalid document name: ${doc.reason}`);
    const principal = await options.authorize(req, doc.name);
    if (principal.readOnly && !READ_METHODS.has(req.method ?? 'GET')) {
      return new UpgradeRefusal(403, principal.mayComment ? 'this token may only comment' : 'this token is read-only');
    }
    return null;
  } catch (error) {
    if (error instanceof UpgradeRefusal) return error;
    throw error;
  }
}
