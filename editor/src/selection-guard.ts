/**
 * Keeps the user's own caret moves from being lost while others edit.
 *
 * A click, an arrow key or Shift+Home moves the DOM selection at once, but ProseMirror reads
 * it only when the browser's 'selectionchange' event arrives, a moment later. Any redraw in
 * between — a remote change, or merely another person's caret moving — writes ProseMirror's
 * old selection back into the DOM, and the user's move is silently undone (the click "does
 * nothing", Shift+Home selects nothing). So before a message from the network is handled,
 * ProseMirror is asked to read what is pending in the DOM, as the event would have made it do.
 * The same happens before a key is handled: a shortcut pressed right after Shift+Home must
 * apply to the new selection even if the event for it is still queued.
 */
import type { WebsocketProvider } from 'y-websocket';
import type { EditorView } from '@tiptap/pm/view';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;

/**
 * ProseMirror's DOM observer is internal (not in its type declarations) but stable; its
 * `flush` is what the 'selectionchange' handler calls. Absent, nothing is done.
 */
interface ObservedView {
  domObserver?: { flush?: () => void; forceFlush?: () => void };
}

export function readPendingDomChanges(view: EditorView): void {
  if (view.isDestroyed || view.composing || !view.hasFocus()) return;
  const observer = (view as unknown as ObservedView).domObserver;
  // `flush` does nothing while a delayed flush is scheduled; `forceFlush` runs that one now.
  observer?.forceFlush?.();
  observer?.flush?.();
}

/** Reads pending DOM changes before the provider handles each sync or awareness message. */
export function guardSelectionAgainstRemoteRedraws(provider: WebsocketProvider, view: () => EditorView | null): void {
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
