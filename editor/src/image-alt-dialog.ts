/**
 * The alt text dialog (the image tools' "Alt text" button, shown while an image is selected):
 * what a screen reader says for the image, and what exports show where it cannot be loaded.
 * The image is followed by a Yjs relative position while the dialog is open, so others'
 * edits meanwhile do not make the change land on another node.
 */
import type { Editor } from '@tiptap/core';
import { NodeSelection } from '@tiptap/pm/state';
import { showEditorDialog } from './editor-dialog.js';
import { h } from './dom.js';
import { trackRange } from './tracked-range.js';

/** Long descriptions belong in the text around the image; alt text is a sentence or two. */
const MAX_ALT_LENGTH = 1000;

export function openImageAltDialog(editor: Editor): void {
  const { selection } = editor.state;
  if (!editor.isEditable || !(selection instanceof NodeSelection) || selection.node.type.name !== 'image') return;
  const alt: unknown = selection.node.attrs['alt'];
  const current = trackRange(editor, { from: selection.from, to: selection.to });

  const input = h('textarea', {
    id: 'image-alt',
    rows: 3,
    maxlength: MAX_ALT_LENGTH,
    'aria-describedby': 'image-alt-hint image-alt-error',
    'data-testid': 'image-alt',
  });
  input.value = typeof alt === 'string' ? alt : '';
  const error = h('p', { id: 'image-alt-error', class: 'field-error', role: 'alert' });
  const form = h(
    'form',
    { method: 'dialog', class: 'dialog__body', novalidate: true },
    h('h2', { class: 'dialog__title', id: 'image-alt-title' }, 'Alt text'),
    h('label', { for: 'image-alt', class: 'field-label' }, 'Describe the image'),
    input,
    h('p', { class: 'hint', id: 'image-alt-hint' }, 'Read out to people who cannot see the image, and shown where it cannot be loaded. Leave it empty for a purely decorative image.'),
    error,
    h(
      'div',
      { class: 'dialog__actions' },
      h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'image-alt-save' }, 'Save'),
    ),
  );
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'image-alt-title', 'data-testid': 'image-alt-dialog' }, form);

  // One line is what alt text should be: Enter saves.
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const at = current();
    const node = at ? editor.state.doc.nodeAt(at.from) : null;
    if (!at || node?.type.name !== 'image') {
      error.textContent = 'Someone else removed this image meanwhile.';
      return;
    }
    const text = input.value.replace(/\s+/g, ' ').trim();
    editor.chain().focus().setNodeSelection(at.from).updateAttributes('image', { alt: text === '' ? null : text }).run();
    dialog.close();
  });
  showEditorDialog(dialog, editor);
  input.focus();
  input.select();
}
