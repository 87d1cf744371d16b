/**
 * The home page: open or create a document by name, import one from a file, the documents the
 * server has — each can be moved to the trash — and the Trash, where deleted documents are
 * restored (`/#trash` opens it). The list comes from `/api/docs`; if that fails the page still
 * works, it just cannot list anything.
 */
import './styles/home.css';
import { ApiClient, ApiError } from './api-client.js';
import { h, icon } from './dom.js';
import { createDocumentList } from './document-list.js';
import { Icons } from './icons.js';
import { createImportForm } from './import-form.js';
import { documentHref, nameProblem } from './routes.js';
import { showToast } from './toast.js';
import { createTrashView } from './trash-view.js';
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

  // Viewers and commenters cannot write a new document's first words, delete or restore.
  const readOnly = token !== null && token.role !== 'write';
  const api = new ApiClient(raw);
  const refresh = (): void => {
    api.listDocs().then(
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
  };
  const remove = (name: string): void => {
    api.deleteDoc(name).then(
      ({ deleted }) => {
        showToast(`Moved “${name}” to the trash. It can be restored from the Trash for ${daysUntil(deleted.purgeAfter)}.`);
        refresh();
      },
      (failure: unknown) => showToast(`Could not delete “${name}”: ${(failure as Error).message}`, 'error'),
    );
  };
  const documents = createDocumentList({ storage: localStorageOrNull(), open, canCreate: !readOnly, ...(readOnly ? {} : { onDelete: remove }) });
  const trash = createTrashView({ api, canRestore: !readOnly, onRestored: () => refresh() });
  const tabs = createTabs(documents.element, trash.element, () => void trash.load());

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
          readOnly ? null : h('div', { class: 'start-actions' },
            h('button', { type: 'button', class: 'btn btn--ghost new-doc', onclick: () => open(newDocumentName()) }, icon(Icons.plus), 'New blank document'),
            createImportForm({ api, open, onImported: () => refresh() }),
          ),
        ),
        tabs.element,
      ),
    ),
  );
  root.removeAttribute('aria-busy');

  refresh();
  if (location.hash === '#trash') tabs.showTrash();
}

/** "30 days", "1 day", "less than a day": how long until `iso`. */
function daysUntil(iso: string): string {
  const days = Math.floor((Date.parse(iso) - Date.now()) / (24 * 60 * 60 * 1000));
  return days >= 1 ? `${days} day${days === 1 ? '' : 's'}` : 'less than a day';
}

/** The Documents and Trash tabs of the documents card. */
function createTabs(documents: HTMLElement, trash: HTMLElement, onTrash: () => void): { element: HTMLElement; showTrash(): void } {
  const docsTab = h('button', { type: 'button', role: 'tab', id: 'tab-docs', class: 'tab', 'aria-selected': 'true', 'aria-controls': 'panel-docs', 'data-testid': 'tab-documents' }, 'Documents');
  const trashTab = h('button', { type: 'button', role: 'tab', id: 'tab-trash', class: 'tab', 'aria-selected': 'false', 'aria-controls': 'panel-trash', tabindex: -1, 'data-testid': 'tab-trash' }, icon(Icons.trash), 'Trash');
  const docsPanel = h('div', { role: 'tabpanel', id: 'panel-docs', 'aria-labelledby': 'tab-docs' }, documents);
  const trashPanel = h('div', { role: 'tabpanel', id: 'panel-trash', 'aria-labelledby': 'tab-trash', hidden: true }, h('section', { class: 'card' }, h('h2', { class: 'card__title' }, 'Trash'), trash));
  const select = (showTrash: boolean): void => {
    docsTab.setAttribute('aria-selected', String(!showTrash));
    trashTab.setAttribute('aria-selected', String(showTrash));
    docsTab.tabIndex = showTrash ? -1 : 0;
    trashTab.tabIndex = showTrash ? 0 : -1;
    docsPanel.hidden = showTrash;
    trashPanel.hidden = !showTrash;
    if (showTrash) onTrash();
    history.replaceState(null, '', showTrash ? '#trash' : location.pathname + location.search);
  };
  docsTab.addEventListener('click', () => select(false));
  trashTab.addEventListener('click', () => select(true));
  const tablist = h('div', { role: 'tablist', class: 'tabs', 'aria-label': 'Documents or trash' }, docsTab, trashTab);
  tablist.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const toTrash = docsTab.getAttribute('aria-selected') === 'true';
    select(toTrash);
    (toTrash ? trashTab : docsTab).focus();
  });
  return { element: h('div', { class: 'home__lists' }, tablist, docsPanel, trashPanel), showTrash: () => select(true) };
}

function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
