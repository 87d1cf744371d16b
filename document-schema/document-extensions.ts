/**
 * The document's schema: every node and mark a Tandem document may hold, as the Tiptap
 * extensions that define them. The live editor, the read-only previews of old versions and
 * the server's exports (`persistence/export-format.ts`) all build from this one list, so
 * whatever one side can write the other can read and render.
 *
 * Why a folder of its own: the editor and persistence both import it and neither may import
 * the other (the editor never loads Node code; persistence never loads editor code). It uses
 * Tiptap packages only, touches no DOM when imported and no `node:` module. What only an
 * interactive editor needs — Collaboration, carets, the toolbar's keymap — the editor adds
 * around this list.
 *
 * To add a node or mark: one entry in `documentExtensions`. A unit test checks that the
 * editor and the exporter see the same schema and that the app's rendering of every node and
 * mark sets no style attribute.
 */
import { getExtensionField, type AnyExtension, type Node, type NodeConfig } from '@tiptap/core';
import { Heading } from '@tiptap/extension-heading';
import { Paragraph } from '@tiptap/extension-paragraph';
import { StarterKit } from '@tiptap/starter-kit';
import { alignedMarkdown, blockAlignment, type Presentation } from './alignment.js';
import { documentImage } from './document-image.js';
import { Highlight, Underline } from './inline-marks.js';
import { SafeLink } from './safe-link.js';
import { tableExtensions } from './tables.js';
import { CheckableTaskItem, TaskList } from './task-items.js';

export type { Presentation } from './alignment.js';

export interface DocumentSchemaOptions {
  /** `class` in the app (its CSP refuses style attributes), `style` in exported HTML: alignment.ts. */
  presentation: Presentation;
  /** Exports opened away from the server: images' addresses made absolute on this origin. */
  imageOrigin?: string | null;
}

/** Paragraphs and headings keep their alignment in Markdown (alignment.ts). */
function withAlignedMarkdown<O, S>(node: Node<O, S>): Node<O, S> {
  const render = getExtensionField<NonNullable<NodeConfig['renderMarkdown']>>(node, 'renderMarkdown');
  return node.extend({
    renderMarkdown: (json, helpers, context) => alignedMarkdown(render(json, helpers, context), json.attrs, context.parentType),
  });
}

export function documentExtensions({ presentation, imageOrigin = null }: DocumentSchemaOptions): AnyExtension[] {
  return [
    StarterKit.configure({
      // Undo is the Yjs undo manager's (it undoes only one's own changes); see the editor.
      undoRedo: false,
      // Every client would append its own empty paragraph after a final heading or list.
      trailingNode: false,
      paragraph: false,
      heading: false,
      link: false,
      underline: false,
    }),
    withAlignedMarkdown(Paragraph),
    withAlignedMarkdown(Heading),
    SafeLink,
    Underline,
    Highlight,
    TaskList,
    CheckableTaskItem,
    ...tableExtensions(presentation),
    blockAlignment(presentation),
    documentImage(imageOrigin),
  ];
}
