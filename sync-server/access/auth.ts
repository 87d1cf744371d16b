/**
 * Token access control: verifies the access token a request carries and decides, per
 * document, whether it may connect and whether it may write.
 *
 * Refusals, in HTTP terms (the upgrade and `/api` alike):
 *   401  no token, a token that does not verify (forged, wrong algorithm, `alg: none`,
 *        malformed claims) or an expired one
 *   403  a valid token that does not grant this document
 *
 * Only the configured key's algorithm is accepted — never the one a token names — so an HS256
 * token "signed" with a public key, or an unsigned one, cannot pass.
 */
import type { IncomingMessage } from 'node:http';
import { errors, jwtVerify, type JWSAlgorithm } from 'jose';
import { TokenError, docAllowed, parseClaims, type AccessClaims, type TokenKey } from './access-token.js';
import type { Authorize, Principal } from './principal.js';
import { UpgradeRefusal } from '../http/upgrade.js';

const ALGORITHMS: Record<TokenKey['alg'], JWSAlgorithm[]> = {
  HS256: ['HS256'],
  // RFC 8037's EdDSA and the fully-specified Ed25519 name the same signature here.
  EdDSA: ['EdDSA', 'Ed25519'],
};

/** Verifies signature, algorithm and expiry, then the claims. Throws `TokenError`. */
export async function verifyAccessToken(token: string, key: TokenKey): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, key.key, { algorithms: ALGORITHMS[key.alg], requiredClaims: ['exp', 'sub'] });
    return parseClaims(payload);
  } catch (error) {
    if (error instanceof TokenError) throw error;
    if (error instanceof errors.JWTExpired) throw new TokenError('token expired');
    throw new TokenError('invalid token', (error as Error).message);
  }
}

/**
 * The token of a request: an `Authorization: Bearer` header, else the `token` query parameter
 * (which is how the stock y-websocket provider sends its `params`).
 */
export function tokenFromRequest(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (bearer) return bearer;
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return null;
  return new URLSearchParams(url.slice(queryAt + 1)).get('token') || null;
}

export interface TokenAccess {
  /** The upgrade seam: a principal for a document, or an `UpgradeRefusal` (401/403). */
  authorize: Authorize;
  /** Checks only that the request carries a valid token (routes about no single document). */
  authenticate(req: IncomingMessage): Promise<AccessClaims>;
}

export function principalFrom(claims: AccessClaims): Principal {
  return {
    author: claims.sub,
    userId: claims.sub,
    displayName: claims.name,
    readOnly: claims.role !== 'write',
    mayComment: claims.role === 'comment',
    verifiedUser: { id: claims.sub, name: claims.name },
    expiresAt: claims.exp * 1000,
  };
}

export function createTokenAccess(key: TokenKey): TokenAccess {
  // One request may be checked for many documents (filtering the document list): verify once.
  const verified = new WeakMap<IncomingMessage, Promise<AccessClaims>>();

  const authenticate = (req: IncomingMessage): Promise<AccessClaims> => {
    let claims = verified.get(req);
    if (!claims) {
      const token = tokenFromRequest(req);
      claims = token === null ? Promise.reject(new TokenError('missing token')) : verifyAccessToken(token, key);
      verified.set(req, claims);
    }
    return claims.catch((error: unknown) => {
      if (error instanceof TokenError) {
        // The detail ("signature verification failed", "alg not allowed") tells nothing secret.
        throw new UpgradeRefusal(401, error.message, {
          'WWW-Authenticate': 'Bearer error="invalid_token"',
        });
      }
      throw error;
    });
  };

  const authorize: Authorize = async (req, docName) => {
    const claims = await authenticate(req);
    if (!docAllowed(claims.docs, docName)) throw new UpgradeRefusal(403, 'token does not grant access to this document');
    return principalFrom(claims);
  };

  return { authorize, authenticate };
}

/** The request target with any `token` query parameter masked, for log lines. */
export function redactToken(url: string | undefined): string | undefined {
  return url?.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}
