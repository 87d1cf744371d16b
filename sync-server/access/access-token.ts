/**
 * Tandem access tokens: signed JWTs (HS256 with a shared secret, or EdDSA with an Ed25519 key)
 * carrying
 *
 *   sub   user id            — recorded as the author of the user's changes
 *   name  display name       — for logs (falls back to sub)
 *   docs  document patterns  — exact names, or prefixes written with a trailing `*`
 *                              ("team/*" matches "team/notes"; "*" matches every document)
 *   role  "read" | "comment" | "write"
 *                            — read: sync and presence only; comment: and comment threads
 *                              (add, answer, resolve), never the text; write: may change documents
 *   exp   expiry (seconds)   — required; a live connection is closed with 4401 at that time
 *
 * This module is pure (no I/O): claim parsing, pattern matching, signing and TTL parsing.
 */
import type { KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { parseDocPattern } from '../doc-name.js';

export type Role = 'read' | 'comment' | 'write';
export const ROLES: readonly Role[] = ['read', 'comment', 'write'];

export interface AccessClaims {
  sub: string;
  name: string;
  docs: string[];
  role: Role;
  /** Seconds since the epoch. */
  exp: number;
}

/** A key and the only algorithm it may be used with: the algorithm is never taken from a token. */
export type TokenKey =
  | { alg: 'HS256'; key: Uint8Array }
  | { alg: 'EdDSA'; key: KeyObject };

/** A token that cannot be accepted; `reason` is safe to show to the client. */
export class TokenError extends Error {
  readonly code = 'ERR_TOKEN';
  constructor(readonly reason: 'missing token' | 'invalid token' | 'token expired', detail?: string) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'TokenError';
  }
}

/** Checks the claims of a verified token; throws `TokenError` when they are not Tandem's shape. */
export function parseClaims(payload: JWTPayload): AccessClaims {
  const { sub, exp } = payload;
  const name: unknown = payload.name;
  const docs: unknown = payload.docs;
  const role: unknown = payload.role;
  if (typeof sub !== 'string' || sub.length === 0) throw new TokenError('invalid token', 'sub must be a user id');
  if (typeof exp !== 'number') throw new TokenError('invalid token', 'exp is required');
  if (name !== undefined && typeof name !== 'string') throw new TokenError('invalid token', 'name must be a string');
  if (!Array.isArray(docs) || docs.length === 0 || !docs.every((d): d is string => typeof d === 'string' && d.length > 0)) {
    throw new TokenError('invalid token', 'docs must be a non-empty list of document names or patterns');
  }
  if (role !== 'read' && role !== 'comment' && role !== 'write') throw new TokenError('invalid token', 'role must be "read", "comment" or "write"');
  return { sub, name: name || sub, docs: docs.map(readablePattern), role, exp };
}

/**
 * Grants match readable names, the way a stock client's path reads (`a%20b` grants `a b`).
 * A pattern that is no name is kept as it is: it matches nothing a client can open.
 */
function readablePattern(pattern: string): string {
  const parsed = parseDocPattern(pattern);
  return parsed.ok ? parsed.pattern : pattern;
}

/** True when one of `patterns` grants `docName`: equal to it, or a `prefix*` it starts with. */
export function docAllowed(patterns: readonly string[], docName: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? docName.startsWith(pattern.slice(0, -1)) : docName === pattern,
  );
}

/** Null when `pattern` is a valid document name or `prefix*`; otherwise why not. */
export function patternProblem(pattern: string): string | null {
  const checked = parseDocPattern(pattern);
  return checked.ok ? null : checked.reason;
}

export interface Grant {
  user: string;
  name: string;
  docs: string[];
  role: Role;
  ttlSeconds: number;
}

export async function signAccessToken(grant: Grant, key: TokenKey, nowMs = Date.now()): Promise<string> {
  const issuedAt = Math.floor(nowMs / 1000);
  return new SignJWT({ name: grant.name, docs: grant.docs, role: grant.role })
    .setProtectedHeader({ alg: key.alg, typ: 'JWT' })
    .setSubject(grant.user)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + grant.ttlSeconds)
    .sign(key.key);
}

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** Longest lifetime `tandem token` mints: a leaked token stays useful until it expires. */
export const MAX_TTL_SECONDS = 366 * 86_400;

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds; null when malformed or out of range. */
export function parseTtl(raw: string): number | null {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(raw);
  if (!match) return null;
  const seconds = Number(match[1]) * (TTL_UNITS[(match[2] || 's').toLowerCase()] ?? 1);
  return Number.isSafeInteger(seconds) && seconds >= 1 && seconds <= MAX_TTL_SECONDS ? seconds : null;
}
