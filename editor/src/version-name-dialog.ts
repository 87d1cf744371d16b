/**
 * The dialog that names a version, or renames a named one: one field, checked as the server
 * checks it (1–100 characters once trimmed, no line breaks), and the server's refusal (a name
 * the document already has) shown in place, so the name can be changed and saved again.
 */
import { h } from './dom.js';
import { showDialog } from './editor-dialog.js';

/** As the server allows (persistence/named-versions.ts). */
const MAX_NAME = 100;

export interface VersionNameDialogOptions {
  title: string;
  /** Which version it is about, in words. */
  about: string;
  initial: string;
  submitLabel: string;
  /** Saves the name; resolves to a message to show when it was refused, or null once saved. */
  save(name: string): Promise<string | null>;
  /** Where the focus goes when the dialog closes. */
  returnFocus(): void;
}

/** What is wrong with a name as typed; null when the server would take it. */
export function versionNameProblem(raw: string): string | null {
  const name = raw.trim();
  const length = [...name].length;
  if (length === 0) return 'Give the version a name.';
  if (length > MAX_NAME) return `A version name has at most ${MAX_NAME} characters (this one has ${length}).`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'A version name cannot hold line breaks or tabs.';
  return null;
}

export function openVersionNameDialog(options: VersionNameDialogOptions): void {
  const input = h('input', {
    id: 'version-name',
    type: 'text',
    value: options.initial,
    maxlength: MAX_NAME * 2,
    placeholder: 'Sent to legal',
    autocomplete: 'off',
    'aria-describedby': 'version-name-about version-name-error',
    'data-testid': 'version-name-input',
  });
  const error = h('p', { id: 'version-name-error', class: 'field-error', role: 'alert', 'data-testid': 'version-name-error' });
  const saveButton = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'version-name-save' }, options.submitLabel);
  const form = h(
    'form',
    { method: 'dialog', class: 'dialog__body', novalidate: true },
    h('h2', { class: 'dialog__title', id: 'version-name-title' }, options.title),
    h('p', { class: 'hint', id: 'version-name-about' }, options.about),
    h('label', { for: 'version-name', class: 'field-label field-label--spaced' }, 'Name'),
    input,
    error,
    h(
      'div',
      { class: 'dialog__actions' },
      h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => dialog.close() }, 'Cancel'),
      saveButton,
    ),
  );
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'version-name-title', 'data-testid': 'version-name-dialog' }, form);

  const refuse = (message: string): void => {
    error.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const problem = versionNameProblem(input.value);
    if (problem) return refuse(problem);
    saveButton.disabled = true;
    void options.save(input.value.trim()).then(
      (refusal) => {
        saveButton.disabled = false;
        if (refusal === null) dialog.close();
        else refuse(refusal);
      },
      (failure: unknown) => {
        saveButton.disabled = false;
        refuse((failure as Error).message);
      },
    );
  });
  input.addEventListener('input', () => {
    error.textContent = '';
    input.removeAttribute('aria-invalid');
  });
  showDialog(dialog, options.returnFocus);
  input.focus();
  input.select();
}
