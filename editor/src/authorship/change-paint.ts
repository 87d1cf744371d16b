/**
 * How a document with its changes marked (document-schema/diff/: `mergedDiffDoc`) is shown, for
 * the compare view and the timeslider: the editor's own schema plus the diff's mark and node
 * attribute, and each change painted in its author's colour. Colours are decorations, as the
 * app's CSP refuses style attributes in markup.
 */
import { getSchema } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import { Decoration } from '@tiptap/pm/view';
import { diffExtensions } from '../../../document-schema/diff/diff-marks.js';
import { DIFF_ATTR, DIFF_MARK, type DiffMarkAttrs } from '../../../document-schema/diff/diff-tree.js';
import { previewExtensions } from '../version-preview.js';

const nodeTypes = Object.keys(getSchema(previewExtensions).nodes);
export const compareExtensions = [...previewExtensions, ...diffExtensions(nodeTypes)];

/** The paint of one node at `pos`: its block's bar, or its text's mark, in the colour of the change's author (`by`). */
export function changePaint(node: PmNode, pos: number, colourOf: (by: number) => string, out: Decoration[]): void {
  const block = node.attrs[DIFF_ATTR] as DiffMarkAttrs | null | undefined;
  if (block) out.push(Decoration.node(pos, pos + node.nodeSize, { style: `--author: ${colourOf(block.by)}` }));
  const mark = node.marks.find((m) => m.type.name === DIFF_MARK);
  if (!mark) return;
  // Inline decorations wrap the text inside its marks' elements: the paint goes on that wrapper.
  const attrs = mark.attrs as DiffMarkAttrs;
  out.push(Decoration.inline(pos, pos + node.nodeSize, { class: `diff-paint diff-paint--${attrs.change}`, style: `--author: ${colourOf(attrs.by)}` }));
}
