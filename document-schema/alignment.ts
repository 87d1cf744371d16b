/**
 * Text alignment of paragraphs and headings (and of table cells, which Tiptap stores as their
 * own `align` attribute). The document holds Tiptap's attributes either way; only the HTML
 * differs by presentation:
 *
 *   class  `class="align-center"`, styled by the app's stylesheet. The app's
 *          Content-Security-Policy refuses style attributes, and ProseMirror writes its
 *          rendering with setAttribute, so `style="…"` would be blocked (and reported).
 *   style  `style="text-align: center"`, for exported HTML, which has no stylesheet.
 *
 * Parsing reads all three spellings (class, style, the old `align` attribute), so content
 * pasted from anywhere keeps its alignment.
 */
import type { Attribute } from '@tiptap/core';
import { TextAlign } from '@tiptap/extension-text-align';

export type Presentation = 'class' | 'style';

export const BLOCK_ALIGNMENTS = ['left', 'center', 'right', 'justify'] as const;
export type Alignment = (typeof BLOCK_ALIGNMENTS)[number];
/** GFM tables know these three. */
export const CELL_ALIGNMENTS: readonly Alignment[] = ['left', 'center', 'right'];

function isOneOf(value: unknown, allowed: readonly Alignment[]): value is Alignment {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** A parsed element (typed through Tiptap: this module is also compiled without DOM types). */
type ParsedElement = Parameters<NonNullable<Attribute['parseHTML']>>[0];

function parseAlignment(element: ParsedElement, allowed: readonly Alignment[]): Alignment | null {
  const fromClass = allowed.find((a) => element.classList.contains(`align-${a}`));
  if (fromClass) return fromClass;
  const spelled = (element.style.textAlign || element.getAttribute('align') || '').trim().toLowerCase();
  return isOneOf(spelled, allowed) ? spelled : null;
}

export function alignmentAttributes(value: unknown, presentation: Presentation): Record<string, string> {
  if (!isOneOf(value, BLOCK_ALIGNMENTS)) return {};
  return presentation === 'class' ? { class: `align-${value}` } : { style: `text-align: ${value}` };
}

function alignmentAttribute(name: string, allowed: readonly Alignment[], presentation: Presentation): Attribute {
  return {
    default: null,
    parseHTML: (element) => parseAlignment(element, allowed),
    renderHTML: (attributes) => alignmentAttributes(attributes[name], presentation),
  };
}

/** Tiptap's TextAlign (its commands and Mod-Shift-L/E/R/J), rendered by presentation. */
export function blockAlignment(presentation: Presentation) {
  return TextAlign.extend({
    addGlobalAttributes() {
      return [{ types: this.options.types, attributes: { textAlign: alignmentAttribute('textAlign', BLOCK_ALIGNMENTS, presentation) } }];
    },
  }).configure({ types: ['heading', 'paragraph'], alignments: [...BLOCK_ALIGNMENTS] });
}

/** Table cells' `align` attribute (Tiptap's own renders a style attribute). */
export function cellAlignmentAttribute(presentation: Presentation): Attribute {
  return alignmentAttribute('align', CELL_ALIGNMENTS, presentation);
}

/**
 * Markdown has no alignment: a top-level block that is not left-aligned is wrapped in
 * `<div align="…">` with blank lines around it, which CommonMark and GitHub render with its
 * Markdown intact. Inside lists, quotes and tables the alignment is left out.
 */
export function alignedMarkdown(markdown: string, attrs: Record<string, unknown> | undefined, parentType: string | null | undefined): string {
  const align = attrs?.['textAlign'];
  if (!isOneOf(align, BLOCK_ALIGNMENTS) || align === 'left' || parentType !== 'doc' || markdown === '') return markdown;
  return `<div align="${align}">\n\n${markdown}\n\n</div>`;
}
