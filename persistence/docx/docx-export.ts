/**
 * A document as a Word file (.docx), written with the `docx` library: the blocks as
 * docx-blocks.ts says, and comment threads as Word comments — each message a comment of its
 * own by its author at its time, all on the thread's text, so Word lists a thread's replies
 * together; a resolved thread's last comment says who resolved it. Threads whose text is gone
 * have nothing to sit on in Word and are left out (the JSON export keeps them).
 *
 * The caller hands in the ProseMirror document and its threads with their positions in it
 * (comment-export.ts), so this module needs neither Yjs nor the export formats.
 */
import type { Node as PmNode } from '@tiptap/pm/model';
import { Document, Packer, Paragraph, TextRun, type FileChild, type ICommentOptions } from 'docx';
import type { ExportedThread } from '../comment-export.js';
import { blockToDocx, type BlockContext } from './docx-blocks.js';
import { CommentMarkers, type CommentPoint } from './docx-inline.js';
import { DOCX_STYLES, docxNumbering } from './docx-styles.js';

export const DOCX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

interface WordThread {
  thread: ExportedThread;
  /** One Word comment id per message, in order. */
  ids: number[];
  from: number;
  to: number;
}

function authorName(author: ExportedThread['author']): string {
  return author.kind === 'token' ? author.name : `${author.name} (unverified)`;
}

function initials(name: string): string {
  return (
    name
      .split(/\s+/)
      .filter((part) => part.length > 0)
      .slice(0, 3)
      .map((part) => [...part][0]?.toUpperCase() ?? '')
      .join('') || '?'
  );
}

function wordThreads(threads: readonly ExportedThread[]): WordThread[] {
  let next = 0;
  const placed: WordThread[] = [];
  for (const thread of threads) {
    if (!thread.anchor || thread.messages.length === 0) continue;
    const ids = thread.messages.map(() => next++);
    placed.push({ thread, ids, from: thread.anchor.from, to: thread.anchor.to });
  }
  return placed;
}

function points(threads: readonly WordThread[], key: 'from' | 'to'): CommentPoint[] {
  return threads.map((t) => ({ pos: t[key], ids: t.ids })).sort((a, b) => a.pos - b.pos);
}

function paragraphsOf(text: string): Paragraph[] {
  return text.split('\n').map((line) => new Paragraph({ children: [new TextRun(line)] }));
}

function wordComments(threads: readonly WordThread[], written: ReadonlySet<number>): ICommentOptions[] {
  const comments: ICommentOptions[] = [];
  for (const { thread, ids } of threads) {
    thread.messages.forEach((message, i) => {
      const id = ids[i];
      if (id === undefined || !written.has(id)) return;
      const name = authorName(message.author);
      const last = i === thread.messages.length - 1;
      const resolved =
        last && thread.resolved
          ? [new Paragraph({ children: [new TextRun({ text: `Resolved${thread.resolvedBy ? ` by ${authorName(thread.resolvedBy)}` : ''}`, italics: true })] })]
          : [];
      comments.push({ id, author: name, initials: initials(message.author.name), date: new Date(message.time), children: [...paragraphsOf(message.text), ...resolved] });
    });
  }
  return comments;
}

export interface DocxInput {
  /** The document's title in the file's properties. */
  title: string;
  pmDoc: PmNode;
  /** Threads with their positions in `pmDoc` (commentsJson). */
  threads: readonly ExportedThread[];
  /** The bytes of the document's image files, by the address image nodes hold (missing: alt text shows). */
  files: ReadonlyMap<string, Uint8Array>;
}

export async function toDocx({ title, pmDoc, threads, files }: DocxInput): Promise<Uint8Array> {
  const placed = wordThreads(threads);
  const markers = new CommentMarkers(points(placed, 'from'), points(placed, 'to'));
  const ctx: BlockContext = { markers, files, starts: new Set(), lists: 0 };
  const children: FileChild[] = [];
  pmDoc.forEach((node, offset) => children.push(...blockToDocx(node, offset, ctx)));
  // A range still open at the end closes in a paragraph of its own.
  const open = markers.remainingEnds();
  if (open.length > 0) children.push(new Paragraph({ children: open }));
  // Word refuses a document without a paragraph.
  if (children.length === 0) children.push(new Paragraph({ children: [] }));
  const document = new Document({
    creator: 'Tandem',
    title,
    styles: DOCX_STYLES,
    numbering: docxNumbering(ctx.starts),
    comments: { children: wordComments(placed, markers.ended) },
    sections: [{ children }],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}
