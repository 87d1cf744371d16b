/**
 * A text block's inline content as Word runs: marks as run properties, links as hyperlinks,
 * hard breaks as line breaks, and comment ranges placed where each thread's text starts and
 * ends (Word comments mark a range with start and end markers and a reference run after it).
 *
 *   bold, italic, strike  run properties            underline  single underline
 *   highlight             yellow highlight          code       the "Inline Code" character style
 *   link                  a hyperlink to the address, in Word's Hyperlink style (refused
 *                         addresses: link-policy.ts, plain text)
 */
import type { Mark, Node as PmNode } from '@tiptap/pm/model';
import { CommentRangeEnd, CommentRangeStart, CommentReference, ExternalHyperlink, HighlightColor, TextRun, type IRunOptions, type ParagraphChild } from 'docx';
import { isAllowedLinkUrl } from '../../document-schema/link-policy.js';
import { WORD_STYLES, wordStyleId } from './word-styles.js';

/** Where comment ranges start and end (ProseMirror positions), and which Word comment ids each carries. */
export interface CommentPoint {
  pos: number;
  ids: number[];
}

/**
 * Hands out comment range markers in document order: everything due at or before a position,
 * once. Ends come before starts at one position, so back-to-back ranges do not nest.
 */
export class CommentMarkers {
  private startAt = 0;
  private endAt = 0;
  /** Comment ids whose start marker was written (their end must be, too). */
  readonly started = new Set<number>();
  readonly ended = new Set<number>();

  constructor(
    private readonly starts: readonly CommentPoint[],
    private readonly ends: readonly CommentPoint[],
  ) {}

  /** Positions inside (from, to) where a range starts or ends: text is split there. */
  cutsWithin(from: number, to: number): number[] {
    const cuts = [...this.starts, ...this.ends].map((p) => p.pos).filter((pos) => pos > from && pos < to);
    return [...new Set(cuts)].sort((a, b) => a - b);
  }

  /** End markers (each with its reference run) due at or before `pos`. */
  endsUpTo(pos: number): ParagraphChild[] {
    const out: ParagraphChild[] = [];
    while (this.endAt < this.ends.length && (this.ends[this.endAt]?.pos ?? Infinity) <= pos) {
      for (const id of this.ends[this.endAt]?.ids ?? []) {
        if (!this.started.has(id) || this.ended.has(id)) continue;
        this.ended.add(id);
        out.push(new CommentRangeEnd(id), new TextRun({ children: [new CommentReference(id)] }));
      }
      this.endAt += 1;
    }
    return out;
  }

  /** Start markers due at or before `pos`. */
  startsUpTo(pos: number): ParagraphChild[] {
    const out: ParagraphChild[] = [];
    while (this.startAt < this.starts.length && (this.starts[this.startAt]?.pos ?? Infinity) <= pos) {
      for (const id of this.starts[this.startAt]?.ids ?? []) {
        this.started.add(id);
        out.push(new CommentRangeStart(id));
      }
      this.startAt += 1;
    }
    return out;
  }

  /** Ends of ranges started but not yet ended (closing the document). */
  remainingEnds(): ParagraphChild[] {
    return this.endsUpTo(Infinity);
  }
}

function runOptions(marks: readonly Mark[]): IRunOptions {
  const names = new Set(marks.map((m) => m.type.name));
  return {
    ...(names.has('bold') ? { bold: true } : {}),
    ...(names.has('italic') ? { italics: true } : {}),
    ...(names.has('underline') ? { underline: {} } : {}),
    ...(names.has('strike') ? { strike: true } : {}),
    ...(names.has('highlight') ? { highlight: HighlightColor.YELLOW } : {}),
    ...(names.has('code') ? { style: wordStyleId(WORD_STYLES.inlineCode) } : {}),
  };
}

function linkOf(marks: readonly Mark[]): string | null {
  const href = marks.find((m) => m.type.name === 'link')?.attrs['href'];
  return isAllowedLinkUrl(href) ? href : null;
}

function textRun(text: string, marks: readonly Mark[]): ParagraphChild {
  const href = linkOf(marks);
  const options = runOptions(marks);
  if (href === null) return new TextRun({ ...options, text });
  return new ExternalHyperlink({ link: href, children: [new TextRun({ ...options, text, style: options.style ?? 'Hyperlink' })] });
}

/**
 * The runs of text block `block`, which starts at position `blockPos`, with the comment range
 * markers that fall inside it. `lead` goes first (a checklist item's box).
 */
export function inlineRuns(block: PmNode, blockPos: number, markers: CommentMarkers, lead: ParagraphChild[] = []): ParagraphChild[] {
  const out: ParagraphChild[] = [...lead];
  const contentStart = blockPos + 1;
  out.push(...markers.endsUpTo(contentStart), ...markers.startsUpTo(contentStart));
  block.forEach((child, offset) => {
    const from = contentStart + offset;
    const to = from + child.nodeSize;
    if (child.isText) {
      const text = child.text ?? '';
      let at = from;
      for (const cut of [...markers.cutsWithin(from, to), to]) {
        out.push(textRun(text.slice(at - from, cut - from), child.marks));
        out.push(...markers.endsUpTo(cut), ...(cut < to ? markers.startsUpTo(cut) : []));
        at = cut;
      }
    } else if (child.type.name === 'hardBreak') {
      out.push(new TextRun({ break: 1 }));
    }
    out.push(...markers.endsUpTo(to), ...markers.startsUpTo(to));
  });
  out.push(...markers.endsUpTo(contentStart + block.content.size));
  return out;
}
