/**
 * Commented text in the editor: a highlight over each thread's text (the one shown in the
 * panel stronger), and the text of a comment being written. A click on highlighted text opens
 * its thread.
 *
 * Where the highlights are comes from the threads' anchors (Yjs relative positions), read
 * whenever the document was redrawn from Yjs (a remote change, an undo) or the threads
 * changed. Between those, local edits move the highlights as ProseMirror maps positions — and
 * that mapping is what `anchor-repair.ts` holds the anchors to after this user's block edits.
 */
import { Extension } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { resolveAnchor, type AnchorRange, type ProsemirrorMapping } from '../../../document-schema/comments/comment-anchor.js';
import type { CommentThread } from '../../../document-schema/comments/comment-threads.js';
import type { CommentStore } from './comment-store.js';

export interface HighlightOptions {
  store: CommentStore;
  /** Whether a thread is drawn: open ones, resolved ones while the panel shows them. */
  shown(thread: CommentThread): boolean;
  /** The reader clicked commented text: show this thread. */
  openThread(id: string): void;
  /** After a transaction of this user's that changed the text (see anchor-repair.ts). */
  afterLocalEdit?(state: EditorState): void;
}

export interface HighlightState {
  /** Where each thread's text is now; threads whose text is gone are absent. */
  ranges: Map<string, AnchorRange>;
  draft: { anchor: Uint8Array; range: AnchorRange | null } | null;
  active: string | null;
  decorations: DecorationSet;
  /** The last transaction was this user's own change to the text. */
  localEdit: boolean;
}

type Meta = { refresh: true } | { active: string | null } | { draft: Uint8Array | null };

export const commentHighlightsKey = new PluginKey<HighlightState>('tandem-comment-highlights');

export interface SyncBinding {
  doc: Y.Doc;
  fragment: Y.XmlFragment;
  mapping: ProsemirrorMapping;
}

/** The Yjs side of the editor (null until the binding is up). */
export function syncBinding(state: EditorState): SyncBinding | null {
  const sync = ySyncPluginKey.getState(state) as { doc?: Y.Doc; type?: Y.XmlFragment; binding?: { mapping: ProsemirrorMapping } | null } | undefined;
  return sync?.doc && sync.type && sync.binding ? { doc: sync.doc, fragment: sync.type, mapping: sync.binding.mapping } : null;
}

function resolveIn(state: EditorState, anchor: Uint8Array): AnchorRange | null {
  const binding = syncBinding(state);
  return binding ? resolveAnchor(binding.fragment, binding.mapping, anchor, state.doc) : null;
}

function decorate(doc: PmNode, value: Omit<HighlightState, 'decorations' | 'localEdit'>, options: HighlightOptions): DecorationSet {
  const decorations: Decoration[] = [];
  for (const thread of options.store.threads) {
    const range = value.ranges.get(thread.id);
    const active = value.active === thread.id;
    if (!range || !(active || options.shown(thread))) continue;
    decorations.push(Decoration.inline(range.from, range.to, { class: active ? 'comment-anchor comment-anchor--active' : 'comment-anchor', 'data-thread': thread.id }, { thread: thread.id }));
  }
  if (value.draft?.range) decorations.push(Decoration.inline(value.draft.range.from, value.draft.range.to, { class: 'comment-anchor comment-anchor--draft' }));
  return DecorationSet.create(doc, decorations);
}

/** Every thread's range read from its anchor. */
function readRanges(state: EditorState, options: HighlightOptions): Map<string, AnchorRange> {
  const ranges = new Map<string, AnchorRange>();
  for (const thread of options.store.threads) {
    const range = resolveIn(state, thread.anchor);
    if (range) ranges.set(thread.id, range);
  }
  return ranges;
}

function mapRange(range: AnchorRange, tr: Transaction): AnchorRange | null {
  // Text typed right before or right after stays outside, as with the anchors themselves.
  const from = tr.mapping.map(range.from, 1);
  const to = tr.mapping.map(range.to, -1);
  return to > from ? { from, to } : null;
}

function apply(tr: Transaction, value: HighlightState, state: EditorState, options: HighlightOptions): HighlightState {
  const meta = tr.getMeta(commentHighlightsKey) as Meta | undefined;
  const fromYjs = tr.getMeta(ySyncPluginKey) !== undefined;
  let { ranges, draft, active } = value;
  if (meta && 'active' in meta) active = meta.active;
  if (meta && 'draft' in meta) draft = meta.draft ? { anchor: meta.draft, range: resolveIn(state, meta.draft) } : null;
  if (fromYjs || (meta && 'refresh' in meta)) {
    ranges = readRanges(state, options);
    if (draft) draft = { anchor: draft.anchor, range: resolveIn(state, draft.anchor) };
  } else if (tr.docChanged) {
    const mapped = new Map<string, AnchorRange>();
    for (const [id, range] of ranges) {
      const moved = mapRange(range, tr);
      if (moved) mapped.set(id, moved);
    }
    ranges = mapped;
    if (draft?.range) draft = { anchor: draft.anchor, range: mapRange(draft.range, tr) };
  } else if (!meta) {
    return value.localEdit ? { ...value, localEdit: false } : value;
  }
  const next = { ranges, draft, active };
  return { ...next, decorations: decorate(state.doc, next, options), localEdit: tr.docChanged && !fromYjs };
}

/** The thread whose highlighted text is at `pos` (the shortest, when highlights overlap). */
function threadAt(value: HighlightState, pos: number, options: HighlightOptions): string | null {
  let best: { id: string; length: number } | null = null;
  for (const thread of options.store.threads) {
    const range = value.ranges.get(thread.id);
    if (!range || pos < range.from || pos > range.to || !(value.active === thread.id || options.shown(thread))) continue;
    if (!best || range.to - range.from < best.length) best = { id: thread.id, length: range.to - range.from };
  }
  return best?.id ?? null;
}

export function commentHighlights(options: HighlightOptions): Extension {
  return Extension.create({
    name: 'tandemCommentHighlights',
    addProseMirrorPlugins() {
      return [
        new Plugin<HighlightState>({
          key: commentHighlightsKey,
          state: {
            init: (_config, state) => {
              const value = { ranges: readRanges(state, options), draft: null, active: null };
              return { ...value, decorations: decorate(state.doc, value, options), localEdit: false };
            },
            apply: (tr, value, _old, state) => apply(tr, value, state, options),
          },
          props: {
            decorations: (state) => commentHighlightsKey.getState(state)?.decorations ?? DecorationSet.empty,
            handleClick: (view, pos) => {
              const value = commentHighlightsKey.getState(view.state);
              const id = value ? threadAt(value, pos, options) : null;
              if (id) options.openThread(id);
              // The click still places the caret.
              return false;
            },
          },
          view: () => ({
            update: (view) => {
              if (commentHighlightsKey.getState(view.state)?.localEdit) options.afterLocalEdit?.(view.state);
            },
          }),
        }),
      ];
    },
  });
}
