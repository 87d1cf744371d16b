/**
 * The app's URLs. A document's WebSocket room is its path key (sync-server/doc-name.ts) — the
 * path a stock y-websocket client given the same name joins — and its page is `/d/<path key>`,
 * so a link reads like the room. Its API is `/api/docs/<encodeURIComponent(name)>/...`
 * (api-client.ts): there the name is one path segment, whatever it holds.
 */
import { parseDocName, pathKeyOf, pathKeyOfTarget, readableName, type DocNameProblem } from '../../sync-server/doc-name.js';

const PROBLEMS: Record<DocNameProblem, string> = {
  empty: 'Type a name for the document.',
  'too-long': 'That name is too long (512 bytes at most).',
  'not-utf8': 'That name is not valid text.',
  control: 'Names cannot contain control characters.',
  'dot-segment': 'A name cannot have “.” or “..” between slashes: web addresses drop those parts.',
  'not-a-path': 'That is not a document address.',
};

/** Why a document name is not valid (see doc-name.ts), or null. */
export function nameProblem(name: string): string | null {
  // Blanks only are valid on the server, but nobody could tell such a document from another.
  if (name.trim() === '') return PROBLEMS.empty;
  const parsed = parseDocName(name);
  return parsed.ok ? null : PROBLEMS[parsed.problem];
}

export type Route = { page: 'home' } | { page: 'document'; name: string } | { page: 'not-found' };

/** The page for a location's path; a document's name is read from its path key. */
export function routeFromPath(pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'home' };
  const match = /^\/d(\/.+)$/s.exec(pathname);
  const key = match?.[1] ? pathKeyOfTarget(match[1]) : null;
  return key ? { page: 'document', name: readableName(key) } : { page: 'not-found' };
}

/** The WebSocket room of a document: its path key. */
export function roomOf(name: string): string {
  return pathKeyOf(name);
}

/** The page of a document. Links never carry a token: the tab keeps it (token.ts). */
export function documentHref(name: string): string {
  return `/d/${pathKeyOf(name)}`;
}

export function homeHref(): string {
  return '/';
}

/** The documents page showing its trash. */
export function trashHref(): string {
  return '/#trash';
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
