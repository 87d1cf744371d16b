/**
 * Comment threads in exports (export-format.ts):
 *
 *   json      a `comments` list beside the document: each thread with the text it is on now
 *             (`anchor`, null once that text is gone), the text it was opened on (`quote`),
 *             who opened and resolved it, when, and its messages
 *   html      footnote-style notes: a numbered marker after each commented text, linked to a
 *   markdown  "Comments" section at the end (Markdown: `[^n]` footnotes); threads whose text
 *             is gone are listed there without a marker
 *
 * Threads are in document order (of where they sit), those whose text is gone last. Times are
 * ISO 8601 in JSON and UTC in the notes; a name not vouched for by a token is marked so.
 *
 * Markers are placed as private-use placeholder characters in the ProseMirror document, so that
 * the HTML and Markdown serializers carry them through (escaping nothing), then replaced.
 */
import type { Node as PmNode, Schema } from '@tiptap/pm/model';
import { TextSelection } from '@tiptap/pm/state';
import { Transform } from '@tiptap/pm/transform';
import { initProseMirrorDoc } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { resolveAnchor, type AnchorRange } from '../document-schema/comments/comment-anchor.js';
import type { CommentAuthor } from '../document-schema/comments/comment-fields.js';
import { readThreads, type CommentThread } from '../document-schema/comments/comment-threads.js';

export interface ExportedMessage {
  id: string;
  author: CommentAuthor;
  time: string;
  text: string;
  edited: string | null;
}

export interface ExportedThread {
  id: string;
  /** Where the thread sits now (ProseMirror positions in the exported document); null once its text is gone. */
  anchor: { text: string; from: number; to: number } | null;
  quote: string;
  author: CommentAuthor;
  created: string;
  resolved: boolean;
  resolvedBy: CommentAuthor | null;
  resolvedAt: string | null;
  messages: ExportedMessage[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

interface Placed {
  thread: CommentThread;
  range: AnchorRange | null;
}

/** The document's threads with where each sits in `pmDoc`, in document order (orphans last). */
function placedThreads(doc: Y.Doc, schema: Schema): { pmDoc: PmNode; placed: Placed[] } {
  const fragment = doc.getXmlFragment('default');
  const { doc: pmDoc, mapping } = initProseMirrorDoc(fragment, schema);
  const placed = readThreads(doc).map((thread) => ({ thread, range: resolveAnchor(fragment, mapping, thread.anchor, pmDoc) }));
  // Stable: threads at the same place stay in order of creation.
  placed.sort((a, b) => (a.range && b.range ? a.range.from - b.range.from : a.range ? -1 : b.range ? 1 : 0));
  return { pmDoc, placed };
}

function exported({ thread, range }: Placed, pmDoc: PmNode): ExportedThread {
  return {
    id: thread.id,
    anchor: range ? { text: pmDoc.textBetween(range.from, range.to, '\n'), ...range } : null,
    quote: thread.quote,
    author: thread.author,
    created: iso(thread.created),
    resolved: thread.resolved,
    resolvedBy: thread.resolvedBy,
    resolvedAt: isoOrNull(thread.resolvedAt),
    messages: thread.messages.map((m) => ({ id: m.id, author: m.author, time: iso(m.time), text: m.text, edited: isoOrNull(m.edited) })),
  };
}

/** The `comments` list of the JSON export. */
export function commentsJson(doc: Y.Doc, schema: Schema): ExportedThread[] {
  const { pmDoc, placed } = placedThreads(doc, schema);
  return placed.map((p) => exported(p, pmDoc));
}

const MARK_OPEN = '\uE000';
const MARK_CLOSE = '\uE001';
const MARKER = new RegExp(`${MARK_OPEN}(\\d+)${MARK_CLOSE}`, 'g');

/** The document with a numbered placeholder after each commented text, and the threads in note order. */
export interface Annotated {
  pmDoc: PmNode;
  /** Note n is `notes[n - 1]`; those with a marker come first. */
  notes: ExportedThread[];
}

export function annotate(doc: Y.Doc, schema: Schema): Annotated {
  const { pmDoc, placed } = placedThreads(doc, schema);
  const notes = placed.map((p) => exported(p, pmDoc));
  const transform = new Transform(pmDoc);
  // From the end backwards, so the positions still to visit do not move.
  const marked = placed.map((p, i) => ({ number: i + 1, range: p.range })).filter((m): m is { number: number; range: AnchorRange } => m.range !== null);
  for (const { number, range } of marked.reverse()) {
    // After the last commented character; inside text, whatever block the range ends on.
    const $end = transform.doc.resolve(range.to);
    const at = $end.parent.inlineContent ? $end.pos : (TextSelection.findFrom($end, -1, true)?.from ?? null);
    if (at !== null) transform.insert(at, schema.text(`${MARK_OPEN}${number}${MARK_CLOSE}`));
  }
  return { pmDoc: transform.doc, notes };
}

function when(isoTime: string): string {
  return `${isoTime.slice(0, 10)} ${isoTime.slice(11, 16)} UTC`;
}

function authorName(author: CommentAuthor): string {
  return author.kind === 'token' ? author.name : `${author.name} (unverified)`;
}

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Markers become links to the notes, and the notes a "Comments" section at the end. */
export function htmlWithNotes(html: string, notes: ExportedThread[]): string {
  if (notes.length === 0) return html;
  const withMarkers = html.replace(MARKER, (_, n: string) => `<sup class="comment-ref" id="comment-ref-${n}"><a href="#comment-${n}">[${n}]</a></sup>`);
  const items = notes.map((note, i) => {
    const n = i + 1;
    const on = note.anchor
      ? `<a href="#comment-ref-${n}">On “${escapeHtml(note.anchor.text)}”</a>`
      : `On “${escapeHtml(note.quote)}” (that text has since been deleted)`;
    const status = note.resolved ? ` · resolved${note.resolvedBy ? ` by ${escapeHtml(authorName(note.resolvedBy))}` : ''}` : '';
    const messages = note.messages.map(
      (m) =>
        `<p><strong>${escapeHtml(authorName(m.author))}</strong> · <time datetime="${m.time}">${when(m.time)}</time>${m.edited ? ' (edited)' : ''}<br>` +
        `${escapeHtml(m.text).replace(/\n/g, '<br>')}</p>`,
    );
    return `<li id="comment-${n}"><p>${on}${status}</p>${messages.join('')}</li>`;
  });
  return `${withMarkers}<section class="comments"><h2>Comments</h2><ol>${items.join('')}</ol></section>`;
}

/** Text that Markdown shows as it is. */
const escapeMarkdown = (text: string): string => text.replace(/[\\`*_[\]<>#|~]/g, '\\$&');

/** Markers become footnote references, and the notes footnotes in a "Comments" section at the end. */
export function markdownWithNotes(markdown: string, notes: ExportedThread[]): string {
  if (notes.length === 0) return markdown;
  const withMarkers = markdown.replace(MARKER, (_, n: string) => `[^${n}]`);
  // A footnote's further paragraphs are indented by four spaces; lines within one end in a hard break.
  const body = (text: string): string => escapeMarkdown(text).split('\n').join('\\\n    ');
  const message = (m: ExportedMessage): string => `**${escapeMarkdown(authorName(m.author))}** · ${when(m.time)}${m.edited ? ' (edited)' : ''}: ${body(m.text)}`;
  const status = (note: ExportedThread): string[] =>
    note.resolved ? [`*Resolved${note.resolvedBy ? ` by ${escapeMarkdown(authorName(note.resolvedBy))}` : ''}*`] : [];
  const sections: string[] = [];
  notes.forEach((note, i) => {
    const paragraphs = [`On “${body(note.anchor?.text ?? note.quote)}”${note.anchor ? '' : ' (that text has since been deleted)'}`, ...note.messages.map(message), ...status(note)];
    sections.push(note.anchor ? `[^${i + 1}]: ${paragraphs.join('\n\n    ')}` : `- ${paragraphs.join('\n\n  ')}`);
  });
  const separator = withMarkers.length > 0 && !withMarkers.endsWith('\n') ? '\n\n' : withMarkers.length > 0 ? '\n' : '';
  return `${withMarkers}${separator}## Comments\n\n${sections.join('\n\n')}\n`;
}
