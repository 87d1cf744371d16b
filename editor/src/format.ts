/** Numbers, sizes and times as people read them. */

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
// One formatter for all: `Number#toLocaleString` builds a new one on every call.
const number = new Intl.NumberFormat();

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatCount(count: number): string {
  return number.format(count);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${number.format(count)} ${count === 1 ? one : many}`;
}

/** "just now", "5 minutes ago", "yesterday", then a date. */
export function formatRelative(iso: string, now = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return relative.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) return relative.format(hours, 'hour');
  const days = Math.round(hours / 24);
  if (Math.abs(days) < 7) return relative.format(days, 'day');
  return dayAndTime.format(then);
}

/** A version's time: the time of day when it is today, otherwise the date too. */
export function formatWhen(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toDateString() === now.toDateString() ? `Today, ${timeOfDay.format(date)}` : dayAndTime.format(date);
}

export function formatFull(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : full.format(date);
}

/** The server records restores, recovered content and declared names under these (persistence/author.ts). */
const RESTORE_AUTHOR = 'tandem:restore';
const RECOVERY_AUTHOR = 'tandem:recovery';
const DECLARED_PREFIX = 'tandem:name:';

export type AuthorKind =
  | { kind: 'person'; name: string; declared: boolean }
  /** `by`: who asked for the restore, when the server knew (a token's user, or a name they gave). */
  | { kind: 'restore'; by?: { name: string; declared: boolean } }
  | { kind: 'recovery' }
  | { kind: 'unknown' };

/**
 * A recorded author: a user id (from an access token), a name someone declared on a server
 * without tokens, the server itself, or nobody known.
 */
export function describeAuthor(author: string | null): AuthorKind {
  if (author === null || author === '') return { kind: 'unknown' };
  if (author === RESTORE_AUTHOR) return { kind: 'restore' };
  if (author.startsWith(`${RESTORE_AUTHOR}:user:`)) return { kind: 'restore', by: { name: author.slice(RESTORE_AUTHOR.length + 6), declared: false } };
  if (author.startsWith(`${RESTORE_AUTHOR}:name:`)) return { kind: 'restore', by: { name: author.slice(RESTORE_AUTHOR.length + 6), declared: true } };
  if (author === RECOVERY_AUTHOR) return { kind: 'recovery' };
  if (author.startsWith(DECLARED_PREFIX)) return { kind: 'person', name: author.slice(DECLARED_PREFIX.length), declared: true };
  return { kind: 'person', name: author, declared: false };
}

const SERVER_AUTHORS = { restore: 'Restored', recovery: 'Recovered' } as const;

/** A version's authors for people: user ids, "Restored", "Recovered", "Anonymous" for none. */
export function describeAuthors(authors: readonly string[]): string {
  const names = authors.map((a) => {
    const who = describeAuthor(a);
    if (who.kind === 'restore' && who.by) return `Restored by ${who.by.name}`;
    return who.kind === 'person' ? who.name : who.kind === 'unknown' ? 'Anonymous' : SERVER_AUTHORS[who.kind];
  });
  return names.length > 0 ? names.join(', ') : 'Anonymous';
}
