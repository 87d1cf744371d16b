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

/** Where a transaction put new nodes (positions in the new document): only they are painted. */
const paintKey = new PluginKey<DecorationSet>('tandemTimelinePaint');

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
            const range = tr.getMeta(paintKey) as { from: number; to: number } | undefined;
            if (!range) return DecorationSet.create(tr.doc, paintBetween(tr.doc, 0, tr.doc.content.size, colourOf));
            const mapped = set.map(tr.mapping, tr.doc);
            return mapped.remove(mapped.find(range.from, range.to)).add(tr.doc, paintBetween(tr.doc, range.from, range.to, colourOf));
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
    const offsetOf = (nodes: readonly PmNode[], from: number, to: number): number => nodes.slice(from, to).reduce((sum, node) => sum + node.nodeSize, 0);
    if (start < oldEnd || start < nextEnd) {
      const from = offsetOf(old, 0, start);
      const to = from + offsetOf(old, start, oldEnd);
      const tr = state.tr.replaceWith(from, to, Fragment.from(next.slice(start, nextEnd)));
      tr.setMeta(paintKey, { from, to: from + offsetOf(next, start, nextEnd) });
      tr.setMeta('addToHistory', false);
      this.editor.view.dispatch(tr);
    }
    const first = view.changed[0];
    if (first === undefined) return null;
    const dom = this.editor.view.nodeDOM(offsetOf(next, 0, first));
    return dom instanceof HTMLElement ? dom : null;
  }

  destroy(): void {
    this.editor.destroy();
  }
}
