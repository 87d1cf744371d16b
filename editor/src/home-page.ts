/**
 * The home page: open or create a document by name, and the documents the server has. The list
 * comes from `/api/docs`; if that fails the page still works, it just cannot list anything.
 */
import './styles/home.css';
import { ApiClient, ApiError, type DocSummary } from './api-client.js';
import { h, icon } from './dom.js';
import { Icons } from './icons.js';
import { formatBytes, formatFull, formatRelative, plural } from './format.js';
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

  const status = h('p', { class: 'doc-list__status', role: 'status' }, 'Loading documents…');
  const list = h('ul', { class: 'doc-list', 'data-testid': 'doc-list' });
  const readOnly = token?.role === 'read';

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
        h('section', { class: 'card', 'aria-labelledby': 'docs-title' }, h('h2', { id: 'docs-title', class: 'card__title' }, 'Documents'), status, list),
      ),
    ),
  );
  root.removeAttribute('aria-busy');

  new ApiClient(raw).listDocs().then(
    ({ docs }) => {
      status.textContent = docs.length === 0 ? 'No documents yet. Create one above.' : '';
      status.hidden = docs.length > 0;
      list.replaceChildren(...sortByLastChange(docs).map((doc) => docItem(doc)));
    },
    (failure: unknown) => {
      status.textContent =
        failure instanceof ApiError && (failure.status === 401 || failure.status === 403)
          ? 'Your access link does not allow listing documents. You can still open one by name.'
          : 'The document list is unavailable right now. You can still open or create a document by name.';
    },
  );
}

function sortByLastChange(docs: DocSummary[]): DocSummary[] {
  return [...docs].sort((a, b) => (b.lastChange ?? '').localeCompare(a.lastChange ?? '') || a.name.localeCompare(b.name));
}

function docItem(doc: DocSummary): HTMLElement {
  const changed = doc.lastChange ? formatRelative(doc.lastChange) : 'never changed';
  return h(
    'li',
    {},
    h(
      'a',
      { class: 'doc-link', href: documentHref(doc.name), 'data-name': doc.name },
      icon(Icons.file),
      h('span', { class: 'doc-link__name' }, doc.name),
      h('span', { class: 'doc-link__meta', title: doc.lastChange ? formatFull(doc.lastChange) : '' }, `${changed} · ${plural(doc.records, 'edit')} · ${formatBytes(doc.bytes)}`),
    ),
  );
}
