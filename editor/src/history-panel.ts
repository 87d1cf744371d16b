/**
 * The version history side panel: the server's timeline of versions (newest first), each one
 * a button that opens a read-only preview of the document as it was at the end of it.
 */
import { ApiError, type ApiClient, type Version } from './api-client.js';
import { h, icon } from './dom.js';
import { Icons } from './icons.js';
import { describeAuthors, formatBytes, formatFull, formatWhen, plural } from './format.js';

export interface HistoryPanelOptions {
  api: ApiClient;
  docName: string;
  onPreview(version: Version, isLatest: boolean): void;
  /** Compare `from` (a sequence number) with now; `versions` (oldest first) are offered to pick others. */
  onCompare?(versions: Version[], from: number): void;
  onClose(): void;
}

export interface HistoryPanel {
  element: HTMLElement;
  /** Fetches the timeline again (after a restore, or when the document changed). */
  reload(): Promise<void>;
  /** Marks the version being previewed, or none. */
  select(toSeq: number | null): void;
}

export function createHistoryPanel(options: HistoryPanelOptions): HistoryPanel {
  const { api, docName } = options;
  const status = h('p', { class: 'history__status', role: 'status' }, 'Loading history…');
  const compactedNote = h('p', { class: 'history__note', hidden: true, 'data-testid': 'history-compacted' });
  const list = h('ol', { class: 'history__list', 'aria-label': 'Versions, newest first', 'data-testid': 'history-list' });
  // The server groups edits into versions at pauses in typing (and changes of author);
  // shorter pauses give a finer timeline for one person's session.
  const detail = h(
    'select',
    { id: 'history-detail', class: 'history__detail', 'data-testid': 'history-detail', onchange: () => void reload() },
    h('option', { value: '' }, 'Editing sessions'),
    h('option', { value: '10' }, 'Pauses of 10 seconds'),
    h('option', { value: '2' }, 'Every short pause'),
  );
  const closeButton = h(
    'button',
    { type: 'button', class: 'icon-btn', 'aria-label': 'Close version history', onclick: () => options.onClose() },
    icon(Icons.close),
  );
  const element = h(
    'aside',
    { class: 'history', 'aria-labelledby': 'history-title', 'data-testid': 'history-panel' },
    h('header', { class: 'history__header' }, h('h2', { id: 'history-title', class: 'history__title' }, 'Version history'), closeButton),
    h('div', { class: 'history__controls' }, h('label', { for: 'history-detail' }, 'Show'), detail),
    status,
    list,
    compactedNote,
  );
  let selected: number | null = null;
  let loading: Promise<void> | null = null;

  const markSelected = (): void => {
    for (const button of list.querySelectorAll<HTMLButtonElement>('.version')) {
      const current = Number(button.dataset['toSeq']) === selected;
      button.classList.toggle('version--selected', current);
      if (current) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  };

  const render = (versions: Version[]): void => {
    const newestFirst = [...versions].reverse();
    list.replaceChildren(
      ...newestFirst.map((version, index) => {
        const authors = describeAuthors(version.authors);
        const button = h(
          'button',
          {
            type: 'button',
            class: 'version',
            'data-to-seq': version.toSeq,
            title: `${formatFull(version.start)} – ${formatFull(version.end)}`,
            onclick: () => options.onPreview(version, index === 0),
          },
          h('span', { class: 'version__when' }, formatWhen(version.end)),
          index === 0 ? h('span', { class: 'version__badge' }, 'Current') : null,
          h('span', { class: 'version__authors' }, authors),
          h('span', { class: 'version__meta' }, `${plural(version.records, 'edit')} · ${formatBytes(version.bytes)}`),
        );
        // The current version is compared with the one before it; any other with now.
        const from = index === 0 ? version.fromSeq - 1 : version.toSeq;
        const compare = options.onCompare
          ? h(
              'button',
              {
                type: 'button',
                class: 'version__compare',
                'data-testid': 'compare-version',
                title: index === 0 ? 'Show what this version changed' : 'Compare this version with now',
                onclick: () => options.onCompare?.(versions, from),
              },
              index === 0 ? 'Changes' : 'Compare',
            )
          : null;
        return h('li', { class: 'version-row' }, button, compare);
      }),
    );
    status.textContent = versions.length === 0 ? 'No saved versions yet. Start typing: versions appear as you pause.' : '';
    status.hidden = versions.length > 0;
    markSelected();
  };

  const load = async (): Promise<void> => {
    try {
      const history = await api.history(docName, detail.value === '' ? null : Number(detail.value));
      render(history.versions);
      const compacted = history.compacted;
      compactedNote.hidden = !compacted;
      compactedNote.textContent = compacted ? `Older versions were removed for good (history compacted on ${formatFull(compacted.at)}).` : '';
    } catch (error) {
      status.hidden = false;
      status.textContent =
        error instanceof ApiError && error.status === 404
          ? 'No history yet: this document has not been saved on the server.'
          : `History is unavailable: ${(error as Error).message}`;
    }
  };

  // One request at a time; a reload asked for meanwhile is satisfied by the one in flight.
  const reload = (): Promise<void> => {
    loading ??= load().finally(() => {
      loading = null;
    });
    return loading;
  };

  return {
    element,
    reload,
    select(toSeq) {
      selected = toSeq;
      markSelected();
    },
  };
}
