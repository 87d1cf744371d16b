/**
 * The browser origin allow-list. Browsers attach `Origin` to every WebSocket upgrade and to
 * cross-origin (and most same-origin non-GET) requests, and a page cannot forge it; other
 * clients (scripts, native editors) send none and can send anything, so a missing `Origin` is
 * not a reason to refuse — tokens are what keep non-browser clients out.
 *
 * Two rules:
 * - `originAllowed` (WebSocket upgrades and every `/api` call): with an empty list every origin
 *   passes (open default, like stock y-websocket); with a list, a browser request passes only
 *   when its origin is listed exactly (after normalization) or the list holds `*`.
 * - `writeOriginProblem` (state-changing `/api` calls): a browser request must come from the
 *   server's own origin or a listed one, whatever the list's default.
 */
import type { IncomingMessage } from 'node:http';
import { lastForwardedEntry } from './client-address.js';

export const ANY_ORIGIN = '*';

/** `https://Docs.Example.com:443/` → `https://docs.example.com`; null when not an http(s) origin. */
export function normalizeOrigin(value: string): string | null {
  const trimmed = value.trim();
  if (trimmed === ANY_ORIGIN) return ANY_ORIGIN;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // An origin has no path, query or credentials; refuse anything that looks like a full URL.
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) return null;
  return url.origin;
}

export function originAllowed(origin: string | string[] | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0 || allowed.includes(ANY_ORIGIN)) return true;
  if (origin === undefined) return true;
  // Several Origin headers is not something a browser sends.
  if (Array.isArray(origin)) return false;
  const normalized = normalizeOrigin(origin);
  // `Origin: null` (sandboxed frames, file://) never matches a listed origin.
  return normalized !== null && normalized !== ANY_ORIGIN && allowed.includes(normalized);
}

/**
 * The origin a request was made to: `http(s)://` + its `Host`. Behind a TLS proxy Tandem itself
 * speaks plain HTTP, so with `trustProxy` the proxy's `X-Forwarded-Proto` and `X-Forwarded-Host`
 * (last entries) say what the browser used. Null when the request names no usable host.
 */
export function requestOrigin(req: IncomingMessage, trustProxy: boolean): string | null {
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  let scheme = encrypted ? 'https' : 'http';
  let host = req.headers.host;
  if (trustProxy) {
    const proto = lastForwardedEntry(req.headers['x-forwarded-proto'])?.toLowerCase();
    if (proto === 'http' || proto === 'https') scheme = proto;
    host = lastForwardedEntry(req.headers['x-forwarded-host']) ?? host;
  }
  if (!host) return null;
  const origin = normalizeOrigin(`${scheme}://${host}`);
  return origin === ANY_ORIGIN ? null : origin;
}

/**
 * Why a browser may not change data with this request, or null when it may. Stricter than
 * `originAllowed`: an empty allow-list does not mean "any" here. A request passes when
 *   - it carries no `Origin` and no cross-site `Sec-Fetch-Site` (scripts, the CLI, curl), or
 *   - its `Origin` is on the allow-list (or the list holds `*`), or
 *   - its `Origin` is the origin it was made to (`requestOrigin`), or
 *   - the browser marks it `Sec-Fetch-Site: same-origin` (pages cannot set `Sec-` headers; this
 *     covers a proxy that passes neither the public Host nor the scheme).
 */
export function writeOriginProblem(req: IncomingMessage, allowed: readonly string[], trustProxy: boolean): string | null {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (origin === undefined) {
    return site === 'cross-site' || site === 'same-site' ? `a ${site} browser request may not change data` : null;
  }
  if (Array.isArray(origin)) return 'several Origin headers';
  const normalized = normalizeOrigin(origin);
  if (normalized === null || normalized === ANY_ORIGIN) return `origin ${JSON.stringify(origin)} may not change data`;
  if (allowed.includes(ANY_ORIGIN) || allowed.includes(normalized)) return null;
  const own = requestOrigin(req, trustProxy);
  if (normalized === own || site === 'same-origin') return null;
  return `origin ${normalized} may not change data here: only ${own ?? "this server's own origin"} and --allowed-origin may`;
}
