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

/** A dialog about the editor's content: the editor gets the focus back. */
export function showEditorDialog(dialog: HTMLDialogElement, editor: Editor): void {
  showDialog(dialog, () => {
    if (!editor.isDestroyed) editor.commands.focus();
  });
}
