/**
 * Documents with comment threads for tests: text in the `default` fragment written through the
 * editor's schema, anchors made the way the editor makes them (from ProseMirror positions),
 * and the text an anchor covers now.
 */
import { getSchema } from '@tiptap/core';
import { initProseMirrorDoc, prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { documentExtensions } from '../../document-schema/document-extensions.js';
import { anchorForRange, resolveAnchor } from '../../document-schema/comments/comment-anchor.js';
import type { CommentAuthor } from '../../document-schema/comments/comment-fields.js';
import { addThread, readThreads } from '../../document-schema/comments/comment-threads.js';

export const schema = getSchema(documentExtensions({ presentation: 'class' }));

export const ada: CommentAuthor = { id: 'ada', name: 'Ada', kind: 'token' };
export const bob: CommentAuthor = { id: 'bob', name: 'Bob', kind: 'token' };

/** Writes paragraphs into the document's `default` fragment. */
export function writeParagraphs(doc: Y.Doc, paragraphs: string[]): void {
  const content = paragraphs.map((text) => (text ? { type: 'paragraph', content: [{ type: 'text', text }] } : { type: 'paragraph' }));
  prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content }, doc.getXmlFragment('default'));
}

export function docWithParagraphs(paragraphs: string[], clientID?: number): Y.Doc {
  const doc = new Y.Doc();
  if (clientID !== undefined) doc.clientID = clientID;
  writeParagraphs(doc, paragraphs);
  return doc;
}

/** The ProseMirror document of the `default` fragment with its type mapping. */
export function rendered(doc: Y.Doc): ReturnType<typeof initProseMirrorDoc> {
  return initProseMirrorDoc(doc.getXmlFragment('default'), schema);
}

/** The anchor of the `occurrence`-th appearance of `text` in the document's text. */
export function anchorOn(doc: Y.Doc, text: string, occurrence = 0): Uint8Array {
  const view = rendered(doc);
  const found: number[] = [];
  view.doc.descendants((node, pos) => {
    if (!node.isText || !node.text) return;
    for (let at = node.text.indexOf(text); at >= 0; at = node.text.indexOf(text, at + 1)) found.push(pos + at);
  });
  const from = found[occurrence];
  if (from === undefined) throw new Error(`no occurrence ${occurrence} of ${JSON.stringify(text)}`);
  return anchorForRange(doc.getXmlFragment('default'), view.mapping, { from, to: from + text.length });
}

/** The text an anchor covers now; null when all of it is gone. */
export function anchoredText(doc: Y.Doc, anchor: Uint8Array): string | null {
  const view = rendered(doc);
  const range = resolveAnchor(doc.getXmlFragment('default'), view.mapping, anchor, view.doc);
  return range ? view.doc.textBetween(range.from, range.to, '\n') : null;
}

/** Opens a thread on the text between ProseMirror positions `from` and `to`; returns its id. */
export function commentOnRange(doc: Y.Doc, from: number, to: number, author: CommentAuthor, message: string, time = 1_700_000_000_000): string {
  const view = rendered(doc);
  const anchor = anchorForRange(doc.getXmlFragment('default'), view.mapping, { from, to });
  return addThread(doc, { anchor, quote: view.doc.textBetween(from, to, '\n'), author, text: message, time });
}

/** Opens a thread on `text` and returns its id. */
export function commentOn(doc: Y.Doc, text: string, author: CommentAuthor, message: string, time = 1_700_000_000_000): string {
  return addThread(doc, { anchor: anchorOn(doc, text), quote: text, author, text: message, time });
}

/** Each thread's id with the text its anchor covers now. */
export function threadTexts(doc: Y.Doc): Record<string, string | null> {
  return Object.fromEntries(readThreads(doc).map((t) => [t.id, anchoredText(doc, t.anchor)]));
}

/** The text of the paragraphs, one string per paragraph. */
export function paragraphs(doc: Y.Doc): string[] {
  const texts: string[] = [];
  rendered(doc).doc.forEach((node) => texts.push(node.textContent));
  return texts;
}

/** A copy of `doc` as another client (with its own client id). */
export function replica(doc: Y.Doc, clientID?: number): Y.Doc {
  const copy = new Y.Doc();
  if (clientID !== undefined) copy.clientID = clientID;
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** What `change` does to a replica of `doc`, as the updates a client sends for it, merged. */
export function updateOf(doc: Y.Doc, change: (replica: Y.Doc) => void, clientID?: number): Uint8Array {
  const copy = replica(doc, clientID);
  const updates: Uint8Array[] = [];
  copy.on('update', (update: Uint8Array) => updates.push(update));
  change(copy);
  copy.destroy();
  return Y.mergeUpdates(updates);
}
