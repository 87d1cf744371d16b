/**
 * Document names ↔ directory names inside `<data-dir>/docs/`.
 *
 *   dirName   := "n=" • escaped(name)                      -- when it fits in SHORT_LIMIT bytes
 *              | "h=" • hex(sha256(name))[0..32] • "=" • cut(escaped(name))   -- otherwise
 *   escaped   := one token per character of the name:
 *                  [a-z0-9_-]  itself
 *                  [A-Z]       "^" • the lowercase letter     -- distinct on case-insensitive file systems
 *                  other       "%" • two lowercase hex digits per UTF-8 byte
 *
 * Invariants:
 * - The output alphabet is [a-z0-9_^%=-]: never a path separator, never "." or "..", never a
 *   reserved device name (the "n="/"h=" prefix sees to that), and no two names differ only in
 *   case.
 * - The short form decodes back to the name by itself. The hashed form (names whose escaped
 *   form would pass the 255-byte file name limit) is reversed by reading the full name stored
 *   in the log and checkpoint headers; whoever opens it must compare that stored name with the
 *   name asked for (a hash collision is then detected, never silently merged).
 */
import { createHash } from 'node:crypto';

/** Longest directory name we produce; well under the usual 255-byte limit. */
const SHORT_LIMIT = 200;
const CUT_LIMIT = 150;
export const MAX_NAME_BYTES = 512;

export class DocNameError extends Error {
  readonly code = 'ERR_DOC_NAME';
}

const KEEP = /^[a-z0-9_-]$/;
const UPPER = /^[A-Z]$/;

function escapeName(name: string): string {
  let out = '';
  for (const char of name) {
    if (KEEP.test(char)) out += char;
    else if (UPPER.test(char)) out += `^${char.toLowerCase()}`;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function unescapeName(escaped: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; ) {
    const char = escaped[i] ?? '';
    if (KEEP.test(char)) {
      bytes.push(char.charCodeAt(0));
      i += 1;
    } else if (char === '^' && /^[a-z]$/.test(escaped[i + 1] ?? '')) {
      bytes.push((escaped[i + 1] ?? '').toUpperCase().charCodeAt(0));
      i += 2;
    } else if (char === '%' && /^[0-9a-f]{2}$/.test(escaped.slice(i + 1, i + 3))) {
      bytes.push(parseInt(escaped.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      return null;
    }
  }
  const name = Buffer.from(bytes).toString('utf8');
  // Only the canonical spelling is accepted, so each directory stands for exactly one name.
  return escapeName(name) === escaped && name.isWellFormed() ? name : null;
}

/** Throws `DocNameError` for names no store may hold (empty, too long, not well-formed). */
export function checkStorableName(name: string): void {
  if (name.length === 0) throw new DocNameError('document name is empty');
  if (!name.isWellFormed()) throw new DocNameError('document name is not well-formed Unicode');
  const size = Buffer.byteLength(name, 'utf8');
  if (size > MAX_NAME_BYTES) throw new DocNameError(`document name is ${size} bytes, the limit is ${MAX_NAME_BYTES}`);
}

export function docDirName(name: string): string {
  checkStorableName(name);
  const escaped = escapeName(name);
  if (escaped.length + 2 <= SHORT_LIMIT) return `n=${escaped}`;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 32);
  // Cut on a token boundary so the readable part never ends in half an escape.
  let cut = escaped.slice(0, CUT_LIMIT);
  const lastEscape = cut.lastIndexOf('%');
  if (lastEscape > cut.length - 3) cut = cut.slice(0, lastEscape);
  if (cut.endsWith('^')) cut = cut.slice(0, -1);
  return `h=${hash}=${cut}`;
}

export type DirNameInfo =
  | { kind: 'short'; name: string }
  /** The name must be read from the files' headers. */
  | { kind: 'hashed' }
  | { kind: 'foreign' };

/** What a directory name in `docs/` tells about its document. */
export function parseDocDirName(dirName: string): DirNameInfo {
  if (dirName.startsWith('n=')) {
    const name = unescapeName(dirName.slice(2));
    return name === null || name.length === 0 ? { kind: 'foreign' } : { kind: 'short', name };
  }
  if (/^h=[0-9a-f]{32}=[a-z0-9_^%-]*$/.test(dirName)) return { kind: 'hashed' };
  return { kind: 'foreign' };
}
