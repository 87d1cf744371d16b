/**
 * The documents page's Trash: deleted documents, when and by whom each was deleted, when the
 * server will delete it for good, and Restore. A document that holds the name again is never
 * merged with the deleted one: restoring then asks for another name.
 */
import { ApiError, type ApiClient, type TrashedDoc } from './api-client.js';
import { h, icon } from './dom.js';
import { formatFull, formatRelative, plural } from './format.js';
import { Icons } from './icons.js';
import { documentHref, nameProblem } from './routes.js';

export interface TrashView {
  element: HTMLElement;
  /** Loads (again) and shows the trash. */
  load(): Promise<void>;
}

export interface TrashViewOptions {
  api: ApiClient;
  /** Whether this person may restore (write access). */
  canRestore: boolean;
  /** A document came back: the document list should show it. */
  onRestored(doc: TrashedDoc): void;
}

export function createTrashView(options: TrashViewOptions): TrashView {
  const status = h('p', { class: 'doc-list__status', role: 'status', 'data-testid': 'trash-status' }, 'Loading the trash…');
  const list = h('ul', { class: 'doc-list trash-list', 'aria-label': 'Deleted documents', 'data-testid': 'trash-list' });
  const element = h('div', { class: 'trash', 'data-testid': 'trash-view' }, status, list);

  const row = (doc: TrashedDoc): HTMLLIElement => {
    const problem = h('p', { class: 'field-error', role: 'alert' });
    const actions = h('div', { class: 'trash-row__actions' });
    const item = h(
      'li',
      { class: 'trash-row', 'data-name': doc.name, 'data-testid': 'trash-row' },
      h('div', { class: 'trash-row__main' },
        icon(Icons.file),
        h('span', { class: 'doc-link__name' }, doc.name),
        h(
          'span',
          { class: 'doc-link__meta' },
          h('span', { title: formatFull(doc.deletedAt) }, `Deleted ${formatRelative(doc.deletedAt)}`),
          doc.deletedBy ? ` by ${doc.deletedBy}` : '',
          ` · ${plural(doc.records, 'edit')} · kept until `,
          h('time', { datetime: doc.purgeAfter, title: formatFull(doc.purgeAfter) }, new Date(doc.purgeAfter).toLocaleDateString()),
        ),
      ),
      actions,
      problem,
    );
    const restore = (as?: string): void => {
      problem.textContent = '';
      for (const button of actions.querySelectorAll('button')) button.disabled = true;
      options.api.undelete(doc.name, doc.id, as).then(
        ({ restored }) => {
          item.replaceChildren(
            h('p', { class: 'trash-row__done', role: 'status' }, `Restored “${restored.name}”. `, h('a', { href: documentHref(restored.name) }, 'Open it')),
          );
          options.onRestored(restored);
        },
        (failure: unknown) => {
          for (const button of actions.querySelectorAll('button')) button.disabled = false;
          if (failure instanceof ApiError && failure.status === 409) askForName(as ?? doc.name);
          else problem.textContent = `Could not restore it: ${(failure as Error).message}`;
        },
      );
    };
    const askForName = (taken: string): void => {
      const input = h('input', { type: 'text', value: `${taken} (restored)`, 'aria-label': 'Restore under this name', 'data-testid': 'restore-as-name' });
      const form = h(
        'form',
        { class: 'trash-row__rename' },
        h('span', {}, `A document named “${taken}” exists now. Restore as: `),
        input,
        h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'restore-as' }, 'Restore'),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const name = input.value.trim();
        const bad = nameProblem(name);
        if (bad) {
          problem.textContent = bad;
          return;
        }
        restore(name);
      });
      actions.replaceChildren(form);
      input.focus();
      input.select();
    };
    if (options.canRestore) {
      actions.append(
        h('button', { type: 'button', class: 'btn btn--ghost', 'data-testid': 'restore', 'aria-label': `Restore “${doc.name}”`, onclick: () => restore() }, icon(Icons.restore), 'Restore'),
      );
    }
    return item;
  };

  return {
    element,
    async load() {
      status.hidden = false;
      status.textContent = 'Loading the trash…';
      try {
        const { trashDays, docs } = await options.api.listTrash();
        list.replaceChildren(...docs.map(row));
        status.textContent = docs.length === 0
          ? `The trash is empty. Deleted documents stay here for ${plural(trashDays, 'day')}.`
          : `Deleted documents stay here for ${plural(trashDays, 'day')}, then they are deleted for good.`;
      } catch (failure) {
        list.replaceChildren();
        status.textContent = failure instanceof ApiError && failure.status === 501
          ? 'This server keeps no trash.'
          : `The trash cannot be shown right now: ${(failure as Error).message}`;
      }
    },
  };
}
