/**
 * The home page's list of documents: find one by name as you type, sort by last change or by
 * name (remembered), see who changed each one last.
 *
 * The search box is a combobox over the list (a listbox of links): typing filters and makes the
 * first match active, the arrow keys move the active document, Enter opens it, Escape clears
 * the search. Focus stays in the box the whole time; the mouse simply follows the links.
 * Each row is built once and kept: filtering re-highlights only the rows whose match moved and
 * adds or removes only the rows that come or go, and rows out of view are not laid out
 * (content-visibility in home.css), so a thousand documents filter about as fast as a dozen.
 */
import type { DocSummary } from './api-client.js';
import { h, icon } from './dom.js';
import {
  foldQuery,
  lastChangeText,
  loadSortOrder,
  matchName,
  saveSortOrder,
  searchable,
  sortDocs,
  SORT_ORDERS,
  type MatchRange,
  type SearchableName,
  type SortOrder,
} from './doc-list-model.js';
import { formatBytes, formatCount, formatFull, plural } from './format.js';
import { Icons } from './icons.js';
import { documentHref, nameProblem } from './routes.js';

export interface DocumentListOptions {
  storage: Storage | null;
  /** Opens (or creates) the document with this name. */
  open(name: string): void;
  /** Whether to offer creating a document named after a search that found none. */
  canCreate: boolean;
  /** Moves a document to the trash; absent: the list offers no delete. */
  onDelete?: (name: string) => void;
}

export interface DocumentList {
  element: HTMLElement;
  show(docs: readonly DocSummary[]): void;
  /** The list cannot be shown: says why instead. */
  showProblem(message: string): void;
}

interface Row {
  name: string;
  lastChange: string | null;
  search: SearchableName;
  item: HTMLLIElement;
  option: HTMLAnchorElement;
  label: HTMLElement;
  /** The highlight the label shows now. */
  highlighted: MatchRange | 'all';
}

const SORT_LABELS: Record<SortOrder, string> = { changed: 'Last change', name: 'Name' };
/** Rows PageUp and PageDown move by. */
const PAGE = 10;

export function createDocumentList(options: DocumentListOptions): DocumentList {
  const input = h('input', {
    id: 'doc-search',
    type: 'search',
    class: 'doc-search__input',
    role: 'combobox',
    'aria-controls': 'doc-list',
    'aria-expanded': 'true',
    'aria-autocomplete': 'list',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'Find by name',
    'data-testid': 'doc-search',
  });
  let order = loadSortOrder(options.storage);
  const sort = h('select', { id: 'doc-sort', class: 'doc-sort__select', 'data-testid': 'doc-sort' }, ...SORT_ORDERS.map((o) => h('option', { value: o, selected: o === order }, SORT_LABELS[o])));
  const count = h('span', { class: 'doc-list__count', 'data-testid': 'doc-count' });
  const announcer = h('span', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const controls = h(
    'div',
    { class: 'doc-list__controls', hidden: true },
    h('label', { class: 'visually-hidden', for: 'doc-search' }, 'Find a document by name'),
    h('div', { class: 'doc-search' }, icon(Icons.search), input),
    h('label', { class: 'doc-sort', for: 'doc-sort' }, h('span', { class: 'doc-sort__label' }, 'Sort by'), sort),
  );
  const status = h('p', { class: 'doc-list__status', role: 'status' }, 'Loading documents…');
  const empty = h('div', { class: 'doc-list__empty', hidden: true });
  const list = h('ul', { id: 'doc-list', class: 'doc-list', role: 'listbox', 'aria-label': 'Documents', 'data-testid': 'doc-list' });
  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': 'docs-title' },
    h('div', { class: 'doc-list__head' }, h('h2', { id: 'docs-title', class: 'card__title' }, 'Documents'), count),
    controls,
    status,
    empty,
    list,
    announcer,
  );

  let ordered: Row[] = [];
  let visible: Row[] = [];
  let active = -1;

  const setActive = (index: number, reveal: boolean): void => {
    visible[active]?.option.setAttribute('aria-selected', 'false');
    active = visible.length === 0 ? -1 : Math.max(-1, Math.min(index, visible.length - 1));
    const row = visible[active];
    if (row) {
      row.option.setAttribute('aria-selected', 'true');
      input.setAttribute('aria-activedescendant', row.option.id);
      if (reveal) row.option.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };

  /** Puts exactly `matched` (in list order) in the list, moving only the rows that change. */
  const place = (matched: Row[]): void => {
    const keep = new Set(matched);
    for (const row of visible) if (!keep.has(row)) row.item.remove();
    // What is left is a subsequence of `matched`, in the same order: insert the rest around it.
    let next = list.firstChild;
    for (const row of matched) {
      if (row.item === next) next = next.nextSibling;
      else list.insertBefore(row.item, next);
    }
    visible = matched;
  };

  const render = (): void => {
    const query = foldQuery(input.value);
    const matched: Row[] = [];
    for (const row of ordered) {
      const match = matchName(row.search, query);
      if (match === null) continue;
      highlight(row, match);
      matched.push(row);
    }
    visible[active]?.option.setAttribute('aria-selected', 'false');
    active = -1;
    place(matched);
    setActive(query === '' ? -1 : 0, false);

    const total = ordered.length;
    count.textContent = query === '' ? formatCount(total) : `${formatCount(matched.length)} of ${formatCount(total)}`;
    announcer.textContent = query === '' ? '' : `${plural(matched.length, 'document')} of ${formatCount(total)} match`;
    input.setAttribute('aria-expanded', String(matched.length > 0));
    showEmpty(query === '' || matched.length > 0 ? null : input.value.trim());
  };

  const showEmpty = (unmatched: string | null): void => {
    empty.hidden = unmatched === null;
    if (unmatched === null) return;
    const create =
      options.canCreate && nameProblem(unmatched) === null
        ? h('button', { type: 'button', class: 'btn btn--ghost', 'data-testid': 'create-from-search', onclick: () => options.open(unmatched) }, icon(Icons.plus), `Create “${unmatched}”`)
        : null;
    empty.replaceChildren(h('p', { class: 'doc-list__status' }, `No document name contains “${unmatched}”.`), ...(create ? [create] : []));
  };

  input.addEventListener('input', render);
  // The full date of a change, on hover: formatted when first wanted, not for every row up front.
  list.addEventListener('mouseover', (event) => {
    const changed = event.target instanceof Element ? event.target.closest<HTMLElement>('.doc-link__changed') : null;
    const iso = changed?.dataset['time'];
    if (changed && iso && !changed.title) changed.title = formatFull(iso);
  });
  input.addEventListener('keydown', (event) => {
    // Keys that finish an input method's composition are the composition's.
    if (event.isComposing) return;
    const moves: Record<string, () => number> = {
      ArrowDown: () => active + 1,
      ArrowUp: () => Math.max(active - 1, 0),
      PageDown: () => active + PAGE,
      PageUp: () => Math.max(active - PAGE, 0),
    };
    const move = moves[event.key];
    if (move && !event.altKey && visible.length > 0) {
      event.preventDefault();
      setActive(move(), true);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const row = visible[active] ?? (input.value.trim() !== '' ? visible[0] : undefined);
      if (row) options.open(row.name);
    } else if (event.key === 'Escape' && input.value !== '') {
      event.preventDefault();
      input.value = '';
      render();
    }
  });
  sort.addEventListener('change', () => {
    order = sort.value === 'name' ? 'name' : 'changed';
    saveSortOrder(options.storage, order);
    ordered = sortDocs(ordered, order);
    // A new order is a new list: rebuild it whole.
    list.replaceChildren();
    visible = [];
    render();
  });

  return {
    element,
    show(docs) {
      const now = Date.now();
      const fileIcon = icon(Icons.file);
      ordered = sortDocs(
        docs.map((doc, i) => row(doc, i, now, fileIcon, options.onDelete)),
        order,
      );
      list.replaceChildren();
      visible = [];
      status.hidden = docs.length > 0;
      status.textContent = docs.length === 0 ? `No documents yet.${options.canCreate ? ' Create one above.' : ''}` : '';
      controls.hidden = docs.length === 0;
      render();
    },
    showProblem(message) {
      status.hidden = false;
      status.textContent = message;
      controls.hidden = true;
      count.textContent = '';
    },
  };
}

function row(doc: DocSummary, index: number, now: number, fileIcon: SVGSVGElement, onDelete: ((name: string) => void) | undefined): Row {
  const label = h('span', { class: 'doc-link__name' }, doc.name);
  const changed = h('span', { class: 'doc-link__changed', 'data-time': doc.lastChange, 'data-testid': 'doc-last-change' }, lastChangeText(doc, now));
  const option = h(
    'a',
    { id: `doc-option-${index}`, class: 'doc-link', role: 'option', 'aria-selected': 'false', tabindex: -1, href: documentHref(doc.name), 'data-name': doc.name },
    fileIcon.cloneNode(true),
    label,
    h('span', { class: 'doc-link__meta' }, changed, ` · ${plural(doc.records, 'edit')} · ${formatBytes(doc.bytes)}`),
  );
  const remove = onDelete
    ? h('button', { type: 'button', class: 'doc-delete', title: 'Move to the trash', 'aria-label': `Move “${doc.name}” to the trash`, 'data-testid': 'doc-delete', onclick: () => onDelete(doc.name) }, icon(Icons.trash))
    : null;
  return { name: doc.name, lastChange: doc.lastChange, search: searchable(doc.name), item: h('li', { role: 'none', class: 'doc-row' }, option, remove), option, label, highlighted: 'all' };
}

/** Marks the matched part of the name, touching the DOM only when the match moved. */
function highlight(row: Row, match: MatchRange | 'all'): void {
  const same = match === 'all' ? row.highlighted === 'all' : row.highlighted !== 'all' && row.highlighted[0] === match[0] && row.highlighted[1] === match[1];
  if (same) return;
  row.highlighted = match;
  if (match === 'all') {
    row.label.textContent = row.name;
    return;
  }
  const [start, end] = match;
  row.label.replaceChildren(row.name.slice(0, start), h('mark', { class: 'doc-link__match' }, row.name.slice(start, end)), row.name.slice(end));
}
