/**
 * The document's blocks as Word paragraphs and tables:
 *
 *   paragraph, heading 1–6   paragraphs (Word's Heading n styles), with their alignment
 *   blockquote               its paragraphs in the Quote style
 *   codeBlock                one Code Block paragraph per line
 *   horizontalRule           an empty paragraph in the Horizontal Line style (a bottom border)
 *   image                    an inline picture in a paragraph of its own (docx-images.ts)
 *   bulletList, orderedList  numbered paragraphs (each numbered list restarts, from its `start`);
 *   taskList                 nested lists one level deeper; a checklist item starts with a
 *                            checkbox control, ticked or not
 *   table                    a table; a first row of header cells repeats as Word's header
 *                            row; merged cells keep their spans
 *
 * Positions are threaded through so that comment ranges land where their text is.
 */
import type { Node as PmNode } from '@tiptap/pm/model';
import {
  AlignmentType,
  CheckBox,
  HeadingLevel,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  type FileChild,
  type IParagraphOptions,
  type ParagraphChild,
} from 'docx';
import { imageParagraph } from './docx-images.js';
import { inlineRuns, type CommentMarkers } from './docx-inline.js';
import { BULLETS, CHECKLIST, numbered } from './docx-styles.js';
import { WORD_STYLES, wordStyleId } from './word-styles.js';

export interface BlockContext {
  markers: CommentMarkers;
  /** The bytes of the document's image files, by the address image nodes hold. */
  files: ReadonlyMap<string, Uint8Array>;
  /** First numbers of the numbered lists written so far (each needs its numbering definition). */
  starts: Set<number>;
  /** Counts lists, so that each numbered list restarts at its own first number. */
  lists: number;
}

const HEADINGS = [HeadingLevel.HEADING_1, HeadingLevel.HEADING_2, HeadingLevel.HEADING_3, HeadingLevel.HEADING_4, HeadingLevel.HEADING_5, HeadingLevel.HEADING_6];
const ALIGNMENTS: Record<string, (typeof AlignmentType)[keyof typeof AlignmentType]> = {
  left: AlignmentType.LEFT,
  center: AlignmentType.CENTER,
  right: AlignmentType.RIGHT,
  justify: AlignmentType.JUSTIFIED,
};
/** A printed page's text width (A4 and Letter with 1" margins, about): table columns share it. */
const TEXT_WIDTH_TWIPS = 9000;

function alignmentOf(node: PmNode, key = 'textAlign'): Pick<IParagraphOptions, 'alignment'> {
  const align = ALIGNMENTS[String(node.attrs[key])];
  return align ? { alignment: align } : {};
}

/** What a list item's first paragraph carries, and how deep it is. */
interface ListPlace {
  reference: string;
  level: number;
  instance: number;
  checked: boolean | null;
}

/** The paragraph of a text block (paragraph, heading) with its runs. */
function textParagraph(node: PmNode, pos: number, ctx: BlockContext, options: IParagraphOptions, lead: ParagraphChild[] = []): Paragraph {
  return new Paragraph({ ...options, children: inlineRuns(node, pos, ctx.markers, lead) });
}

/** Converts `node`, which starts at `pos`; `style` is the paragraph style of enclosing quotes. */
export function blockToDocx(node: PmNode, pos: number, ctx: BlockContext, style?: string, list?: ListPlace): FileChild[] {
  const styled = style ? { style } : {};
  switch (node.type.name) {
    case 'paragraph': {
      const numbering = list ? { numbering: { reference: list.reference, level: list.level, instance: list.instance } } : {};
      const checked = list?.checked ?? null;
      const lead = checked === null ? [] : [new CheckBox({ checked }), new TextRun(' ')];
      return [textParagraph(node, pos, ctx, { ...styled, ...numbering, ...alignmentOf(node) }, lead)];
    }
    case 'heading':
      return [textParagraph(node, pos, ctx, { heading: HEADINGS[Number(node.attrs['level']) - 1] ?? HeadingLevel.HEADING_1, ...alignmentOf(node) })];
    case 'blockquote':
      return childrenToDocx(node, pos, ctx, wordStyleId(WORD_STYLES.quote));
    case 'codeBlock':
      return codeBlock(node, pos, ctx);
    case 'horizontalRule':
      return [new Paragraph({ style: wordStyleId(WORD_STYLES.horizontalRule), children: [] })];
    case 'bulletList':
    case 'orderedList':
    case 'taskList':
      return listToDocx(node, pos, ctx, style, list ? list.level + 1 : 0);
    case 'table':
      return [tableToDocx(node, pos, ctx)];
    case 'image':
      return [imageParagraph(node, ctx.files)];
    default:
      // A node the schema has that Word has no form for: its blocks, or its text.
      return node.isTextblock ? [textParagraph(node, pos, ctx, styled)] : childrenToDocx(node, pos, ctx, style);
  }
}

function childrenToDocx(node: PmNode, pos: number, ctx: BlockContext, style?: string): FileChild[] {
  const out: FileChild[] = [];
  node.forEach((child, offset) => out.push(...blockToDocx(child, pos + 1 + offset, ctx, style)));
  return out;
}

function codeBlock(node: PmNode, pos: number, ctx: BlockContext): Paragraph[] {
  const style = wordStyleId(WORD_STYLES.codeBlock);
  // A code block is one text node; each line is a paragraph, comment markers kept in place.
  let at = pos + 1;
  return node.textContent.split('\n').map((line) => {
    const from = at;
    const to = from + line.length;
    const children: ParagraphChild[] = [...ctx.markers.endsUpTo(from), ...ctx.markers.startsUpTo(from)];
    let cursor = from;
    for (const cut of [...ctx.markers.cutsWithin(from, to), to]) {
      if (cut > cursor) children.push(new TextRun(line.slice(cursor - from, cut - from)));
      children.push(...ctx.markers.endsUpTo(cut), ...ctx.markers.startsUpTo(cut));
      cursor = cut;
    }
    at = to + 1; // past the newline
    return new Paragraph({ style, children });
  });
}

function listToDocx(node: PmNode, pos: number, ctx: BlockContext, style: string | undefined, level: number): FileChild[] {
  ctx.lists += 1;
  const instance = ctx.lists;
  let reference = BULLETS;
  if (node.type.name === 'taskList') reference = CHECKLIST;
  if (node.type.name === 'orderedList') {
    const start = Math.max(0, Number(node.attrs['start'] ?? 1) || 1);
    ctx.starts.add(start);
    reference = numbered(start);
  }
  const out: FileChild[] = [];
  node.forEach((item, itemOffset) => {
    const itemPos = pos + 1 + itemOffset;
    const checked = item.type.name === 'taskItem' ? item.attrs['checked'] === true : null;
    item.forEach((child, offset) => {
      const childPos = itemPos + 1 + offset;
      // The item's first paragraph carries the number (or box); what follows is indented under it.
      const place = offset === 0 && child.type.name === 'paragraph' ? { reference, level, instance, checked } : undefined;
      const nested = ['bulletList', 'orderedList', 'taskList'].includes(child.type.name);
      out.push(...blockToDocx(child, childPos, ctx, style, place ?? (nested ? { reference, level, instance, checked: null } : undefined)));
    });
  });
  return out;
}

function tableToDocx(node: PmNode, pos: number, ctx: BlockContext): Table {
  const rows: TableRow[] = [];
  let columns = 0;
  node.forEach((row, rowOffset) => {
    const rowPos = pos + 1 + rowOffset;
    const cells: TableCell[] = [];
    let header = row.childCount > 0;
    let width = 0;
    row.forEach((cell, cellOffset) => {
      const cellPos = rowPos + 1 + cellOffset;
      if (cell.type.name !== 'tableHeader') header = false;
      const colspan = Number(cell.attrs['colspan'] ?? 1) || 1;
      const rowspan = Number(cell.attrs['rowspan'] ?? 1) || 1;
      width += colspan;
      const children: FileChild[] = [];
      cell.forEach((child, offset) => children.push(...blockToDocx(child, cellPos + 1 + offset, ctx)));
      const paragraphs = children.filter((c): c is Paragraph | Table => c instanceof Paragraph || c instanceof Table);
      cells.push(
        new TableCell({
          children: paragraphs.length > 0 ? paragraphs : [new Paragraph({ children: [] })],
          ...(colspan > 1 ? { columnSpan: colspan } : {}),
          ...(rowspan > 1 ? { rowSpan: rowspan } : {}),
        }),
      );
    });
    columns = Math.max(columns, width);
    rows.push(new TableRow({ children: cells, ...(rows.length === 0 && header ? { tableHeader: true } : {}) }));
  });
  const columnWidth = Math.floor(TEXT_WIDTH_TWIPS / Math.max(1, columns));
  return new Table({
    rows,
    width: { size: TEXT_WIDTH_TWIPS, type: WidthType.DXA },
    columnWidths: Array.from({ length: columns }, () => columnWidth),
  });
}
