/**
 * One entry of the version history panel: a button that previews the version (its names first,
 * prominently, then when, who and how much), and beside it the ways to compare it and, for
 * people who may write, to name it or to rename or remove its names.
 */
import type { Version } from './api-client.js';
import { h, icon } from './dom.js';
import { describeAuthors, formatBytes, formatFull, formatWhen, plural } from './format.js';
import { Icons } from './icons.js';
import { createMenuButton } from './menu-button.js';

export interface VersionName {
  id: string;
  name: string;
}

export interface VersionRowOptions {
  version: Version;
  isLatest: boolean;
  /** Set for a version named before the history was compacted: what it shows now. */
  compactedNote?: string;
  onPreview(): void;
  compare: { label: string; title: string; run(): void } | null;
  /** Null for people who may not name versions. */
  naming: {
    name(): void;
    rename(version: VersionName): void;
    remove(version: VersionName): void;
  } | null;
}

function nameActions(names: readonly VersionName[], naming: NonNullable<VersionRowOptions['naming']>): HTMLElement {
  if (names.length === 0) {
    return h(
      'button',
      { type: 'button', class: 'version__action', 'data-testid': 'name-version', title: 'Give this version a name, to find it again', onclick: () => naming.name() },
      'Name…',
    );
  }
  const menu = createMenuButton(
    'Name',
    Icons.tag,
    [
      ...names.flatMap((n) => [
        { label: `Rename “${n.name}”…`, run: () => naming.rename(n) },
        { label: `Remove the name “${n.name}”`, run: () => naming.remove(n) },
      ]),
      { label: 'Add another name…', run: () => naming.name() },
    ],
    'version-name-menu',
  );
  menu.classList.add('version__menu');
  return menu;
}

export function versionRow(options: VersionRowOptions): HTMLLIElement {
  const { version, isLatest, naming, compare } = options;
  const names = version.named ?? [];
  const button = h(
    'button',
    {
      type: 'button',
      class: `version${names.length > 0 ? ' version--named' : ''}`,
      'data-to-seq': version.toSeq,
      title: `${formatFull(version.start)} – ${formatFull(version.end)}`,
      onclick: () => options.onPreview(),
    },
    names.length > 0
      ? h('span', { class: 'version__names' }, ...names.map((n) => h('span', { class: 'version__name', 'data-testid': 'version-name' }, icon(Icons.tag), n.name)))
      : null,
    h('span', { class: 'version__when' }, formatWhen(version.end)),
    isLatest ? h('span', { class: 'version__badge' }, 'Current') : null,
    ...(options.compactedNote
      ? [h('span', { class: 'version__meta' }, options.compactedNote)]
      : [h('span', { class: 'version__authors' }, describeAuthors(version.authors)), h('span', { class: 'version__meta' }, `${plural(version.records, 'edit')} · ${formatBytes(version.bytes)}`)]),
  );
  const actions = h(
    'div',
    { class: 'version__actions' },
    naming ? nameActions(names, naming) : null,
    compare ? h('button', { type: 'button', class: 'version__compare', 'data-testid': 'compare-version', title: compare.title, onclick: () => compare.run() }, compare.label) : null,
  );
  return h('li', { class: 'version-row' }, button, actions.childElementCount > 0 ? actions : null);
}
