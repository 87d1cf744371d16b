/**
 * The timeslider's page: a read-only editor with the document's schema and the diff's marks
 * (authorship/change-paint.ts), showing one rendered view after another. A new view replaces
 * only the top-level nodes that differ from the ones shown — the renderer keeps the others as
 * the same objects — and only those are painted again, so a step costs what it changed.
 */
import { Editor, Extension } from '@tiptap/core';
import { Fragment, type Node as PmNode, type Schema } from '@tiptap/pm/model';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { DecorationSet, type Decoration } from '@tiptap/pm/view';
import { compareExtensions, changePaint } from '../authorship/change-paint.js';
import { imageViews, type ImageSource } from '../image-view.js';
import type { RenderedView } from './step-renderer.js';

/**
 * A transaction's meta under this key: where it replaced nodes, and which of the new ones hold
 * changes (positions in the new document). Only those are painted; the paint of the others
 * is kept, moved along.
 */
const paintKey = new PluginKey<DecorationSet>('tandemTimelinePaint');

interface Repaint {
  replaced: { from: number; to: number };
  marked: { from: number; to: number }[];
}

function paintBetween(doc: PmNode, from: number, to: number, colourOf: (by: number) => string): Decoration[] {
  const out: Decoration[] = [];
  doc.nodesBetween(from, to, (node, pos) => changePaint(node, pos, colourOf, out));
  return out;
}

function paintPlugin(colourOf: (by: number) => string): Extension {
  return Extension.create({
    name: 'tandemTimelinePaint',
    addProseMirrorPlugins: () => [
      new Plugin<DecorationSet>({
        key: paintKey,
        state: {
          init: (_, state) => DecorationSet.create(state.doc, paintBetween(state.doc, 0, state.doc.content.size, colourOf)),
          apply(tr, set) {
            if (!tr.docChanged) return set;
            const repaint = tr.getMeta(paintKey) as Repaint | undefined;
            if (!repaint) return DecorationSet.create(tr.doc, paintBetween(tr.doc, 0, tr.doc.content.size, colourOf));
            const mapped = set.map(tr.mapping, tr.doc);
            const paint = repaint.marked.flatMap((range) => paintBetween(tr.doc, range.from, range.to, colourOf));
            return mapped.remove(mapped.find(repaint.replaced.from, repaint.replaced.to)).add(tr.doc, paint);
          },
        },
        props: { decorations: (state) => paintKey.getState(state) },
      }),
    ],
  });
}

export class TimelineSheet {
  private readonly editor: Editor;
  private readonly empty: PmNode;

  constructor(element: HTMLElement, images: ImageSource, colourOf: (by: number) => string) {
    this.editor = new Editor({
      element,
      editable: false,
      injectCSS: false, // see collaborative-editor.ts
      extensions: [...compareExtensions, imageViews({ source: images, editAlt: null }), paintPlugin(colourOf)],
      editorProps: {
        attributes: { class: 'prose', 'aria-label': 'The document at this point of its history, with the change that led there marked', 'aria-readonly': 'true', role: 'document' },
      },
    });
    // A document needs a block: an empty point of history shows one empty paragraph.
    this.empty = this.editor.schema.node('paragraph');
  }

  get schema(): Schema {
    return this.editor.schema;
  }

  /** Shows `view`; returns the DOM of its first marked node, if any. */
  show(view: RenderedView): HTMLElement | null {
    const { state } = this.editor.view;
    const next = view.nodes.length > 0 ? view.nodes : [this.empty];
    const old: PmNode[] = [];
    state.doc.forEach((node) => old.push(node));
    let start = 0;
    while (start < old.length && start < next.length && old[start] === next[start]) start += 1;
    let oldEnd = old.length;
    let nextEnd = next.length;
    while (oldEnd > start && nextEnd > start && old[oldEnd - 1] === next[nextEnd - 1]) {
      oldEnd -= 1;
      nextEnd -= 1;
    }
    // Where each new node starts.
    const starts: number[] = [];
    let pos = 0;
    for (const node of next) {
      starts.push(pos);
      pos += node.nodeSize;
    }
    if (start < oldEnd || start < nextEnd) {
      const from = starts[start] ?? pos;
      let to = from;
      for (let i = start; i < oldEnd; i++) to += (old[i] as PmNode).nodeSize;
      const tr = state.tr.replaceWith(from, to, Fragment.from(next.slice(start, nextEnd)));
      const marked = view.changed.map((i) => ({ from: starts[i] as number, to: (starts[i] as number) + (next[i] as PmNode).nodeSize }));
      const repaint: Repaint = { replaced: { from, to: starts[nextEnd] ?? pos }, marked };
      tr.setMeta(paintKey, repaint);
      tr.setMeta('addToHistory', false);
      this.editor.view.dispatch(tr);
    }
    const first = view.changed[0];
    if (first === undefined) return null;
    const dom = this.editor.view.nodeDOM(starts[first] as number);
    return dom instanceof HTMLElement ? dom : null;
  }

  destroy(): void {
    this.editor.destroy();
  }
}
