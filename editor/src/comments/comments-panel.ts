/**
 * The comments side panel: open threads in the order their text appears in the document,
 * resolved ones on demand, threads whose text was deleted last; the box for a new comment
 * while one is being written. Cards are kept per thread and updated in place (thread-card.ts).
 */
import type { AnchorRange } from '../../../document-schema/comments/comment-anchor.js';
import type { CommentThread } from '../../../document-schema/comments/comment-threads.js';
import { h, icon } from '../dom.js';
import { shortcutLabel } from '../editor-commands.js';
import { Icons } from '../icons.js';
import { plural } from '../format.js';
import type { CommentStore } from './comment-store.js';
import { ThreadCard, commentBox } from './thread-card.js';

export interface CommentsPanelOptions {
  store: CommentStore;
  canComment: boolean;
  /** Where each thread's text is now (threads whose text is gone are absent). */
  ranges(): ReadonlyMap<string, AnchorRange>;
  /** Show a thread's text in the document. */
  show(threadId: string): void;
  /** Start a comment on the selected text (the panel's own button). */
  addComment(): void;
  onShowResolved(show: boolean): void;
  onClose(): void;
}

export interface Draft {
  quote: string;
  submit(text: string): void;
  cancel(): void;
}

export class CommentsPanel {
  readonly element: HTMLElement;
  showResolved = false;
  private readonly list = h('ol', { class: 'comments__list', 'aria-label': 'Comment threads', 'data-testid': 'comment-threads' });
  private readonly status = h('p', { class: 'comments__status', role: 'status' });
  private readonly resolvedToggle = h('input', { type: 'checkbox', id: 'comments-show-resolved', 'data-testid': 'comments-show-resolved' });
  private readonly resolvedLabel = h('label', { for: 'comments-show-resolved' }, 'Show resolved');
  private readonly draftSlot = h('div', { class: 'comments__draft' });
  private readonly cards = new Map<string, ThreadCard>();
  private active: string | null = null;

  constructor(private readonly options: CommentsPanelOptions) {
    this.resolvedToggle.addEventListener('change', () => {
      this.showResolved = this.resolvedToggle.checked;
      options.onShowResolved(this.showResolved);
      this.render();
    });
    const addButton = options.canComment
      ? h(
          'button',
          {
            type: 'button',
            class: 'btn btn--ghost btn--small',
            title: `Comment on the selected text (${shortcutLabel('Mod-Alt-m')})`,
            'aria-keyshortcuts': 'Control+Alt+M Meta+Alt+M',
            'data-testid': 'comments-add',
            // Keep the editor's selection: it is what the comment is on.
            onmousedown: (event: Event) => event.preventDefault(),
            onclick: () => options.addComment(),
          },
          icon(Icons.plus),
          'Comment',
        )
      : null;
    this.element = h(
      'aside',
      { class: 'comments', 'aria-labelledby': 'comments-title', 'data-testid': 'comments-panel' },
      h(
        'header',
        { class: 'comments__header' },
        h('h2', { id: 'comments-title', class: 'comments__title' }, 'Comments'),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close comments', 'data-testid': 'comments-close', onclick: () => options.onClose() }, icon(Icons.close)),
      ),
      h('div', { class: 'comments__controls' }, addButton, h('span', { class: 'comments__filter' }, this.resolvedToggle, this.resolvedLabel)),
      this.draftSlot,
      this.status,
      this.list,
    );
    this.render();
  }

  /** Threads in document order; those whose text is gone after them, oldest first. */
  private ordered(): { thread: CommentThread; placed: boolean }[] {
    const ranges = this.options.ranges();
    return this.options.store.threads
      .map((thread) => ({ thread, range: ranges.get(thread.id) }))
      .sort((a, b) => (a.range && b.range ? a.range.from - b.range.from : a.range ? -1 : b.range ? 1 : 0))
      .map(({ thread, range }) => ({ thread, placed: range !== undefined }));
  }

  render(): void {
    const all = this.ordered();
    const resolved = all.filter((t) => t.thread.resolved).length;
    const shown = all.filter((t) => this.showResolved || !t.thread.resolved);
    const seen = new Set<string>();
    const items = shown.map(({ thread, placed }) => {
      seen.add(thread.id);
      let card = this.cards.get(thread.id);
      if (card) card.update(thread, placed);
      else {
        card = new ThreadCard(thread, { store: this.options.store, canComment: this.options.canComment, show: (id) => this.options.show(id) });
        this.cards.set(thread.id, card);
      }
      card.element.classList.toggle('thread--active', thread.id === this.active);
      // The same <li> each time: moving a focused element out of the page would lose focus.
      return card.element.parentElement ?? h('li', {}, card.element);
    });
    for (const [id, card] of this.cards) {
      if (!seen.has(id)) {
        card.element.parentElement?.remove();
        this.cards.delete(id);
      }
    }
    // Only reorders what moved, so focus and text boxes stay put.
    items.forEach((item, index) => {
      if (this.list.children[index] !== item) this.list.insertBefore(item, this.list.children[index] ?? null);
    });
    this.resolvedLabel.textContent = `Show resolved (${resolved})`;
    const open = all.length - resolved;
    this.status.textContent =
      all.length === 0
        ? this.options.canComment
          ? `No comments yet. Select some text and choose Comment (${shortcutLabel('Mod-Alt-m')}).`
          : 'No comments yet.'
        : shown.length === 0
          ? `No open comments; ${plural(resolved, 'resolved thread')}.`
          : '';
    this.status.hidden = this.status.textContent === '';
    this.element.dataset['open'] = String(open);
  }

  /** Marks a thread as the one shown, and brings its card into view. */
  setActive(id: string | null): void {
    this.active = id;
    this.render();
    const card = id ? this.cards.get(id) : undefined;
    card?.element.scrollIntoView({ block: 'nearest' });
  }

  focusThread(id: string): void {
    this.cards.get(id)?.focus();
  }

  /** The box for a new comment on `quote`. */
  startDraft(draft: Draft): void {
    const send = (): void => {
      const text = box.value.trim();
      if (text === '') {
        box.focus();
        return;
      }
      this.draftSlot.replaceChildren();
      draft.submit(text);
    };
    const cancel = (): void => {
      this.draftSlot.replaceChildren();
      draft.cancel();
    };
    const box = commentBox('Comment', 'Add a comment…', 'comment-draft-text', send, cancel);
    this.draftSlot.replaceChildren(
      h(
        'form',
        { class: 'thread thread--draft', 'data-testid': 'comment-draft', onsubmit: (event: Event) => { event.preventDefault(); send(); } },
        h('p', { class: 'thread__quote' }, `“${draft.quote}”`),
        box,
        h(
          'div',
          { class: 'thread__actions' },
          h('button', { type: 'submit', class: 'btn btn--primary btn--small', 'data-testid': 'comment-submit', title: `Comment (${shortcutLabel('Mod-Enter')})` }, 'Comment'),
          h('button', { type: 'button', class: 'btn btn--ghost btn--small', onclick: cancel }, 'Cancel'),
        ),
      ),
    );
    box.focus();
  }

  get drafting(): boolean {
    return this.draftSlot.childElementCount > 0;
  }
}
