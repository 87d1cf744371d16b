/**
 * The browser origin allow-list. Browsers attach `Origin` to every WebSocket upgrade and to
 * cross-origin (and most same-origin non-GET) requests, and a page cannot forge it; other
 * clients (scripts, native editors) send none and can send anything, so a missing `Origin` is
 * not a reason to refuse — tokens are what keep non-browser clients out.
 *
 * Invariant: with an empty list every origin passes (open default, like stock y-websocket);
 * with a list, a browser request passes only when its origin is listed exactly (after
 * normalization) or the list holds `*`.
 */

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
