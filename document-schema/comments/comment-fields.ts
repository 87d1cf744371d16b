/**
 * How comment threads are kept in a document's Y.Doc: the names and value shapes the editor
 * writes, the exports read and the sync server holds token connections to.
 *
 *   comments   Y.Map (a root, next to the `default` fragment the text lives in)
 *     <thread id> → Y.Map
 *       anchor        Uint8Array  where it sits in `default`: two Yjs relative positions, the
 *                                 first and the last character commented on (comment-anchor.ts)
 *       quote         string      the text commented on, as it was (shown once it is gone)
 *       created       number      ms since the epoch, the author's clock
 *       author        CommentAuthor  who opened the thread
 *       resolved      boolean
 *       resolvedBy    CommentAuthor | null   who last resolved or reopened it
 *       resolvedAt    number | null
 *       messages      Y.Array of Y.Map, oldest first (the first one opened the thread)
 *         id          string
 *         author      CommentAuthor
 *         time        number
 *         text        string
 *         edited      number | null   when the author last changed the text
 *
 * Who may change a field once its map exists is part of the layout (`FieldRule.change`); the
 * sync server holds connections with tokens to it (sync-server/access/comment-update-check.ts).
 */

export const COMMENTS_ROOT = 'comments';

export const THREAD_FIELD = {
  anchor: 'anchor',
  quote: 'quote',
  created: 'created',
  author: 'author',
  resolved: 'resolved',
  resolvedBy: 'resolvedBy',
  resolvedAt: 'resolvedAt',
  messages: 'messages',
} as const;

export const MESSAGE_FIELD = {
  id: 'id',
  author: 'author',
  time: 'time',
  text: 'text',
  edited: 'edited',
} as const;

/** `token`: the server checked it against the connection's token; otherwise chosen by the person. */
export type AuthorKind = 'token' | 'self-declared';

export interface CommentAuthor {
  /** The token's `sub`, or a random id a browser keeps for its user. */
  id: string;
  name: string;
  kind: AuthorKind;
}

export const MAX_COMMENT_CHARS = 10_000;
export const MAX_QUOTE_CHARS = 1_000;
export const MAX_NAME_CHARS = 1_000;
export const MAX_ID_CHARS = 1_000;

const isString = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max;
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

export function isCommentAuthor(value: unknown): value is CommentAuthor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    Object.keys(v).length === 3 &&
    isString(v['id'], MAX_ID_CHARS) &&
    v['id'] !== '' &&
    isString(v['name'], MAX_NAME_CHARS) &&
    (v['kind'] === 'token' || v['kind'] === 'self-declared')
  );
}

export const isCommentText = (value: unknown): value is string => isString(value, MAX_COMMENT_CHARS) && value.trim() !== '';

/**
 * Who may change a field after its map was created: `never` (written with the map), `anyone`
 * who may comment, `writers` (who may change the text, and so move the text a thread is on),
 * or the map's `author`.
 */
export type ChangedBy = 'never' | 'anyone' | 'writers' | 'author';

/** The value a field holds (a plain value that passes the check, or a list) and who may change it. */
export type FieldRule = { value: (v: unknown) => boolean; change: ChangedBy } | { type: 'array' };

/** Two encoded relative positions are a few dozen bytes; anything much longer is not an anchor. */
export const MAX_ANCHOR_BYTES = 128;

const isAnchorBytes = (v: unknown): boolean => v instanceof Uint8Array && v.byteLength > 0 && v.byteLength <= MAX_ANCHOR_BYTES;
const optionalTime = (v: unknown): boolean => v === null || isTime(v);

export const THREAD_RULES: Record<string, FieldRule> = {
  [THREAD_FIELD.anchor]: { value: isAnchorBytes, change: 'writers' },
  [THREAD_FIELD.quote]: { value: (v) => isString(v, MAX_QUOTE_CHARS), change: 'never' },
  [THREAD_FIELD.created]: { value: isTime, change: 'never' },
  [THREAD_FIELD.author]: { value: isCommentAuthor, change: 'never' },
  [THREAD_FIELD.resolved]: { value: (v) => typeof v === 'boolean', change: 'anyone' },
  [THREAD_FIELD.resolvedBy]: { value: (v) => v === null || isCommentAuthor(v), change: 'anyone' },
  [THREAD_FIELD.resolvedAt]: { value: optionalTime, change: 'anyone' },
  [THREAD_FIELD.messages]: { type: 'array' },
};

export const MESSAGE_RULES: Record<string, FieldRule> = {
  [MESSAGE_FIELD.id]: { value: (v) => isString(v, MAX_ID_CHARS) && v !== '', change: 'never' },
  [MESSAGE_FIELD.author]: { value: isCommentAuthor, change: 'never' },
  [MESSAGE_FIELD.time]: { value: isTime, change: 'never' },
  [MESSAGE_FIELD.text]: { value: isCommentText, change: 'author' },
  [MESSAGE_FIELD.edited]: { value: optionalTime, change: 'author' },
};

/** Fields that name a person: a token connection may only ever write itself there. */
export const AUTHOR_FIELDS: ReadonlySet<string> = new Set([THREAD_FIELD.author, THREAD_FIELD.resolvedBy, MESSAGE_FIELD.author]);

/** A random id for a thread or a message (no secure context needed, unlike randomUUID). */
export function newCommentId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
