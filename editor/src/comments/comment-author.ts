/**
 * Who writes this browser's comments. With an access token it is the token's user — the server
 * checks every comment against the token, so the name is vouched for. Without one it is the
 * name the person chose (identity.ts) with an id this browser keeps, shown as unverified.
 */
import type { CommentAuthor } from '../../../document-schema/comments/comment-fields.js';
import { newCommentId } from '../../../document-schema/comments/comment-fields.js';
import type { Identity } from '../identity.js';
import type { AccessToken } from '../token.js';

const AUTHOR_ID_KEY = 'tandem:author-id';

/** The id this browser signs its unverified comments with (kept, so "my comments" stay mine). */
function browserAuthorId(storage: Storage): string {
  try {
    const kept = storage.getItem(AUTHOR_ID_KEY);
    if (kept && /^[0-9a-f]{24}$/.test(kept)) return kept;
    const id = newCommentId();
    storage.setItem(AUTHOR_ID_KEY, id);
    return id;
  } catch {
    // No storage: the id lasts for this page only.
    return newCommentId();
  }
}

export function commentAuthor(token: AccessToken | null, identity: Identity, storage: Storage): CommentAuthor {
  // The server takes the token's `name`, falling back to its `sub`: the same rule here.
  if (token?.userId) return { id: token.userId, name: token.name ?? token.userId, kind: 'token' };
  return { id: browserAuthorId(storage), name: identity.name, kind: 'self-declared' };
}

/** "Ada", or "Ada (unverified)" for a name nobody vouched for. */
export function authorLabel(author: CommentAuthor): string {
  return author.kind === 'token' ? author.name : `${author.name} (unverified)`;
}

export function sameAuthor(a: CommentAuthor, b: CommentAuthor): boolean {
  return a.id === b.id && a.kind === b.kind;
}
