/**
 * The app's URLs. A document's page is `/d/<encodeURIComponent(name)>`, its WebSocket room
 * `/<encodeURIComponent(name)>` and its API `/api/docs/<encodeURIComponent(name)>/...`: the
 * name is always one path segment, whatever characters it holds.
 */

/** Why a document name is not valid (1–512 UTF-8 bytes, no control characters), or null. */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'Type a name for the document.';
  if (new TextEncoder().encode(name).length > 512) return 'That name is too long (512 bytes at most).';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'Names cannot contain control characters.';
  return null;
}

export type Route = { page: 'home' } | { page: 'document'; name: string } | { page: 'not-found' };

export function routeFromPath(pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'home' };
  const match = /^\/d\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1]) {
    try {
      return { page: 'document', name: decodeURIComponent(match[1]) };
    } catch {
      return { page: 'not-found' };
    }
  }
  return { page: 'not-found' };
}

/** The page of a document. Links never carry a token: the tab keeps it (token.ts). */
export function documentHref(name: string): string {
  return `/d/${encodeURIComponent(name)}`;
}

export function homeHref(): string {
  return '/';
}

/** The link to share: the document's page, without the sender's own token. */
export function shareableUrl(name: string, origin: string): string {
  return origin + documentHref(name);
}

/**
 * Base URL of the sync server. The built editor is served by `tandem serve`, so rooms live on
 * the page's own origin; the dev server proxies them under a prefix (see vite.config.ts), and
 * `VITE_TANDEM_SYNC_URL` at build time can point the editor at another server.
 */
export function syncServerUrl(location: Location): string {
  const configured: unknown = import.meta.env['VITE_TANDEM_SYNC_URL'];
  if (typeof configured === 'string' && configured !== '') return configured;
  const prefix: unknown = import.meta.env['VITE_TANDEM_SYNC_PREFIX'];
  const origin = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`;
  return typeof prefix === 'string' ? origin + prefix : origin;
}
