/**
 * The access token from the page URL (`?token=<jwt>`). The server verifies it; the editor only
 * reads its claims — unverified — to show who the user is and whether they may write.
 */

export interface AccessToken {
  raw: string;
  userId: string | null;
  name: string | null;
  role: 'read' | 'write';
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
    // Anything but an explicit write role is treated as read-only: the safe way to be wrong.
    role: c['role'] === 'write' ? 'write' : 'read',
    expiresAt: typeof c['exp'] === 'number' ? c['exp'] * 1000 : null,
  };
}

/** The token in the current page's URL, if any. */
export function tokenFromLocation(location: Location): AccessToken | null {
  const raw = new URLSearchParams(location.search).get('token');
  if (!raw) return null;
  // An opaque (non-JWT) token is still passed on; the server decides what it allows.
  return parseToken(raw) ?? { raw, userId: null, name: null, role: 'write', expiresAt: null };
}
