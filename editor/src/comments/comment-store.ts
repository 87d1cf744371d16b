/**
 * The comment threads of the open document, kept current from its Y.Doc: what the panel and
 * the highlights show, and the changes this user makes (in the name of `author()`).
 *
 * Listeners hear of every change once per batch of Yjs transactions (a remote update and the
 * editor's own redraw can come in one task). "New from others" counts messages by someone
 * else that arrived after the document's first sync — what was there when it opened is not new.
 */
import * as Y from 'yjs';
import type { CommentAuthor } from '../../../document-schema/comments/comment-fields.js';
import {
  addReply,
  addThread,
  commentsMap,
  deleteMessage,
  editMessage,
  readThreads,
  setResolved,
  type CommentThread,
} from '../../../document-schema/comments/comment-threads.js';
import { sameAuthor } from './comment-author.js';

/** The origin of this user's comment changes (the undo manager does not track it: Ctrl+Z is for text). */
export const COMMENT_ORIGIN = Symbol('tandem:comment');

export class CommentStore {
  threads: CommentThread[] = [];
  private readonly listeners = new Set<(fresh: string[]) => void>();
  private readonly known = new Set<string>();
  private baselineTaken = false;
  private scheduled = false;

  constructor(
    readonly doc: Y.Doc,
    readonly author: () => CommentAuthor,
  ) {
    commentsMap(doc).observeDeep(this.onChange);
    this.read();
  }

  /** Called with the ids of messages others wrote that arrived since the last call. */
  subscribe(listener: (fresh: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Everything present now counts as seen; later messages from others are new. */
  takeBaseline(): void {
    // Read now: the sync that made this the baseline may not have been read yet.
    this.threads = readThreads(this.doc);
    for (const thread of this.threads) for (const message of thread.messages) this.known.add(message.id);
    this.baselineTaken = true;
  }

  thread(id: string): CommentThread | undefined {
    return this.threads.find((t) => t.id === id);
  }

  isMine(author: CommentAuthor): boolean {
    return sameAuthor(author, this.author());
  }

  add(anchor: Uint8Array, quote: string, text: string): string {
    return addThread(this.doc, { anchor, quote: quote.slice(0, 1000), author: this.author(), text }, COMMENT_ORIGIN);
  }

  reply(threadId: string, text: string): boolean {
    return addReply(this.doc, threadId, this.author(), text, COMMENT_ORIGIN);
  }

  edit(threadId: string, messageId: string, text: string): boolean {
    return editMessage(this.doc, threadId, messageId, this.author(), text, COMMENT_ORIGIN);
  }

  remove(threadId: string, messageId: string): boolean {
    return deleteMessage(this.doc, threadId, messageId, this.author(), COMMENT_ORIGIN);
  }

  resolve(threadId: string, resolved: boolean): boolean {
    return setResolved(this.doc, threadId, resolved, this.author(), COMMENT_ORIGIN);
  }

  destroy(): void {
    commentsMap(this.doc).unobserveDeep(this.onChange);
    this.listeners.clear();
  }

  private readonly onChange = (): void => {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const fresh = this.read();
      for (const listener of this.listeners) listener(fresh);
    });
  };

  /** Re-reads the threads; returns the ids of messages by others not seen before. */
  private read(): string[] {
    this.threads = readThreads(this.doc);
    const fresh: string[] = [];
    for (const thread of this.threads) {
      for (const message of thread.messages) {
        if (this.known.has(message.id)) continue;
        if (this.baselineTaken) this.known.add(message.id);
        if (this.baselineTaken && !this.isMine(message.author)) fresh.push(message.id);
      }
    }
    return fresh;
  }
}
