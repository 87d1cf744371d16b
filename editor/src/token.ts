/**
 * The access token the page was opened with (`?token=<jwt>`). The server verifies it; the editor
 * only reads its claims — unverified — to show who the user is and whether they may write.
 *
 * Once read, the token leaves the address bar — so "Copy link", bookmarks, screenshots and the
 * history list do not carry it — and stays in sessionStorage: reloads and the app's own links
 * keep access for as long as the tab lives.
 */

export interface AccessToken {
  raw: string;
  userId: string | null;
  name: string | null;
  role: 'read' | 'comment' | 'write';
  /** Expiry in milliseconds since the epoch, or null when the token has none. */
  expiresAt: number | null;
}

function decodeBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Reads the claims of a JWT without verifying it; null when it is not a JWT at all. */
export function parseToken(raw: string): AccessToken | null {
  const payload = raw.split('.')[1];
  if (!payload) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(decodeBase64Url(payload));
  } catch {
    return null;
  }
  if (typeof claims !== 'object' || claims === null) return null;
  const c = claims as Record<string, unknown>;
  return {
    raw,
    userId: typeof c['sub'] === 'string' ? c['sub'] : null,
    name: typeof c['name'] === 'string' && c['name'].trim() !== '' ? c['name'] : null,
    // Anything but an explicit write or comment role is treated as read-only: the safe way to be wrong.
    role: c['role'] === 'write' || c['role'] === 'comment' ? c['role'] : 'read',
    expiresAt: typeof c['exp'] === 'number' ? c['exp'] * 1000 : null,
  };
}

function accessToken(raw: string): AccessToken {
  // An opaque (non-JWT) token is still passed on; the server decides what it allows.
  return parseToken(raw) ?? { raw, userId: null, name: null, role: 'write', expiresAt: null };
}

/** sessionStorage key of the token this tab was given. */
export const TOKEN_KEY = 'tandem:token';

/** The parts of `window` the token is taken from and kept in. */
export interface TokenHome {
  location: Location;
  history: History;
  /** Null where storage is unavailable (disabled, or a sandboxed frame). */
  storage: Storage | null;
}

function keep(storage: Storage | null, raw: string | null): boolean {
  if (!storage) return false;
  try {
    if (raw === null) storage.removeItem(TOKEN_KEY);
    else storage.setItem(TOKEN_KEY, raw);
    return true;
  } catch {
    return false;
  }
}

/**
 * The page's token: the one in `?token=` (kept, then removed from the address bar), else the one
 * kept earlier in this tab. An empty `?token=` forgets the kept one. Where it cannot be kept,
 * the token stays in the address bar, so a reload does not lose access.
 */
export function takeToken(home: TokenHome): AccessToken | null {
  const url = new URL(home.location.href);
  if (url.searchParams.has('token')) {
    const raw = url.searchParams.get('token') || null;
    if (keep(home.storage, raw)) {
      url.searchParams.delete('token');
      home.history.replaceState(home.history.state, '', url.pathname + url.search + url.hash);
    }
    return raw === null ? null : accessToken(raw);
  }
  let kept: string | null = null;
  try {
    kept = home.storage?.getItem(TOKEN_KEY) ?? null;
  } catch {
    // Unreadable storage holds no token.
  }
  return kept ? accessToken(kept) : null;
}
