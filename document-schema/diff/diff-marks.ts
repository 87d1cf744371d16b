/**
 * How a merged diff document (diff-tree.ts `mergedDiffDoc`) renders: a `diffChange` mark on
 * changed text — `<ins>`, `<del>`, or a span for formatting — and a `diff` attribute on
 * changed nodes, each with `data-diff` (the change), `data-by` (the author's index) and a
 * `title` saying who and when. Added around the document schema by the server's HTML
 * rendering and the editor's compare view; no style attributes (the app's CSP refuses them):
 * colours come from stylesheets and the editor's decorations.
 */
import { Extension, Mark, type AnyExtension } from '@tiptap/core';
import { DIFF_ATTR, DIFF_MARK, type DiffMarkAttrs } from './diff-tree.js';

const TAGS = { inserted: 'ins', deleted: 'del', formatted: 'span' } as const;

/** `diff` on text, `diff-block` on nodes, with the change as a modifier. */
function htmlAttrs(attrs: Partial<DiffMarkAttrs> | null | undefined, kind: 'diff' | 'diff-block'): Record<string, string> {
  if (!attrs?.change) return {};
  return { class: `${kind} ${kind}--${attrs.change}`, 'data-diff': attrs.change, 'data-by': String(attrs.by ?? ''), title: attrs.title ?? '' };
}

const DiffChangeMark = Mark.create({
  name: DIFF_MARK,
  // Never typed into (the document is read-only) and never merged with a neighbour's change.
  inclusive: false,
  excludes: '',
  addAttributes() {
    return { change: { default: 'inserted', rendered: false }, by: { default: -1, rendered: false }, title: { default: '', rendered: false } };
  },
  parseHTML() {
    return [];
  },
  renderHTML({ mark }) {
    const attrs = mark.attrs as DiffMarkAttrs;
    return [TAGS[attrs.change] ?? 'span', htmlAttrs(attrs, 'diff'), 0];
  },
});

/** The mark, and the node attribute on every node type of `nodeTypes` (all but `doc` and `text`). */
export function diffExtensions(nodeTypes: readonly string[]): AnyExtension[] {
  const types = nodeTypes.filter((type) => type !== 'doc' && type !== 'text');
  const DiffBlocks = Extension.create({
    name: 'diffBlocks',
    addGlobalAttributes() {
      return [
        {
          types,
          attributes: {
            [DIFF_ATTR]: {
              default: null,
              parseHTML: () => null,
              renderHTML: (attributes: Record<string, unknown>) => htmlAttrs(attributes[DIFF_ATTR] as DiffMarkAttrs | null, 'diff-block'),
            },
          },
        },
      ];
    },
  });
  return [DiffChangeMark, DiffBlocks];
}
