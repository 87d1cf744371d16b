/**
 * What a connection with a verified identity (a token) may write into a document's comment
 * threads, and — for the `comment` role — that it writes nothing else. Checked on every update
 * from such a connection before it is applied; one that breaks a rule is refused as a whole.
 *
 * Rules (the layout is in document-schema/comments/comment-fields.ts):
 * - `comment` role: every item inserted or deleted belongs to the `comments` root.
 * - Under `comments`, only the layout's maps, lists and fields, with values of the right kind.
 * - Every field that names a person (`author`, `resolvedBy`) names the connection's user:
 *   its token's `sub` and `name`, kind `token` — the author is the server's word, not the
 *   client's. A new thread and a new message must name their author.
 * - Who may change a field of an existing thread or message is the layout's `FieldRule.change`:
 *   anyone resolves, reopens and replies; only a message's author changes or deletes it, only a
 *   thread's author deletes the thread; only writers move an anchor (the editor does when a
 *   block edit rewrites the text under it); the rest is written once, with its map.
 */
import * as Y from 'yjs';
import {
  AUTHOR_FIELDS,
  COMMENTS_ROOT,
  MAX_ID_CHARS,
  MESSAGE_FIELD,
  MESSAGE_RULES,
  THREAD_FIELD,
  THREAD_RULES,
  isCommentAuthor,
  type FieldRule,
} from '../../document-schema/comments/comment-fields.js';
import { UpdateShapeError, readUpdateEntries, type Entry, type UpdateEntries } from './update-entries.js';

export interface CommentPolicy {
  /** The `comment` role: the update may change comment threads and nothing else. */
  commentsOnly: boolean;
  /** The connection's verified user: comment entries must name exactly this author. */
  user: { id: string; name: string };
}

/** The chain of entries from the top-level one (a thread) down to `entry`. */
function pathOf(entry: Entry): Entry[] {
  const path: Entry[] = [];
  for (let e: Entry | null = entry; e; e = e.parent) path.unshift(e);
  return path;
}

const typeOf = (entry: Entry): Y.AbstractType<unknown> | null => (entry.item.content instanceof Y.ContentType ? entry.item.content.type : null);
const isMap = (entry: Entry): boolean => typeOf(entry) instanceof Y.Map;
const isArray = (entry: Entry): boolean => typeOf(entry) instanceof Y.Array;
const isGone = (entry: Entry): boolean => entry.item.content instanceof Y.ContentDeleted;

/** The one value a map entry holds; undefined when it holds something else. */
function plainValue(entry: Entry): unknown {
  const { content } = entry.item;
  if (content instanceof Y.ContentAny) return content.arr.length === 1 ? content.arr[0] : undefined;
  if (content instanceof Y.ContentBinary) return content.content;
  return undefined;
}

class CommentRules {
  private readonly needsAuthor = new Set<Y.Item>();
  private readonly namesAuthor = new Set<Y.Item>();

  constructor(
    private readonly entries: UpdateEntries,
    private readonly policy: CommentPolicy,
  ) {}

  check(): string | null {
    const problem = this.each(this.entries.inserted, (entry) => this.insert(entry)) ?? this.each(this.entries.deleted, (entry) => this.remove(entry));
    if (problem) return problem;
    for (const map of this.needsAuthor) if (!this.namesAuthor.has(map)) return 'a new comment must name its author';
    return null;
  }

  /** The first refusal `rule` gives an entry under `comments`; entries elsewhere only concern the comment role. */
  private each(entries: Entry[], rule: (entry: Entry) => string | null): string | null {
    for (const entry of entries) {
      const problem = entry.root === COMMENTS_ROOT ? rule(entry) : this.policy.commentsOnly ? 'this connection may change comments only' : null;
      if (problem) return problem;
    }
    return null;
  }

  private isSelf(value: unknown, sameName: boolean): boolean {
    const { user } = this.policy;
    return isCommentAuthor(value) && value.kind === 'token' && value.id === user.id && (!sameName || value.name === user.name);
  }

  /** Whether the map `holder` (a thread or a message in the document) was written by this user. */
  private ownedBySelf(holder: Entry): boolean {
    if (holder.fresh) return true; // its author field is checked like any other
    const author = this.entries.currentValue(holder, holder.root, THREAD_FIELD.author);
    return author !== null && this.isSelf(plainValue(author), false);
  }

  private insert(entry: Entry): string | null {
    const path = pathOf(entry);
    const [thread, field, message, messageField] = path;
    switch (path.length) {
      case 1: {
        if (entry.key === null || entry.key === '' || entry.key.length > MAX_ID_CHARS) return 'a comment thread needs an id';
        if (!isMap(entry) && !isGone(entry)) return 'a comment thread must be a map';
        if (isMap(entry)) this.needsAuthor.add(entry.item);
        return this.replacing(null, entry);
      }
      case 2:
        return this.field(thread as Entry, entry, THREAD_RULES);
      case 3: {
        if ((field as Entry).key !== THREAD_FIELD.messages || !isArray(field as Entry)) return 'comment threads hold only their own fields';
        if (entry.key !== null) return 'a thread’s messages are a list';
        if (!isMap(entry) && !isGone(entry)) return 'a comment message must be a map';
        if (isMap(entry)) this.needsAuthor.add(entry.item);
        return null;
      }
      case 4:
        return this.field(message as Entry, messageField as Entry, MESSAGE_RULES);
      default:
        return 'comments hold no deeper structure';
    }
  }

  /** A field of a thread or a message map (`holder`). */
  private field(holder: Entry, entry: Entry, rules: Record<string, FieldRule>): string | null {
    if (!isMap(holder)) return 'comment fields belong in a map';
    const rule = entry.key === null ? undefined : rules[entry.key];
    if (!rule || entry.key === null) return `comments have no field ${JSON.stringify(entry.key)}`;
    const refusal = this.mayChange(holder, entry.key, rule);
    if (refusal) return refusal;
    if (!isGone(entry)) {
      if ('type' in rule) {
        if (!isArray(entry)) return `the field ${entry.key} must be a list`;
      } else {
        const value = plainValue(entry);
        if (!rule.value(value)) return `the field ${entry.key} has a value of the wrong kind`;
        if (AUTHOR_FIELDS.has(entry.key)) {
          if (!this.isSelf(value, true)) return 'a comment may only name its own author (the token’s user)';
          if (entry.key === THREAD_FIELD.author || entry.key === MESSAGE_FIELD.author) this.namesAuthor.add(holder.item);
        }
      }
    }
    return this.replacing(holder, entry);
  }

  /** Null when this connection may set or delete the field `key` of the map `holder`. */
  private mayChange(holder: Entry, key: string, rule: FieldRule): string | null {
    // Everything goes into a map the update creates (its values are checked one by one).
    if (holder.fresh) return null;
    const changedBy = 'type' in rule ? 'never' : rule.change;
    switch (changedBy) {
      case 'never':
        return `the field ${key} is set only when its comment is created`;
      case 'writers':
        return this.policy.commentsOnly ? `only those who may edit the text may change the field ${key}` : null;
      case 'author':
        return this.ownedBySelf(holder) ? null : 'only its author may change a comment';
      case 'anyone':
        return null;
    }
  }

  /** A new value for a key deletes the current one (Yjs does, whatever the update's delete set says). */
  private replacing(holder: Entry | null, entry: Entry): string | null {
    if (entry.key === null) return null;
    const current = this.entries.currentValue(holder, entry.root, entry.key);
    return current ? this.remove(current) : null;
  }

  private remove(entry: Entry): string | null {
    const path = pathOf(entry);
    // Deleting a thread or a message deletes everything in it: that deletion is what is checked.
    if (path.slice(0, -1).some((ancestor) => this.entries.deletes(ancestor.item.id))) return null;
    const [thread, , message] = path;
    const fieldOf = (holder: Entry | undefined, rules: Record<string, FieldRule>): string | null => {
      const rule = entry.key === null ? undefined : rules[entry.key];
      if (!holder || !rule || entry.key === null) return 'comments hold only their own fields';
      return this.mayChange(holder, entry.key, rule);
    };
    switch (path.length) {
      case 1:
        return this.ownedBySelf(entry) ? null : 'only its author may delete a comment thread';
      case 2:
        return fieldOf(thread, THREAD_RULES);
      case 3:
        return this.ownedBySelf(entry) ? null : 'only its author may delete a comment';
      case 4:
        return fieldOf(message, MESSAGE_RULES);
      default:
        return 'comments hold no deeper structure';
    }
  }
}

/** Null when `update` may be applied to `doc` under `policy`; otherwise why not (for the log). */
export function checkCommentUpdate(doc: Y.Doc, update: Uint8Array, policy: CommentPolicy): string | null {
  let entries: UpdateEntries;
  try {
    entries = readUpdateEntries(doc, update);
  } catch (error) {
    if (error instanceof UpdateShapeError) return error.message;
    throw error;
  }
  return new CommentRules(entries, policy).check();
}
