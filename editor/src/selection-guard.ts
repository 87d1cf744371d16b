/**
 * Keeps the user's own caret moves from being lost while others edit.
 *
 * A click, an arrow key or Shift+Home moves the DOM selection at once, but ProseMirror reads
 * it only when the browser's 'selectionchange' event arrives, a moment later. Any redraw in
 * between — a remote change, or merely another person's caret moving — writes ProseMirror's
 * old selection back into the DOM, and the user's move is silently undone (the click "does
 * nothing", Shift+Home selects nothing). So ProseMirror is asked to read what is pending in
 * the DOM, as the event would have made it do, at every point where something else could
 * redraw first:
 * - before a sync or awareness message from the network is handled: a remote change restores
 *   the selection it saw when its Yjs transaction began, so it must see the new one;
 * - before any transaction that leaves the document and the selection alone is applied: the
 *   other people's carets are redrawn that way, a tick after their awareness message;
 * - before a key is handled: a shortcut pressed right after Shift+Home must apply to the new
 *   selection even if the event for it is still queued.
 *
 * The other way round, a DOM selection the user did not make must never be read: when the
 * editor gets the focus from a script or the keyboard (a dialog closing, Tab), the browser puts
 * the caret at its start, and ProseMirror writes its own selection back only a moment later.
 * Read in between — a colleague's caret redrawn, a key pressed at once — that caret became the
 * selection, and what was typed next landed at the start of the document. So on such a focus
 * ProseMirror's selection is written into the DOM at once; a focus from a click or a touch on
 * the editor keeps the caret the browser put where the pointer was.
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';
import type { WebsocketProvider } from 'y-websocket';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;

/**
 * ProseMirror's DOM observer is internal (not in its type declarations) but stable; its
 * `flush` is what the 'selectionchange' handler calls. Absent, nothing is done.
 */
interface ObservedView {
  domObserver?: {
    flush?: () => void;
    forceFlush?: () => void;
    flushSoon?: () => void;
    /** Moves the MutationObserver's undelivered records into the observer's own queue. */
    pendingRecords?: () => readonly unknown[];
  };
}

export function readPendingDomChanges(view: EditorView): void {
  if (view.isDestroyed || view.composing || !view.hasFocus()) return;
  const observer = (view as unknown as ObservedView).domObserver;
  // `flush` does nothing while a delayed flush is scheduled; `forceFlush` runs that one now.
  observer?.forceFlush?.();
  observer?.flush?.();
}

/**
 * Whether reading the DOM now can change nothing but the selection: no typing or other DOM
 * edit is waiting to be read. If one is, it is read a moment later, as ProseMirror does with
 * the records it finds when it stops observing for a redraw (asking took them from the
 * MutationObserver, which would otherwise have delivered them).
 */
function onlySelectionCanBePending(view: EditorView): boolean {
  const observer = (view as unknown as ObservedView).domObserver;
  const records = observer?.pendingRecords?.();
  if (records === undefined) return false;
  if (records.length > 0) observer?.flushSoon?.();
  return records.length === 0;
}

/** Reads pending DOM changes before the provider handles each sync or awareness message. */
function guardProviderMessages(provider: WebsocketProvider, view: () => EditorView | null): void {
  for (const type of [MESSAGE_SYNC, MESSAGE_AWARENESS]) {
    const handle = provider.messageHandlers[type];
    if (!handle) continue;
    provider.messageHandlers[type] = (encoder, decoder, source, emitSynced, messageType) => {
      const current = view();
      if (current) readPendingDomChanges(current);
      handle(encoder, decoder, source, emitSynced, messageType);
    };
  }
}

/**
 * A focus this soon after a pointer was pressed or lifted on the editor comes from the pointer
 * (a click focuses as it is pressed, a tap as it is lifted); any other from a script or the
 * keyboard.
 */
const POINTER_FOCUS_MS = 100;

export interface SelectionGuardOptions {
  /** The provider whose incoming messages redraw the document and the others' carets. */
  provider: WebsocketProvider | null;
}

export const SelectionGuard = Extension.create<SelectionGuardOptions, { reading: boolean; pointerAt: number }>({
  name: 'selectionGuard',
  // Before every keymap, so shortcuts see the selection the user made.
  priority: 1000,

  addOptions() {
    return { provider: null };
  },

  addStorage() {
    return { reading: false, pointerAt: -Infinity };
  },

  onCreate() {
    const { provider } = this.options;
    if (provider) guardProviderMessages(provider, () => (this.editor.isDestroyed ? null : this.editor.view));
  },

  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: new PluginKey('selectionGuard'),
        props: {
          handleKeyDown: (view) => {
            readPendingDomChanges(view);
            return false;
          },
          handleDOMEvents: {
            pointerdown: () => {
              this.storage.pointerAt = performance.now();
              return false;
            },
            pointerup: () => {
              this.storage.pointerAt = performance.now();
              return false;
            },
            // Runs before the other focus handlers (this extension comes first), so none of
            // them reads the browser's caret. `view.focus()` on a focused editor only writes
            // ProseMirror's selection into the DOM.
            focus: (view) => {
              if (performance.now() - this.storage.pointerAt > POINTER_FOCUS_MS) view.focus();
              return false;
            },
          },
        },
      }),
    ];
  },

  /**
   * A transaction that sets neither content nor selection (a redraw of decorations such as
   * the others' carets) was made from the state before the user's move was read. Reading the
   * DOM first changes only the selection, so the transaction still applies; it is then given
   * the selection just read, which it would otherwise put back to the old one.
   */
  dispatchTransaction({ transaction, next }) {
    const { view } = this.editor;
    if (this.storage.reading || transaction.docChanged || transaction.selectionSet || !onlySelectionCanBePending(view)) {
      next(transaction);
      return;
    }
    const before = view.state;
    this.storage.reading = true;
    try {
      readPendingDomChanges(view);
    } finally {
      this.storage.reading = false;
    }
    const after = view.state;
    if (after !== before && after.doc === transaction.doc && !after.selection.eq(before.selection)) {
      const marks = transaction.storedMarksSet ? transaction.storedMarks : null;
      transaction.setSelection(after.selection);
      if (marks) transaction.setStoredMarks(marks);
    }
    next(transaction);
  },
});
