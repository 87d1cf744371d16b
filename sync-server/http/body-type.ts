/**
 * Which request bodies a state-changing API call accepts — the rule that keeps other web pages
 * from changing data through a visitor's browser.
 *
 * An HTML form, and a `fetch` from another origin without a CORS preflight, can only send a
 * body as `text/plain`, `multipart/form-data` or `application/x-www-form-urlencoded`, or with
 * no `Content-Type` at all (a typeless Blob). Refusing those refuses every cross-site request
 * that the browser sends without asking the server first; anything else — JSON included — makes
 * the browser ask with a preflight, which Tandem never grants.
 *
 *   json   `application/json`, optionally with `charset=utf-8`         (POST …/restore)
 *   file   the file's own type or `application/octet-stream`; never a form's type, never none
 *
 * Violations are 415 with a message saying what to send.
 */
import type { IncomingMessage } from 'node:http';
import { UpgradeRefusal } from './upgrade.js';

export type BodyKind = 'json' | 'file';

/** The types a form or a preflight-free cross-origin request can carry (CORS-safelisted). */
const FORM_TYPES: ReadonlySet<string> = new Set(['text/plain', 'multipart/form-data', 'application/x-www-form-urlencoded']);

const TOKEN = "[!#$%&'*+.^_`|~0-9a-z-]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})$`);

export interface MediaType {
  /** `type/subtype`, lower case. */
  essence: string;
  /** Parameter values by lower-case name (quotes removed). */
  params: Map<string, string>;
}

/** Parses a `Content-Type` value; null when absent or malformed. */
export function parseMediaType(header: string | undefined): MediaType | null {
  if (header === undefined) return null;
  const [head = '', ...rest] = header.split(';');
  const match = MEDIA_TYPE.exec(head.trim().toLowerCase());
  if (!match) return null;
  const params = new Map<string, string>();
  for (const part of rest) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    const name = part.slice(0, at).trim().toLowerCase();
    const value = part.slice(at + 1).trim().replace(/^"(.*)"$/, '$1');
    if (name && !params.has(name)) params.set(name, value);
  }
  return { essence: `${match[1]}/${match[2]}`, params };
}

/** True for a type a form or a simple cross-origin request can send. */
export function isFormSendable(type: MediaType | null): boolean {
  return type === null || FORM_TYPES.has(type.essence);
}

const EXPECTED: Record<BodyKind, string> = {
  json: 'application/json',
  file: "the file's own type or application/octet-stream",
};

/**
 * The floor for every state-changing call, whatever its route: a 415 refusal when the body
 * could have come from a form or a simple cross-origin request; null otherwise.
 */
export function formBodyRefusal(req: IncomingMessage): UpgradeRefusal | null {
  const header = req.headers['content-type'];
  const type = parseMediaType(header);
  if (!isFormSendable(type)) return null;
  const got = header === undefined ? 'a body without Content-Type' : type === null ? `Content-Type ${JSON.stringify(header)}` : type.essence;
  return new UpgradeRefusal(415, `state-changing requests take ${EXPECTED.json} (uploads: ${EXPECTED.file}); ${got} is refused`);
}

/** A 415 refusal when `req`'s body is not of `kind`; null when it is. */
export function bodyTypeRefusal(req: IncomingMessage, kind: BodyKind): UpgradeRefusal | null {
  const header = req.headers['content-type'];
  const type = parseMediaType(header);
  const refuse = (detail: string): UpgradeRefusal => new UpgradeRefusal(415, `send ${EXPECTED[kind]}: ${detail}`);
  if (header === undefined) return refuse('the Content-Type header is missing');
  if (type === null) return refuse(`${JSON.stringify(header)} is not a media type`);
  if (kind === 'file') return isFormSendable(type) ? refuse(`${type.essence} is a form type, which is refused`) : null;
  if (type.essence !== 'application/json') return refuse(`got ${type.essence}`);
  const charset = type.params.get('charset');
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') return refuse(`JSON must be UTF-8, got charset ${charset}`);
  return null;
}
