/**
 * Shows a modal dialog about the editor's content (the link and alt text dialogs): focus stays
 * inside it, it leaves the page when closed, and the editor gets the focus back.
 */
import type { Editor } from '@tiptap/core';
import { trapFocus } from './focus-trap.js';

export function showEditorDialog(dialog: HTMLDialogElement, editor: Editor): void {
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (!editor.isDestroyed) editor.commands.focus();
  });
  trapFocus(dialog);
  document.body.append(dialog);
  dialog.showModal();
}
