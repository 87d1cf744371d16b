/**
 * What the `author` of a record says. People's changes carry their user id (a token's `sub`),
 * the name they declared (below), or nothing; the server's own changes carry a name under `tandem:`, and a restore also says
 * who asked for it:
 *
 *   restoreAuthor := "tandem:restore"                 -- who asked is unknown (restores made
 *                                                        before restores named anyone)
 *                  | "tandem:restore:user:" userId    -- from the requester's access token
 *                  | "tandem:restore:name:" name      -- a name the requester gave, unverified
 *                                                        (a server without tokens knows no one)
 *
 * The record format is unchanged (the author is a string), so data dirs of any age read alike.
 */

/** Recorded as the author of a restore whose requester is unknown. */
export const RESTORE_AUTHOR = 'tandem:restore';
/** Recorded for content merged back from checkpoints the log no longer backed. */
export const RECOVERY_AUTHOR = 'tandem:recovery';

/** Who asked for a restore: a verified user id, a name they gave, or nobody known. */
export type Restorer = { user: string } | { name: string } | null;

const USER_PREFIX = `${RESTORE_AUTHOR}:user:`;
const NAME_PREFIX = `${RESTORE_AUTHOR}:name:`;
/** A self-declared name longer than this, or with control characters, is refused. */
export const MAX_RESTORER_NAME = 100;

export function restoreAuthor(by: Restorer): string {
  if (by === null) return RESTORE_AUTHOR;
  return 'user' in by ? `${USER_PREFIX}${by.user}` : `${NAME_PREFIX}${by.name}`;
}

/** The restorer a record's author names; undefined when the record is not a restore. */
export function parseRestoreAuthor(author: string | null): Restorer | undefined {
  if (author === RESTORE_AUTHOR) return null;
  if (author?.startsWith(USER_PREFIX)) return { user: author.slice(USER_PREFIX.length) };
  if (author?.startsWith(NAME_PREFIX)) return { name: author.slice(NAME_PREFIX.length) };
  return undefined;
}

/** A name someone gave for themselves, cleaned; null when it is not usable. */
export function cleanRestorerName(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const name = raw.replace(/\s+/g, ' ').trim();
  // Shown in terminals and pages: no control characters.
  if (name === '' || name.length > MAX_RESTORER_NAME || /[\u0000-\u001f\u007f]/.test(name)) return null;
  return name;
}

/** For people: "restored by ada", "restored by Ada (self-declared)", "restored (by whom unknown)". */
export function describeRestorer(by: Restorer): string {
  if (by === null) return 'restored (by whom unknown)';
  return 'user' in by ? `restored by ${by.user}` : `restored by ${by.name} (self-declared)`;
}

/** A record's author for people (history tables, replay). */
export function describeAuthor(author: string | null): string {
  const restorer = parseRestoreAuthor(author);
  if (restorer !== undefined) return describeRestorer(restorer);
  const declared = parseDeclaredAuthor(author);
  if (declared !== undefined) return `${declared} (self-declared)`;
  return author ?? '(unknown)';
}

/**
 * People's changes on a server without tokens carry the name the connection declared (the
 * `name` query parameter of its WebSocket URL: PROTOCOL.md), unverified:
 *
 *   declaredAuthor := "tandem:name:" name
 *
 * With tokens the token's user is recorded instead, whatever name a connection declares.
 */
const DECLARED_PREFIX = 'tandem:name:';

export function declaredAuthor(name: string): string {
  return `${DECLARED_PREFIX}${name}`;
}

/** The name a self-declared author gave; undefined for any other author. */
export function parseDeclaredAuthor(author: string | null): string | undefined {
  return author?.startsWith(DECLARED_PREFIX) ? author.slice(DECLARED_PREFIX.length) : undefined;
}

/**
 * Who wrote a record's content, for attribution: a person (a token's user, or a name someone
 * gave for themselves), or nobody known; `via` says the text came back by a restore or a
 * recovery rather than being typed. A restore counts as written by whoever asked for it.
 */
export interface Writer {
  /** `user:<id>` or `name:<name>`; null when nobody is known. */
  person: string | null;
  /** What people are shown: the user id or the declared name ("" when unknown). */
  name: string;
  /** True for a name someone gave for themselves; false for a token's user (and unknown). */
  declared: boolean;
  via: 'restore' | 'recovery' | null;
}

function personWriter(by: NonNullable<Restorer>, via: Writer['via']): Writer {
  return 'user' in by
    ? { person: `user:${by.user}`, name: by.user, declared: false, via }
    : { person: `name:${by.name}`, name: by.name, declared: true, via };
}

export function writerOf(author: string | null): Writer {
  if (author === null || author === '') return { person: null, name: '', declared: false, via: null };
  if (author === RECOVERY_AUTHOR) return { person: null, name: '', declared: false, via: 'recovery' };
  const restorer = parseRestoreAuthor(author);
  if (restorer === null) return { person: null, name: '', declared: false, via: 'restore' };
  if (restorer !== undefined) return personWriter(restorer, 'restore');
  const declared = parseDeclaredAuthor(author);
  if (declared !== undefined) return personWriter({ name: declared }, null);
  return personWriter({ user: author }, null);
}
