/**
 * The text of a document as it is now, each stretch with the record that wrote it
 * (attribution.ts): what `tandem` and the tests read to say who wrote each character.
 */
import * as Y from 'yjs';
import type { Attribution } from './attribution.js';

export interface AttributedSpan {
  text: string;
  /** The record that brought this text; 0 when no record kept did (before a compaction's cut). */
  seq: number;
}

/** The visible text of a Y.Text or Y.XmlText, cut where the writing record changes (formatting ignored). */
export function attributedSpans(text: Y.Text, attribution: Attribution): AttributedSpan[] {
  const spans: AttributedSpan[] = [];
  for (let item = text._start; item !== null; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentString)) continue;
    const { str } = item.content;
    const { client, clock } = item.id;
    attribution.insertSegments(client, clock, item.length, (from, to, seq) => {
      push(spans, str.slice(from - clock, to - clock), seq);
    });
  }
  return spans;
}

function push(spans: AttributedSpan[], text: string, seq: number): void {
  const last = spans.at(-1);
  if (last && last.seq === seq) last.text += text;
  else spans.push({ text, seq });
}

/** An element holding text, or nothing at all (an empty paragraph). */
function isTextblock(element: Y.XmlElement | Y.XmlFragment): boolean {
  let empty = true;
  for (let item = element._start; item !== null; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentType)) continue;
    if (item.content.type instanceof Y.XmlText) return true;
    empty = false;
  }
  return empty;
}

/**
 * The text blocks of a fragment (paragraphs, headings, a table cell's paragraphs…) in document
 * order, each as spans; an inline node inside a block (a hard break) reads as "\n".
 */
export function attributedBlocks(fragment: Y.XmlFragment | Y.XmlElement, attribution: Attribution): AttributedSpan[][] {
  const blocks: AttributedSpan[][] = [];
  const textblock = fragment instanceof Y.XmlElement && isTextblock(fragment);
  const spans: AttributedSpan[] = [];
  for (let item = fragment._start; item !== null; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentType)) continue;
    const type = item.content.type;
    if (type instanceof Y.XmlText) for (const span of attributedSpans(type, attribution)) push(spans, span.text, span.seq);
    else if (textblock) push(spans, '\n', attribution.insertedBy(item.id.client, item.id.clock));
    else if (type instanceof Y.XmlElement) blocks.push(...attributedBlocks(type, attribution));
  }
  if (textblock) blocks.push(spans);
  return blocks;
}
