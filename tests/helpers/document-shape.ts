/**
 * A document's structure without what a round trip through another format may change: the
 * node tree, each node's structural attributes (heading level, checked, spans, a numbered
 * list's start), the text, and its marks (a link with its address). Alignment, code languages,
 * link targets and how text happens to be split into runs are left out.
 */
import type { JSONContent } from '@tiptap/core';

export type Shape = string | { type: string; attrs?: Record<string, unknown>; content?: Shape[] };

const KEPT_ATTRS: Record<string, string[]> = {
  heading: ['level'],
  taskItem: ['checked'],
  tableCell: ['colspan', 'rowspan'],
  tableHeader: ['colspan', 'rowspan'],
  orderedList: ['start'],
};

function markLabel(mark: NonNullable<JSONContent['marks']>[number]): string {
  return mark.type === 'link' ? `link(${String(mark.attrs?.['href'])})` : mark.type;
}

/** `text[bold,link(https://…)]`: a text run with its marks, sorted. */
function textLabel(node: JSONContent): string {
  const marks = (node.marks ?? []).map(markLabel).sort();
  return marks.length > 0 ? `${node.text ?? ''}[${marks.join(',')}]` : (node.text ?? '');
}

function marksOf(label: string): string {
  return /\[([^\]]*)\]$/.exec(label)?.[1] ?? '';
}

function textOf(label: string): string {
  return label.replace(/\[[^\]]*\]$/, '');
}

export function shape(node: JSONContent): Shape {
  if (node.type === 'text') return textLabel(node);
  const out: { type: string; attrs?: Record<string, unknown>; content?: Shape[] } = { type: node.type ?? '?' };
  const kept = KEPT_ATTRS[out.type] ?? [];
  const attrs = Object.fromEntries(kept.map((key) => [key, node.attrs?.[key] ?? null]).filter(([key, value]) => !(value === 1 && key !== 'level' && key !== 'start') && value !== null));
  if (Object.keys(attrs).length > 0) out.attrs = attrs;
  const content: Shape[] = [];
  for (const child of node.content ?? []) {
    const childShape = shape(child);
    const last = content[content.length - 1];
    // Adjacent runs with the same marks are one run, however the source split them.
    if (typeof childShape === 'string' && typeof last === 'string' && marksOf(last) === marksOf(childShape)) {
      const marks = marksOf(last);
      content[content.length - 1] = `${textOf(last)}${textOf(childShape)}${marks ? `[${marks}]` : ''}`;
    } else {
      content.push(childShape);
    }
  }
  if (content.length > 0) out.content = content;
  return out;
}
