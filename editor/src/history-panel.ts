/**
 * The version history side panel: the server's timeline of versions (newest first), each one
 * a button that opens a read-only preview of the document as it was at the end of it. Named
 * versions carry their names (a version ends at every named point); "Named versions only"
 * shows just those, and people who may write can name versions, rename and remove names.
 */
import { ApiError, type ApiClient, type DocHistory, type NamedVersion, type Version } from './api-client.js';
import { h, icon } from './dom.js';
import { Icons } from './icons.js';
import { describeAuthors, formatFull, formatWhen } from './format.js';
import type { VersionNaming } from './version-naming.js';
import { versionRow } from './version-row.js';

export interface HistoryPanelOptions {
  api: ApiClient;
  docName: string;
  onPreview(version: Version, isLatest: boolean): void;
  /** Compare `from` (a sequence number) with now; `versions` (oldest first) are offered to pick others. */
  onCompare?(versions: Version[], from: number): void;
  /** Naming versions: null for people who may not (viewers, commenters). */
  naming: VersionNaming | null;
  /** Opens the timeslider (every change, played or stepped through). */
  onTimeslider?(): void;
  onClose(): void;
}

export interface HistoryPanel {
  element: HTMLElement;
  /** Fetches the timeline again (after a restore, or when the document changed). */
  reload(): Promise<void>;
  /** Marks the version being previewed, or none. */
  select(toSeq: number | null): void;
  /** Moves the keyboard focus to the entry of the version ending at `toSeq` (else the list's first). */
  focusVersion(toSeq: number): void;
  /** The names of the document's named versions, as last loaded. */
  names(): string[];
}

/** The version as it is shown when named before the history was compacted: the state at the cut. */
function compactedVersion(named: NamedVersion, cut: number): Version {
  return { fromSeq: cut, toSeq: cut, start: named.time, end: named.time, authors: [], records: 0, bytes: 0, named: [{ id: named.id, name: named.name }] };
}

/** "The version of Today, 14:05 · alice.": which version a dialog is about. */
function describeVersion(version: Version): string {
  return `The version of ${formatWhen(version.end)} · ${describeAuthors(version.authors)}.`;
}

export function createHistoryPanel(options: HistoryPanelOptions): HistoryPanel {
  const { api, docName, naming } = options;
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
  const namedOnly = h('input', { type: 'checkbox', id: 'history-named-only', 'data-testid': 'history-named-only', onchange: () => render() });
  const nameCurrent = naming
    ? h(
        'button',
        {
          type: 'button',
          class: 'btn btn--ghost history__name-current',
          'data-testid': 'name-current-version',
          onclick: () => naming.name(null, 'The document as it is now, for everyone.', () => nameCurrent?.focus()),
        },
        icon(Icons.tag),
        h('span', {}, 'Name the current version'),
      )
    : null;
  const closeButton = h(
    'button',
    { type: 'button', class: 'icon-btn', 'aria-label': 'Close version history', onclick: () => options.onClose() },
    icon(Icons.close),
  );
  const timeslider = options.onTimeslider
    ? h('button', { type: 'button', class: 'btn btn--ghost history__timeslider', 'data-testid': 'open-timeslider', title: 'Play or step through every change', onclick: () => options.onTimeslider?.() }, icon(Icons.history), h('span', {}, 'Timeslider'))
    : null;
  const element = h(
    'aside',
    { class: 'history', 'aria-labelledby': 'history-title', 'data-testid': 'history-panel' },
    h('header', { class: 'history__header' }, h('h2', { id: 'history-title', class: 'history__title' }, 'Version history'), closeButton),
    timeslider,
    h('div', { class: 'history__controls' }, h('label', { for: 'history-detail' }, 'Show'), detail),
    h('div', { class: 'history__controls' }, h('label', { class: 'history__filter' }, namedOnly, 'Named versions only')),
    nameCurrent ? h('div', { class: 'history__naming' }, nameCurrent) : null,
    status,
    list,
    compactedNote,
  );
  let selected: number | null = null;
  let loading: Promise<void> | null = null;
  let history: DocHistory | null = null;

  const markSelected = (): void => {
    for (const button of list.querySelectorAll<HTMLButtonElement>('.version')) {
      const current = Number(button.dataset['toSeq']) === selected;
      button.classList.toggle('version--selected', current);
      if (current) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  };

  const rowFor = (versions: Version[], version: Version, isLatest: boolean, compactedNote?: string): HTMLLIElement => {
    const seq = version.toSeq;
    const focusBack = (): void => focusVersion(seq);
    // The current version is compared with the one before it; any other with now.
    const from = isLatest ? version.fromSeq - 1 : version.toSeq;
    return versionRow({
      version,
      isLatest,
      ...(compactedNote ? { compactedNote } : {}),
      onPreview: () => options.onPreview(version, isLatest),
      compare: options.onCompare && !compactedNote
        ? { label: isLatest ? 'Changes' : 'Compare', title: isLatest ? 'Show what this version changed' : 'Compare this version with now', run: () => options.onCompare?.(versions, from) }
        : null,
      naming: naming
        ? {
            name: () => naming.name(seq, describeVersion(version), focusBack),
            rename: (n) => naming.rename(n, seq, focusBack),
            remove: (n) => void naming.remove(n, seq).then(focusBack),
          }
        : null,
    });
  };

  const render = (): void => {
    if (!history) return;
    const versions = history.versions;
    const cut = history.compacted?.beforeSeq ?? null;
    const onlyNamed = namedOnly.checked;
    const rows = [...versions].reverse().map((version, index) => ({ version, isLatest: index === 0 })).filter((r) => !onlyNamed || (r.version.named?.length ?? 0) > 0);
    // Named before the compaction's cut: no version of the timeline ends there any more.
    const before = cut === null ? [] : (history.named ?? []).filter((n) => n.compacted).reverse();
    const note = cut === null ? '' : `History before it was compacted: shows the earliest version kept (seq ${cut}).`;
    list.replaceChildren(
      ...rows.map((r) => rowFor(versions, r.version, r.isLatest)),
      ...(cut === null ? [] : before.map((n) => rowFor(versions, compactedVersion(n, cut), false, note))),
    );
    const empty = rows.length + before.length === 0;
    status.hidden = !empty;
    status.textContent = !empty
      ? ''
      : onlyNamed
        ? naming
          ? 'No named versions yet. Name the current version to find it again later.'
          : 'No named versions yet.'
        : 'No saved versions yet. Start typing: versions appear as you pause.';
    markSelected();
  };

  const load = async (): Promise<void> => {
    try {
      history = await api.history(docName, detail.value === '' ? null : Number(detail.value));
      render();
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

  const focusVersion = (toSeq: number): void => {
    const button = list.querySelector<HTMLButtonElement>(`.version[data-to-seq="${toSeq}"]`) ?? list.querySelector<HTMLButtonElement>('.version');
    (button ?? closeButton).focus();
  };

  return {
    element,
    reload,
    select(toSeq) {
      selected = toSeq;
      markSelected();
    },
    focusVersion,
    names: () => (history?.named ?? []).map((n) => n.name),
  };
}
