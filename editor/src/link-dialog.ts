/**
 * The link dialog (toolbar button, Mod-K): the link's text and address; for an existing link
 * also Open and Remove. Only web and email addresses become links (document-schema's link
 * policy); anything else is refused here with the reason, before it reaches the document.
 */
import { getMarkRange, type Editor } from '@tiptap/core';
import type { JSONContent } from '@tiptap/core';
import { LINK_REL, isAllowedLinkUrl, linkHrefFromInput } from '../../document-schema/link-policy.js';
import { showEditorDialog } from './editor-dialog.js';
import { h, icon } from './dom.js';
import { Icons } from './icons.js';
import { trackRange, type Range } from './tracked-range.js';

/** The link around the caret (all of it), else the selection. */
function targetRange(editor: Editor): { range: Range; href: string | null } {
  const { state } = editor;
  const { from, to, $from } = state.selection;
  const linkType = state.schema.marks['link'];
  const around = linkType && editor.isActive('link') ? getMarkRange($from, linkType) : undefined;
  if (around && around.from <= from && around.to >= to) {
    const href: unknown = editor.getAttributes('link')['href'];
    return { range: around, href: typeof href === 'string' ? href : null };
  }
  return { range: { from, to }, href: null };
}

export function openLinkDialog(editor: Editor): void {
  if (!editor.isEditable) return;
  const { range, href } = targetRange(editor);
  const { state } = editor;
  const $from = state.doc.resolve(range.from);
  // Text can be typed for a caret or a selection inside one paragraph; a wider selection
  // keeps its content and only becomes a link.
  const textEditable = $from.sameParent(state.doc.resolve(range.to)) && $from.parent.isTextblock;
  const originalText = state.doc.textBetween(range.from, range.to, ' ');
  const marks = (range.from === range.to ? (state.storedMarks ?? $from.marks()) : state.doc.resolve(range.from + 1).marks()).filter((m) => m.type.name !== 'link');
  const current = trackRange(editor, range);

  const textInput = h('input', { id: 'link-text', type: 'text', value: originalText, disabled: !textEditable, autocomplete: 'off', 'data-testid': 'link-text' });
  const urlInput = h('input', {
    id: 'link-url',
    type: 'text',
    inputmode: 'url',
    value: href ?? '',
    placeholder: 'https://example.com or name@example.com',
    autocomplete: 'url',
    spellcheck: 'false',
    'aria-describedby': 'link-url-error',
    'data-testid': 'link-url',
  });
  const error = h('p', { id: 'link-url-error', class: 'field-error', role: 'alert', 'data-testid': 'link-error' });
  const existing = href !== null && isAllowedLinkUrl(href);
  const form = h(
    'form',
    { method: 'dialog', class: 'dialog__body', novalidate: true },
    h('h2', { class: 'dialog__title', id: 'link-dialog-title' }, existing ? 'Edit link' : 'Add a link'),
    h('label', { for: 'link-text', class: 'field-label' }, 'Text'),
    textInput,
    textEditable ? null : h('p', { class: 'hint' }, 'The selected content becomes the link.'),
    h('label', { for: 'link-url', class: 'field-label field-label--spaced' }, 'Address'),
    urlInput,
    error,
    h(
      'div',
      { class: 'dialog__actions' },
      existing
        ? h('a', { class: 'btn btn--ghost dialog__lead', href, target: '_blank', rel: LINK_REL, 'data-testid': 'link-open' }, icon(Icons.externalLink), 'Open')
        : null,
      existing ? h('button', { type: 'button', class: 'btn btn--ghost', 'data-testid': 'link-remove', onclick: () => finish(remove) }, 'Remove') : null,
      h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'link-save' }, 'Save'),
    ),
  );
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'link-dialog-title', 'data-testid': 'link-dialog' }, form);

  const finish = (change: (at: Range) => boolean): void => {
    const at = current();
    if (!at) {
      error.textContent = 'Someone else deleted this text meanwhile.';
      return;
    }
    change(at);
    dialog.close();
  };
  const remove = (at: Range): boolean => editor.chain().focus().setTextSelection(at).unsetLink().run();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = linkHrefFromInput(urlInput.value);
    if (!input.ok) {
      error.textContent = input.problem;
      urlInput.setAttribute('aria-invalid', 'true');
      urlInput.focus();
      return;
    }
    const text = textInput.value.trim() === '' ? input.href : textInput.value;
    finish((at) => {
      if (!textEditable || text === originalText) return editor.chain().focus().setTextSelection(at).setLink({ href: input.href }).run();
      const content: JSONContent = { type: 'text', text, marks: [...marks.map((m) => ({ type: m.type.name, attrs: m.attrs })), { type: 'link', attrs: { href: input.href } }] };
      return editor
        .chain()
        .focus()
        .insertContentAt(at, content)
        .setTextSelection(at.from + text.length)
        .run();
    });
  });
  urlInput.addEventListener('input', () => {
    error.textContent = '';
    urlInput.removeAttribute('aria-invalid');
  });
  showEditorDialog(dialog, editor);
  (textEditable && originalText === '' ? textInput : urlInput).focus();
}
