/**
 * Keeps anchors on their text through this user's own edits of whole blocks. The Yjs binding
 * writes some of them — splitting or joining paragraphs, turning a paragraph into a heading or
 * a list item — as new text replacing the old, which would leave a thread on text that no
 * longer exists. ProseMirror's mapping of the edit still knows where that text went (the
 * highlights follow it): when it and the anchor disagree after such an edit, the anchor is
 * written anew from the mapped range.
 *
 * The rewrite goes into the same undo step as the edit (the threads are added to the undo
 * manager's scope, the rewrite has the binding's origin), so undoing the edit puts the anchor
 * back too. An undo that brings deleted text back links it to its old characters only in this
 * browser: `followRestoredText` then writes the anchors anew for everyone.
 */
import type { Editor } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import type { EditorState } from '@tiptap/pm/state';
import { ySyncPluginKey, yUndoPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { anchorForRange, resolveAnchor, type AnchorRange } from '../../../document-schema/comments/comment-anchor.js';
import { commentsMap, followRestoredText, setAnchor } from '../../../document-schema/comments/comment-threads.js';
import { commentHighlightsKey, syncBinding } from './comment-highlights.js';
import { COMMENT_ORIGIN, type CommentStore } from './comment-store.js';

/** The part of `from`–`to` from its first character to its last; null when it holds no text. */
export function textRange(doc: PmNode, from: number, to: number): AnchorRange | null {
  let first = -1;
  let last = -1;
  doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isText) return true;
    const start = Math.max(from, pos);
    const end = Math.min(to, pos + node.nodeSize);
    if (end > start) {
      if (first < 0) first = start;
      last = end;
    }
    return false;
  });
  return first >= 0 && last > first ? { from: first, to: last } : null;
}

const same = (a: AnchorRange | null, b: AnchorRange): boolean => a !== null && a.from === b.from && a.to === b.to;

/** The anchors (and the draft's) that this user's last edit left off the text ProseMirror maps them to. */
function repair(editor: Editor, store: CommentStore, redraft: (anchor: Uint8Array) => void): void {
  if (editor.isDestroyed) return;
  const state: EditorState = editor.state;
  const binding = syncBinding(state);
  const value = commentHighlightsKey.getState(state);
  if (!binding || !value) return;
  const anchorOf = (mapped: AnchorRange): Uint8Array | null => {
    const range = textRange(state.doc, mapped.from, mapped.to);
    return range ? anchorForRange(binding.fragment, binding.mapping, range) : null;
  };
  const moved: [string, Uint8Array][] = [];
  for (const thread of store.threads) {
    const mapped = value.ranges.get(thread.id);
    if (!mapped || same(resolveAnchor(binding.fragment, binding.mapping, thread.anchor, state.doc), mapped)) continue;
    const anchor = anchorOf(mapped);
    if (anchor) moved.push([thread.id, anchor]);
  }
  if (moved.length > 0) binding.doc.transact(() => moved.forEach(([id, anchor]) => setAnchor(binding.doc, id, anchor)), ySyncPluginKey);
  const draft = value.draft;
  if (draft?.range && !same(resolveAnchor(binding.fragment, binding.mapping, draft.anchor, state.doc), draft.range)) {
    const anchor = anchorOf(draft.range);
    if (anchor) redraft(anchor);
  }
}

export interface AnchorRepair {
  /** For the highlights' `afterLocalEdit`. */
  afterLocalEdit(): void;
  /** Once the editor's undo manager exists (after the editor is created). */
  attach(): void;
}

export function anchorRepair(editor: () => Editor, store: CommentStore, redraft: (anchor: Uint8Array) => void): AnchorRepair {
  let scheduled = false;
  return {
    afterLocalEdit() {
      if (scheduled) return;
      scheduled = true;
      // After every plugin's view has run: the binding writes the edit to Yjs in its own.
      queueMicrotask(() => {
        scheduled = false;
        repair(editor(), store, redraft);
      });
    },
    attach() {
      const undoManager = (yUndoPluginKey.getState(editor().state) as { undoManager?: Y.UndoManager } | undefined)?.undoManager;
      if (!undoManager) return;
      undoManager.addToScope(commentsMap(store.doc));
      undoManager.on('stack-item-popped', () => queueMicrotask(() => followRestoredText(store.doc, COMMENT_ORIGIN)));
    },
  };
}
