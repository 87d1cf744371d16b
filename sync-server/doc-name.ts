/**
 * Document names and the request paths that reach them (PROTOCOL.md, "Connecting").
 *
 * A stock y-websocket client connects to `serverUrl + '/' + room` without encoding the room;
 * the URL parser (a browser's, or Node's for `ws`) then normalizes the path. A document is
 * identified by that normalized path — its *path key* — and shown by its *readable name*:
 *
 *   pathKey   := the request path as `pathKeyOfTarget` normalizes it, without the leading "/"
 *                and without the query
 *   readable  := pathKey with every decodable escape decoded, every other character as is
 *   decodable := "%" HH  where HH is the uppercase hex of one of   SP " # < > ? \ ^ ` { | }
 *              | ("%" HH){2,4}  the shortest UTF-8 of one code point ≥ U+00A0, uppercase hex
 *   key(name) := name with each of those characters written as its uppercase escape
 *
 * Why this is a bijection between path keys and readable names: parsers always encode the
 * decodable characters in a path (`?` and `#` would end it, `\` is a separator, and `^` `|`
 * are encoded by Chromium and by the current URL standard), so they never appear literally in
 * a normalized path; decoding exactly the escapes a parser produces for them is undone by
 * `key`. Every other escape stays as written: `%41`, `a%2Fb`, `100%`, `%zz` and lowercase
 * `%c3%a9` are readable names of their own, distinct from `A`, `a/b` and `é`.
 *
 * Normalizing the path the way parsers do (percent-encoding the characters above, `\` to
 * `/`, resolving `.`/`..` segments) makes a raw client's target and a parser-made one agree,
 * and makes parsers that differ (Node 20 keeps `^` and `|`, Chromium encodes both) agree.
 *
 * A name whose key has a `.` or `..` segment (`..`, `a/./b`, `%2e`) has no path: every parser
 * removes such segments. It is refused as a name; `pathKeyOfTarget` never yields one.
 *
 * Pure (no Node APIs): the editor uses this module too.
 */

export const MAX_DOC_NAME_BYTES = 512;

/** Why a name is refused: a stable code for callers that word it their own way, and a reason. */
export type DocNameProblem = 'empty' | 'too-long' | 'not-utf8' | 'control' | 'dot-segment' | 'not-a-path';
export type DocNameResult = { ok: true; name: string; key: string } | { ok: false; problem: DocNameProblem; reason: string };

/** The printable ASCII characters that are always written as escapes in a path key. */
const ESCAPED_ASCII = ' "#<>?\\^`{|}';
// C0, DEL and C1 control characters.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const hexByte = (byte: number): string => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/** Writes one character of a path as a parser would: an escape, or itself. */
function encodeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f || ESCAPED_ASCII.includes(char)) return hexByte(code);
  if (code < 0x80) return char;
  let out = '';
  for (const byte of utf8.encode(char)) out += hexByte(byte);
  return out;
}

function encodePathChars(text: string): string {
  let out = '';
  for (const char of text) out += encodeChar(char);
  return out;
}

const isSingleDot = (segment: string): boolean => segment === '.' || segment.toLowerCase() === '%2e';
const isDoubleDot = (segment: string): boolean => ['..', '.%2e', '%2e.', '%2e%2e'].includes(segment.toLowerCase());

/**
 * The path key of a request target such as `/a%20b?token=…`, or null when it does not start
 * with `/`. The query (and a fragment, which no client should send) is not part of it.
 */
export function pathKeyOfTarget(target: string): string | null {
  if (!target.startsWith('/')) return null;
  const end = target.search(/[?#]/);
  // Parsers drop tabs and newlines anywhere in a URL and read `\` as `/` in http(s)/ws(s) URLs.
  const path = (end === -1 ? target : target.slice(0, end)).replace(/[\t\n\r]/g, '').replaceAll('\\', '/');
  const parts = path.slice(1).split('/');
  const segments: string[] = [];
  parts.forEach((part, i) => {
    const segment = encodePathChars(part);
    const last = i === parts.length - 1;
    // As the URL standard's path state: `..` removes the segment before it, `.` is dropped,
    // and either one at the end leaves the path ending in `/`.
    if (isDoubleDot(segment)) {
      segments.pop();
      if (last) segments.push('');
    } else if (isSingleDot(segment)) {
      if (last) segments.push('');
    } else {
      segments.push(segment);
    }
  });
  return segments.join('/');
}

/** The one code point that uppercase escapes starting at `at` spell in UTF-8, if they do. */
function decodeUtf8Escapes(key: string, at: number, lead: number): { char: string; length: number } | null {
  const count = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  const bytes = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const escape = /^%([0-9A-F]{2})/.exec(key.slice(at + i * 3, at + i * 3 + 3));
    if (!escape?.[1]) return null;
    bytes[i] = parseInt(escape[1], 16);
  }
  let char: string;
  try {
    char = strictUtf8.decode(bytes);
  } catch {
    return null; // not UTF-8, overlong, a surrogate or past U+10FFFF
  }
  const code = char.codePointAt(0) ?? 0;
  return [...char].length === 1 && code >= 0xa0 ? { char, length: count * 3 } : null;
}

/** The readable name of a path key: exactly the escapes a parser makes are decoded. */
export function readableName(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; ) {
    const escape = key[i] === '%' ? /^%([0-9A-F]{2})/.exec(key.slice(i, i + 3)) : null;
    if (!escape?.[1]) {
      out += key[i];
      i += 1;
      continue;
    }
    const byte = parseInt(escape[1], 16);
    const ascii = String.fromCharCode(byte);
    if (byte < 0x80 && ESCAPED_ASCII.includes(ascii)) {
      out += ascii;
      i += 3;
      continue;
    }
    const decoded = byte >= 0xc2 && byte <= 0xf4 ? decodeUtf8Escapes(key, i, byte) : null;
    if (decoded) {
      out += decoded.char;
      i += decoded.length;
    } else {
      out += '%';
      i += 1;
    }
  }
  return out;
}

/**
 * The path key of a name: what a parser makes of `'/' + name`, with `?`, `#` and `\` written
 * as escapes so that they stay part of the name. Meaningful for valid names (`parseDocName`).
 */
export function pathKeyOf(name: string): string {
  return encodePathChars(name);
}

const refuse = (problem: DocNameProblem, reason: string): DocNameResult => ({ ok: false, problem, reason });

function checkSize(name: string, key: string): DocNameResult {
  if (name.length === 0) return refuse('empty', 'document name is empty');
  const size = utf8.encode(name).length;
  if (size > MAX_DOC_NAME_BYTES) return refuse('too-long', `document name is ${size} bytes, the limit is ${MAX_DOC_NAME_BYTES}`);
  return { ok: true, name, key };
}

/**
 * A name as people type it (editor, CLI, HTTP API, token grants): its readable form and path
 * key, or why it is not a name. Escapes a parser would make are decoded (`a%20b` is `a b`).
 * Valid: 1–512 UTF-8 bytes (of the readable form), no control characters, and no `.` or `..`
 * segment between slashes (no URL path can hold one).
 */
export function parseDocName(input: string): DocNameResult {
  if (!input.isWellFormed()) return refuse('not-utf8', 'document name is not valid UTF-8');
  if (CONTROL.test(input)) return refuse('control', 'document name contains a control character');
  const key = pathKeyOf(input);
  if (key.split('/').some((segment) => isSingleDot(segment) || isDoubleDot(segment))) {
    return refuse('dot-segment', 'document name has a "." or ".." part between slashes, which URLs remove');
  }
  return checkSize(readableName(key), key);
}

/**
 * The document a WebSocket upgrade's request target names. Nothing is refused for its `%`
 * escapes: only an empty name, one over 512 bytes, or a target not starting with `/`.
 */
export function docNameFromRequestUrl(url: string | undefined): DocNameResult {
  const key = pathKeyOfTarget(url ?? '/');
  if (key === null) return refuse('not-a-path', 'request target must start with /');
  return checkSize(readableName(key), key);
}

/**
 * A token grant's pattern in readable form: an exact name as `parseDocName` reads it, or a
 * `prefix*` whose prefix has its escapes decoded the same way; or why it is neither.
 */
export function parseDocPattern(pattern: string): { ok: true; pattern: string } | { ok: false; reason: string } {
  if (pattern === '*') return { ok: true, pattern };
  if (!pattern.endsWith('*')) {
    const parsed = parseDocName(pattern);
    return parsed.ok ? { ok: true, pattern: parsed.name } : parsed;
  }
  const prefix = pattern.slice(0, -1);
  if (!prefix.isWellFormed() || CONTROL.test(prefix)) return { ok: false, reason: 'document name pattern contains a control character or invalid UTF-8' };
  const checked = checkSize(readableName(pathKeyOf(prefix)), '');
  return checked.ok ? { ok: true, pattern: `${checked.name}*` } : checked;
}

/**
 * The readable name a document keeps when a data dir written by an earlier version is carried
 * over (those stored the fully percent-decoded path). Most names stay as they are; one with
 * escapes a parser makes is read as a stock client's path now reads (`a%20b` becomes `a b`).
 * One with a `.` or `..` part, which no path can reach, gets its `/` written as `%2F`, the path
 * earlier editors used for it (`a/../b` becomes `a%2F..%2Fb`).
 */
export function carriedOverName(stored: string): DocNameResult {
  const parsed = parseDocName(stored);
  return parsed.ok || parsed.problem !== 'dot-segment' ? parsed : parseDocName(stored.replaceAll('/', '%2F'));
}
