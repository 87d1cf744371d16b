/**
 * Shows a modal dialog (the link, alt text and version name dialogs): focus stays inside it,
 * it leaves the page when closed, and focus goes back where the person was.
 */
import type { Editor } from '@tiptap/core';
import { trapFocus } from './focus-trap.js';

/** `returnFocus` runs once the dialog has closed (and left the page). */
export function showDialog(dialog: HTMLDialogElement, returnFocus: () => void): void {
  dialog.addEventListener('close', () => {
    dialog.remove();
    returnFocus();
  });
  trapFocus(dialog);
  document.body.append(dialog);
  dialog.showModal();
}

/**
 * A dialog about the editor's content: the editor gets the focus back, with the selection the
 * dialog's change left (after an inserted link, say), as the dialog leaves the page — not a
 * frame later, as `commands.focus()` would, so a key pressed at once goes into the document.
 * Nothing keeps the focus while the dialog is open, so the browser does not hand it back to
 * the editor by itself on close (and the selection guard writes ProseMirror's selection over
 * the caret the browser puts at the start of a focused editor: selection-guard.ts).
 */
export function showEditorDialog(dialog: HTMLDialogElement, editor: Editor): void {
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  showDialog(dialog, () => {
    if (!editor.isDestroyed) editor.view.focus();
  });
}
