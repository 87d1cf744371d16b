/**
 * What changed in a document between two points of its history, as `GET /api/docs/<doc>/diff`
 * and `tandem diff --format json` give it (PROTOCOL.md): the document's tree — ProseMirror's
 * JSON shape — holding everything that existed at either point, each node and stretch of text
 * marked
 *
 *   unchanged   there at both points (`by`/`seq`/`time`: who wrote it, when)
 *   inserted    there only at the later point (who inserted it, when)
 *   deleted     there only at the earlier point (who deleted it, when)
 *   formatted   there at both, with other marks (`marksBefore`) or another node type or
 *               attributes (`typeBefore`, `attrsBefore`): who changed the formatting, when
 *
 * Both states can be read back from it (`diffSide`), and `mergedDiffDoc` turns it into one
 * document with the changes as marks, which the editor's compare view and the HTML rendering
 * show. Shared by the server and the editor: no DOM, no Node.
 */
import type { JSONContent } from '@tiptap/core';

export type DiffChange = 'unchanged' | 'inserted' | 'deleted' | 'formatted';

export interface DiffMark {
  type: string;
  attrs?: Record<string, unknown>;
}

/** Who made a change and when: an index into the diff's `authors`, the record and its time (null when unknown). */
export interface DiffStamp {
  by: number;
  seq: number;
  time: string | null;
}

export interface DiffText extends DiffStamp {
  text: string;
  change: DiffChange;
  /** Its marks where it exists: after, or before for deleted text. */
  marks?: DiffMark[];
  /** The marks at the earlier point, for `formatted` text. */
  marksBefore?: DiffMark[];
}

export interface DiffElement extends DiffStamp {
  type: string;
  change: DiffChange;
  attrs?: Record<string, unknown>;
  /** For a `formatted` node whose type changed (a paragraph made a heading). */
  typeBefore?: string;
  /** For a `formatted` node: its attributes at the earlier point. */
  attrsBefore?: Record<string, unknown>;
  content?: DiffNode[];
}

export type DiffNode = DiffElement | DiffText;

/** Who wrote a change, as the server recorded it (persistence/author.ts). */
export interface DiffAuthor {
  /** `user:<id>` (a token's user) or `name:<name>` (a self-declared name); null when nobody is known. */
  id: string | null;
  name: string;
  declared: boolean;
  /** The text came back by a restore (counted as its requester's) or a recovery. */
  via: 'restore' | 'recovery' | null;
}

/** Words and characters each person changed (words: see persistence/diff/diff-summary.ts). */
export interface DiffAuthorSummary {
  id: string | null;
  name: string;
  declared: boolean;
  wordsAdded: number;
  wordsRemoved: number;
  wordsFormatted: number;
  charsAdded: number;
  charsRemoved: number;
}

export interface DiffPoint {
  seq: number;
  /** Time of the record at `seq`; null for 0 (the empty document) or a record no longer kept. */
  time: string | null;
}

export interface DocDiff {
  name: string;
  from: DiffPoint;
  to: DiffPoint;
  authors: DiffAuthor[];
  summary: DiffAuthorSummary[];
  /** The rich text (the editor's `default` fragment). */
  doc: { type: 'doc'; content: DiffNode[] };
  /** Plain Y.Text roots, as other editors' bindings write them (sorted by name). */
  texts: { root: string; content: DiffText[] }[];
}

export type DiffSide = 'before' | 'after';

export function isDiffText(node: DiffNode): node is DiffText {
  return 'text' in node;
}

/** Whether a change exists on a side: inserted things only after, deleted ones only before. */
export function onSide(change: DiffChange, side: DiffSide): boolean {
  return side === 'before' ? change !== 'inserted' : change !== 'deleted';
}

function marksOn(text: DiffText, side: DiffSide): DiffMark[] | undefined {
  return side === 'before' && text.change === 'formatted' ? text.marksBefore : text.marks;
}

function sameMarks(a: DiffMark[] | undefined, b: DiffMark[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/** Adds a text node, joined to the one before when their marks are the same (as ProseMirror does). */
function pushText(out: JSONContent[], text: string, marks: DiffMark[] | undefined): void {
  if (text === '') return;
  const last = out.at(-1);
  if (last?.type === 'text' && sameMarks(last.marks as DiffMark[] | undefined, marks)) {
    last.text = (last.text ?? '') + text;
    return;
  }
  out.push(marks && marks.length > 0 ? { type: 'text', text, marks: marks.map((m) => ({ ...m })) } : { type: 'text', text });
}

/** The content as it was before (or is after): ProseMirror JSON, as an export of that point gives it. */
export function diffSide(nodes: readonly DiffNode[], side: DiffSide): JSONContent[] {
  const out: JSONContent[] = [];
  for (const node of nodes) {
    if (!onSide(node.change, side)) continue;
    if (isDiffText(node)) {
      pushText(out, node.text, marksOn(node, side));
      continue;
    }
    const before = side === 'before' && node.change === 'formatted';
    const attrs = before ? node.attrsBefore : node.attrs;
    const element: JSONContent = { type: (before ? node.typeBefore : undefined) ?? node.type };
    if (attrs && Object.keys(attrs).length > 0) element.attrs = { ...attrs };
    if (node.content) {
      const content = diffSide(node.content, side);
      if (content.length > 0) element.content = content;
    }
    out.push(element);
  }
  return out;
}

/** The whole document on one side. */
export function docSide(diff: Pick<DocDiff, 'doc'>, side: DiffSide): JSONContent {
  const content = diffSide(diff.doc.content, side);
  return content.length > 0 ? { type: 'doc', content } : { type: 'doc' };
}

/** The mark and node attribute that carry a change in a merged document (diff-marks.ts renders them). */
export const DIFF_MARK = 'diffChange';
export const DIFF_ATTR = 'diff';

export interface DiffMarkAttrs {
  change: Exclude<DiffChange, 'unchanged'>;
  by: number;
  /** What hovering says: who, what and when. */
  title: string;
}

/**
 * One document holding both sides — deleted and inserted text side by side, formatting as it
 * is after — with every change as a `diffChange` mark on text and a `diff` attribute on nodes.
 * `describe` words the hover text (the server and the browser format times differently).
 */
export function mergedDiffDoc(diff: Pick<DocDiff, 'doc'>, describe: (node: DiffNode) => string): JSONContent {
  const merge = (nodes: readonly DiffNode[]): JSONContent[] => {
    const out: JSONContent[] = [];
    for (const node of nodes) {
      const attrs: DiffMarkAttrs | null = node.change === 'unchanged' ? null : { change: node.change, by: node.by, title: describe(node) };
      if (isDiffText(node)) {
        if (node.text === '') continue;
        // A deleted text's marks are those it had; anything else shows as it is after.
        const marks: DiffMark[] = [...(node.marks ?? [])];
        if (attrs) marks.push({ type: DIFF_MARK, attrs: { ...attrs } });
        out.push(marks.length > 0 ? { type: 'text', text: node.text, marks } : { type: 'text', text: node.text });
        continue;
      }
      const element: JSONContent = { type: node.type };
      if (node.attrs || attrs) element.attrs = { ...node.attrs, ...(attrs ? { [DIFF_ATTR]: attrs } : {}) };
      if (node.content) {
        const content = merge(node.content);
        if (content.length > 0) element.content = content;
      }
      out.push(element);
    }
    return out;
  };
  const content = merge(diff.doc.content);
  return { type: 'doc', content: content.length > 0 ? content : [{ type: 'paragraph' }] };
}
