/**
 * "Import a file" on the home page: pick a Markdown, HTML or Word file, choose the new
 * document's name, and the server converts it and makes it the document's first version (the
 * browser never writes the content itself: every other browser would write it again). Then the
 * document opens — after saying what was left out, when something was (images…).
 */
import { ApiError, type ApiClient, type ImportFormat } from './api-client.js';
import { h, icon } from './dom.js';
import { Icons } from './icons.js';
import { nameProblem } from './routes.js';

const FORMATS: Record<string, ImportFormat> = { md: 'markdown', markdown: 'markdown', html: 'html', htm: 'html', docx: 'docx' };
const ACCEPT = '.md,.markdown,.html,.htm,.docx,text/markdown,text/html,application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The import format of a file, from its name; null when it is none of them. */
export function importFormatOfFile(fileName: string): ImportFormat | null {
  const extension = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return extension ? (FORMATS[extension] ?? null) : null;
}

/** The file's name without its extension: the new document's suggested name. */
export function suggestedName(fileName: string): string {
  return fileName.replace(/\.[^.]+$/, '').trim() || fileName;
}

export interface ImportFormOptions {
  api: ApiClient;
  open(name: string): void;
  /** A document was imported and stays on this page (its notes are shown): list it. */
  onImported(name: string): void;
}

export function createImportForm({ api, open, onImported }: ImportFormOptions): HTMLElement {
  const picker = h('input', { type: 'file', accept: ACCEPT, class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true', 'data-testid': 'import-file' });
  const start = h('button', { type: 'button', class: 'btn btn--ghost', 'data-testid': 'import-start', onclick: () => picker.click() }, icon(Icons.upload), 'Import a file…');
  const fileLabel = h('p', { class: 'import-form__file' });
  const nameInput = h('input', { id: 'import-name', type: 'text', autocomplete: 'off', 'aria-describedby': 'import-error', 'data-testid': 'import-name' });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'import-submit' }, 'Import');
  const error = h('p', { id: 'import-error', class: 'field-error', role: 'alert', 'data-testid': 'import-error' });
  const notes = h('div', { class: 'import-form__notes', role: 'status', 'data-testid': 'import-notes' });
  const form = h(
    'form',
    { class: 'import-form', hidden: true, 'data-testid': 'import-form' },
    fileLabel,
    h('label', { for: 'import-name', class: 'field-label' }, 'Name of the new document'),
    h('div', { class: 'open-form__row' }, nameInput, submit, h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => reset() }, 'Cancel')),
    error,
  );
  let file: File | null = null;

  const reset = (): void => {
    file = null;
    picker.value = '';
    form.hidden = true;
    start.hidden = false;
    error.textContent = '';
    submit.disabled = false;
    submit.textContent = 'Import';
  };

  picker.addEventListener('change', () => {
    const picked = picker.files?.[0];
    if (!picked) return;
    notes.replaceChildren();
    if (!importFormatOfFile(picked.name)) {
      error.textContent = 'Choose a Markdown (.md), HTML (.html) or Word (.docx) file.';
      form.hidden = false;
      start.hidden = false;
      fileLabel.textContent = picked.name;
      return;
    }
    file = picked;
    fileLabel.textContent = `File: ${picked.name}`;
    nameInput.value = suggestedName(picked.name);
    error.textContent = '';
    form.hidden = false;
    start.hidden = true;
    nameInput.focus();
    nameInput.select();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const format = file ? importFormatOfFile(file.name) : null;
    if (!file || !format) {
      picker.click();
      return;
    }
    const name = nameInput.value.trim();
    const problem = nameProblem(name);
    error.textContent = problem ?? '';
    if (problem) {
      nameInput.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Importing…';
    api.importDoc(name, format, file).then(
      (result) => {
        if (result.notes.length === 0) {
          open(name);
          return;
        }
        reset();
        onImported(name);
        notes.replaceChildren(
          h('p', {}, `“${name}” was imported. Please note:`),
          h('ul', {}, ...result.notes.map((note) => h('li', {}, note))),
          h('button', { type: 'button', class: 'btn btn--primary', 'data-testid': 'import-open', onclick: () => open(name) }, 'Open the document'),
        );
      },
      (failure: unknown) => {
        submit.disabled = false;
        submit.textContent = 'Import';
        error.textContent = failure instanceof ApiError && failure.status === 409
          ? `A document named “${name}” already has content. Choose another name.`
          : `The import failed: ${(failure as Error).message}`;
      },
    );
  });

  return h('div', { class: 'import' }, start, picker, form, notes);
}
