/**
 * The home page: open or create a document by name, and the documents the server has. The list
 * comes from `/api/docs`; if that fails the page still works, it just cannot list anything.
 */
import './styles/home.css';
import { ApiClient, ApiError } from './api-client.js';
import { h, icon } from './dom.js';
import { createDocumentList } from './document-list.js';
import { Icons } from './icons.js';
import { documentHref, nameProblem } from './routes.js';
import type { AccessToken } from './token.js';

function newDocumentName(): string {
  const date = new Date().toISOString().slice(0, 10);
  return `Untitled ${date} ${Math.random().toString(36).slice(2, 6)}`;
}

export function renderHomePage(root: HTMLElement, token: AccessToken | null): void {
  document.title = 'Tandem';
  const raw = token?.raw ?? null;
  const open = (name: string): void => location.assign(documentHref(name));

  const input = h('input', { id: 'doc-name', type: 'text', name: 'name', autocomplete: 'off', placeholder: 'e.g. Team notes', required: true, 'aria-describedby': 'doc-name-error', 'data-testid': 'doc-name' });
  const error = h('p', { id: 'doc-name-error', class: 'field-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'open-form', 'data-testid': 'open-form' },
    h('label', { for: 'doc-name', class: 'field-label' }, 'Open or create a document by name'),
    h('div', { class: 'open-form__row' }, input, h('button', { type: 'submit', class: 'btn btn--primary' }, 'Open')),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const problem = nameProblem(input.value);
    error.textContent = problem ?? '';
    input.setAttribute('aria-invalid', String(problem !== null));
    if (problem) input.focus();
    else open(input.value.trim());
  });

  // Viewers and commenters cannot write a new document's first words.
  const readOnly = token !== null && token.role !== 'write';
  const documents = createDocumentList({ storage: localStorageOrNull(), open, canCreate: !readOnly });

  root.replaceChildren(
    h(
      'div',
      { class: 'home' },
      h('header', { class: 'home__header' }, h('span', { class: 'brand__mark', 'aria-hidden': 'true' }, 'T'), h('span', { class: 'home__brand' }, 'Tandem')),
      h(
        'main',
        { class: 'home__main' },
        h('h1', { class: 'home__title' }, 'Write together, live.'),
        h('p', { class: 'home__lead' }, 'Share a document’s link and edit it with others at the same time. Everything is saved on this server, with its whole history.'),
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'start-title' },
          h('h2', { id: 'start-title', class: 'card__title' }, 'Start'),
          form,
          readOnly ? null : h('button', { type: 'button', class: 'btn btn--ghost new-doc', onclick: () => open(newDocumentName()) }, icon(Icons.plus), 'New blank document'),
        ),
        documents.element,
      ),
    ),
  );
  root.removeAttribute('aria-busy');

  new ApiClient(raw).listDocs().then(
    ({ docs }) => {
      documents.show(docs);
      // Time from navigation to a listed, searchable set of documents, for anyone measuring it.
      performance.mark('tandem:docs-listed');
    },
    (failure: unknown) =>
      documents.showProblem(
        failure instanceof ApiError && (failure.status === 401 || failure.status === 403)
          ? 'Your access link does not allow listing documents. You can still open one by name.'
          : 'The document list is unavailable right now. You can still open or create a document by name.',
      ),
  );
}

function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
