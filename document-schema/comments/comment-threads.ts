/**
 * Reading and changing the comment threads of a Y.Doc (comment-fields.ts has the layout).
 * Pure Yjs: no editor, no DOM, so the browser, the exports and the tests share it.
 *
 * Reading is defensive: a thread or message that does not have the expected shape (written by
 * another client, or half-merged) is left out rather than shown wrong.
 */
import * as Y from 'yjs';
import {
  COMMENTS_ROOT,
  MESSAGE_FIELD,
  MESSAGE_RULES,
  THREAD_FIELD,
  THREAD_RULES,
  isCommentAuthor,
  newCommentId,
  type CommentAuthor,
} from './comment-fields.js';
import { restoredAnchor } from './comment-anchor.js';

export interface CommentMessage {
  id: string;
  author: CommentAuthor;
  time: number;
  text: string;
  edited: number | null;
}

export interface CommentThread {
  id: string;
  anchor: Uint8Array;
  quote: string;
  created: number;
  author: CommentAuthor;
  resolved: boolean;
  resolvedBy: CommentAuthor | null;
  resolvedAt: number | null;
  messages: CommentMessage[];
}

export function commentsMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(COMMENTS_ROOT);
}

function valid(rules: typeof THREAD_RULES, map: Y.Map<unknown>, field: string, fallback?: unknown): unknown {
  const rule = rules[field];
  const value = map.has(field) ? map.get(field) : fallback;
  return rule && 'value' in rule && rule.value(value) ? value : undefined;
}

function readMessage(value: unknown): CommentMessage | null {
  if (!(value instanceof Y.Map)) return null;
  const map = value as Y.Map<unknown>;
  const id = valid(MESSAGE_RULES, map, MESSAGE_FIELD.id) as string | undefined;
  const author = valid(MESSAGE_RULES, map, MESSAGE_FIELD.author) as CommentAuthor | undefined;
  const time = valid(MESSAGE_RULES, map, MESSAGE_FIELD.time) as number | undefined;
  const text = valid(MESSAGE_RULES, map, MESSAGE_FIELD.text) as string | undefined;
  const edited = valid(MESSAGE_RULES, map, MESSAGE_FIELD.edited, null) as number | null | undefined;
  if (id === undefined || author === undefined || time === undefined || text === undefined || edited === undefined) return null;
  return { id, author, time, text, edited };
}

/** One thread, or null when it is not (or no longer) a well-formed thread. */
export function readThread(id: string, value: unknown): CommentThread | null {
  if (!(value instanceof Y.Map)) return null;
  const map = value as Y.Map<unknown>;
  const field = (name: string, fallback?: unknown): unknown => valid(THREAD_RULES, map, name, fallback);
  const anchor = field(THREAD_FIELD.anchor) as Uint8Array | undefined;
  const author = field(THREAD_FIELD.author) as CommentAuthor | undefined;
  const created = field(THREAD_FIELD.created) as number | undefined;
  const list = map.get(THREAD_FIELD.messages);
  if (!anchor || !author || created === undefined || !(list instanceof Y.Array)) return null;
  const messages = (list as Y.Array<unknown>).toArray().map(readMessage).filter((m): m is CommentMessage => m !== null);
  // A thread is its opening message and the replies to it: without one there is nothing to show.
  if (messages.length === 0) return null;
  return {
    id,
    anchor,
    quote: (field(THREAD_FIELD.quote, '') as string | undefined) ?? '',
    created,
    author,
    resolved: field(THREAD_FIELD.resolved, false) === true,
    resolvedBy: (field(THREAD_FIELD.resolvedBy, null) as CommentAuthor | null | undefined) ?? null,
    resolvedAt: (field(THREAD_FIELD.resolvedAt, null) as number | null | undefined) ?? null,
    messages,
  };
}

/** Every well-formed thread, oldest first (ties by id, so every client agrees). */
export function readThreads(doc: Y.Doc): CommentThread[] {
  const threads: CommentThread[] = [];
  commentsMap(doc).forEach((value, id) => {
    const thread = readThread(id, value);
    if (thread) threads.push(thread);
  });
  return threads.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface NewThread {
  anchor: Uint8Array;
  quote: string;
  author: CommentAuthor;
  text: string;
  time?: number;
  id?: string;
}

function messageMap(author: CommentAuthor, text: string, time: number): Y.Map<unknown> {
  const message = new Y.Map<unknown>();
  message.set(MESSAGE_FIELD.id, newCommentId());
  message.set(MESSAGE_FIELD.author, author);
  message.set(MESSAGE_FIELD.time, time);
  message.set(MESSAGE_FIELD.text, text);
  return message;
}

/** Opens a thread on the anchored text; returns its id. */
export function addThread(doc: Y.Doc, thread: NewThread, origin: unknown = null): string {
  const id = thread.id ?? newCommentId();
  const time = thread.time ?? Date.now();
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    map.set(THREAD_FIELD.anchor, thread.anchor);
    map.set(THREAD_FIELD.quote, thread.quote);
    map.set(THREAD_FIELD.created, time);
    map.set(THREAD_FIELD.author, thread.author);
    const messages = new Y.Array<Y.Map<unknown>>();
    messages.push([messageMap(thread.author, thread.text, time)]);
    map.set(THREAD_FIELD.messages, messages);
    commentsMap(doc).set(id, map);
  }, origin);
  return id;
}

function threadMap(doc: Y.Doc, threadId: string): Y.Map<unknown> | null {
  const map = commentsMap(doc).get(threadId);
  return map instanceof Y.Map ? map : null;
}

function messageList(doc: Y.Doc, threadId: string): Y.Array<Y.Map<unknown>> | null {
  const list = threadMap(doc, threadId)?.get(THREAD_FIELD.messages);
  return list instanceof Y.Array ? (list as Y.Array<Y.Map<unknown>>) : null;
}

/** Adds a reply; false when the thread is gone (deleted meanwhile by someone else). */
export function addReply(doc: Y.Doc, threadId: string, author: CommentAuthor, text: string, origin: unknown = null, time = Date.now()): boolean {
  const list = messageList(doc, threadId);
  if (!list) return false;
  doc.transact(() => list.push([messageMap(author, text, time)]), origin);
  return true;
}

function findMessage(list: Y.Array<Y.Map<unknown>>, messageId: string): { map: Y.Map<unknown>; index: number } | null {
  let found: { map: Y.Map<unknown>; index: number } | null = null;
  list.forEach((map, index) => {
    if (!found && map instanceof Y.Map && map.get(MESSAGE_FIELD.id) === messageId) found = { map, index };
  });
  return found;
}

function sameAuthor(a: unknown, b: CommentAuthor): boolean {
  return isCommentAuthor(a) && a.id === b.id && a.kind === b.kind;
}

/** Changes the text of one's own message; false when it is gone or someone else's. */
export function editMessage(doc: Y.Doc, threadId: string, messageId: string, by: CommentAuthor, text: string, origin: unknown = null, time = Date.now()): boolean {
  const list = messageList(doc, threadId);
  const found = list && findMessage(list, messageId);
  if (!found || !sameAuthor(found.map.get(MESSAGE_FIELD.author), by)) return false;
  doc.transact(() => {
    found.map.set(MESSAGE_FIELD.text, text);
    found.map.set(MESSAGE_FIELD.edited, time);
  }, origin);
  return true;
}

/**
 * Deletes one's own message. The first message opened the thread: deleting it deletes the
 * thread with its replies (only its author may). False when it is gone or someone else's.
 */
export function deleteMessage(doc: Y.Doc, threadId: string, messageId: string, by: CommentAuthor, origin: unknown = null): boolean {
  const list = messageList(doc, threadId);
  const found = list && findMessage(list, messageId);
  if (!list || !found || !sameAuthor(found.map.get(MESSAGE_FIELD.author), by)) return false;
  if (found.index === 0) return deleteThread(doc, threadId, by, origin);
  doc.transact(() => list.delete(found.index, 1), origin);
  return true;
}

/** Deletes a thread one opened, with every reply. */
export function deleteThread(doc: Y.Doc, threadId: string, by: CommentAuthor, origin: unknown = null): boolean {
  const map = threadMap(doc, threadId);
  if (!map || !sameAuthor(map.get(THREAD_FIELD.author), by)) return false;
  doc.transact(() => commentsMap(doc).delete(threadId), origin);
  return true;
}

/** Resolves or reopens a thread (anyone who may comment may). */
export function setResolved(doc: Y.Doc, threadId: string, resolved: boolean, by: CommentAuthor, origin: unknown = null, time = Date.now()): boolean {
  const map = threadMap(doc, threadId);
  if (!map) return false;
  doc.transact(() => {
    map.set(THREAD_FIELD.resolved, resolved);
    map.set(THREAD_FIELD.resolvedBy, by);
    map.set(THREAD_FIELD.resolvedAt, time);
  }, origin);
  return true;
}

/** Moves a thread to other text (the same text, rewritten by a block edit). */
export function setAnchor(doc: Y.Doc, threadId: string, anchor: Uint8Array, origin: unknown = null): boolean {
  const map = threadMap(doc, threadId);
  if (!map) return false;
  doc.transact(() => map.set(THREAD_FIELD.anchor, anchor), origin);
  return true;
}

/**
 * After an undo or a restore brought deleted text back in `doc`: re-points the threads on that
 * text at the restored characters, so that every replica finds them (see `restoredAnchor`).
 * Returns how many threads moved.
 */
export function followRestoredText(doc: Y.Doc, origin: unknown = null): number {
  const moved: [string, Uint8Array][] = [];
  for (const thread of readThreads(doc)) {
    const anchor = restoredAnchor(doc, thread.anchor);
    if (anchor) moved.push([thread.id, anchor]);
  }
  if (moved.length > 0) doc.transact(() => moved.forEach(([id, anchor]) => setAnchor(doc, id, anchor)), origin);
  return moved.length;
}
