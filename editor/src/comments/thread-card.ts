/**
 * One thread in the comments panel: the text it is on (a button that shows it in the
 * document, or a note that the text is gone), its messages with author and time, and what this
 * user may do — reply, resolve or reopen, edit or delete their own messages. The card is
 * updated in place when the thread changes, so a half-written reply or edit survives others'
 * activity.
 */
import type { CommentMessage, CommentThread } from '../../../document-schema/comments/comment-threads.js';
import { h } from '../dom.js';
import { formatFull, formatRelative } from '../format.js';
import { shortcutLabel } from '../editor-commands.js';
import { authorLabel } from './comment-author.js';
import type { CommentStore } from './comment-store.js';

export interface ThreadCardOptions {
  store: CommentStore;
  /** Whether this user may reply, resolve, and edit or delete their own messages. */
  canComment: boolean;
  /** Show the thread's text in the document (and make it the active thread). */
  show(threadId: string): void;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A text box that sends with Mod-Enter and gives up with Escape. */
export function commentBox(label: string, placeholder: string, testId: string, onSubmit: () => void, onEscape: () => void): HTMLTextAreaElement {
  const box = h('textarea', {
    class: 'comment-box',
    rows: 2,
    placeholder,
    'aria-label': label,
    'aria-keyshortcuts': 'Control+Enter Meta+Enter',
    'data-testid': testId,
    maxlength: 10_000,
  });
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSubmit();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onEscape();
    }
  });
  return box;
}

export class ThreadCard {
  readonly element: HTMLElement;
  private readonly quote = h('div', { class: 'thread__quote' });
  private readonly messages = h('ol', { class: 'thread__messages' });
  private readonly status = h('p', { class: 'thread__status' });
  private readonly resolveButton = h('button', { type: 'button', class: 'btn btn--ghost btn--small', 'data-testid': 'comment-resolve' });
  private readonly replyBox: HTMLTextAreaElement;
  private thread: CommentThread;
  private editing: string | null = null;
  private confirmingDelete: string | null = null;
  /** Each message's element and what it was drawn from: an unchanged one keeps its element (and focus). */
  private items = new Map<string, { key: string; element: HTMLElement }>();

  constructor(
    thread: CommentThread,
    private readonly options: ThreadCardOptions,
  ) {
    this.thread = thread;
    this.replyBox = commentBox('Reply', 'Reply…', 'comment-reply-text', () => this.sendReply(), () => {
      this.replyBox.value = '';
      this.replyBox.blur();
    });
    const replyForm = h(
      'form',
      {
        class: 'thread__reply',
        onsubmit: (event: Event) => {
          event.preventDefault();
          this.sendReply();
        },
      },
      this.replyBox,
      h('button', { type: 'submit', class: 'btn btn--primary btn--small', 'data-testid': 'comment-reply', title: `Reply (${shortcutLabel('Mod-Enter')})` }, 'Reply'),
    );
    this.resolveButton.addEventListener('click', () => {
      options.store.resolve(this.thread.id, !this.thread.resolved);
    });
    this.element = h(
      'article',
      { class: 'thread', tabindex: -1, 'data-thread-id': thread.id, 'data-testid': 'comment-thread', 'aria-label': `Comment by ${authorLabel(thread.author)}` },
      this.quote,
      this.messages,
      this.status,
      options.canComment ? h('div', { class: 'thread__actions' }, this.resolveButton) : null,
      options.canComment ? replyForm : null,
    );
    // A click on the card (not on one of its controls) shows its text.
    this.element.addEventListener('click', (event) => {
      if (!(event.target as HTMLElement).closest('button, textarea, a, form')) options.show(this.thread.id);
    });
    this.update(thread, true);
  }

  update(thread: CommentThread, placed: boolean): void {
    this.thread = thread;
    this.element.classList.toggle('thread--resolved', thread.resolved);
    this.element.classList.toggle('thread--orphaned', !placed);
    this.element.dataset['resolved'] = String(thread.resolved);
    this.quote.replaceChildren(
      placed
        ? h('button', { type: 'button', class: 'thread__quote-link', title: 'Show in the document', 'data-testid': 'comment-quote', onclick: () => this.options.show(thread.id) }, `“${thread.quote}”`)
        : h('p', { class: 'thread__quote-gone', 'data-testid': 'comment-quote' }, `“${thread.quote}”`, h('span', {}, ' — this text has been deleted')),
    );
    this.renderMessages();
    this.status.hidden = !thread.resolved;
    this.status.textContent = thread.resolved
      ? `Resolved${thread.resolvedBy ? ` by ${authorLabel(thread.resolvedBy)}` : ''}${thread.resolvedAt ? `, ${formatRelative(iso(thread.resolvedAt))}` : ''}`
      : '';
    this.resolveButton.textContent = thread.resolved ? 'Reopen' : 'Resolve';
  }

  /** Puts the keyboard on the reply box (or the card, when this user cannot reply). */
  focus(): void {
    if (this.options.canComment) this.replyBox.focus();
    else this.element.focus();
  }

  private sendReply(): void {
    const text = this.replyBox.value.trim();
    if (text === '') return;
    if (this.options.store.reply(this.thread.id, text)) this.replyBox.value = '';
  }

  private renderMessages(): void {
    const mine = (message: CommentMessage): boolean => this.options.canComment && this.options.store.isMine(message.author);
    const items = new Map<string, { key: string; element: HTMLElement }>();
    const elements = this.thread.messages.map((message, index) => {
      const key = JSON.stringify([message, index === 0, mine(message), this.editing === message.id, this.confirmingDelete === message.id]);
      const kept = this.items.get(message.id);
      const element = kept?.key === key ? kept.element : this.messageItem(message, index === 0);
      items.set(message.id, { key, element });
      return element;
    });
    this.items = items;
    elements.forEach((element, index) => {
      if (this.messages.children[index] !== element) this.messages.insertBefore(element, this.messages.children[index] ?? null);
    });
    while (this.messages.children.length > elements.length) this.messages.lastElementChild?.remove();
    // "5 minutes ago" moves on.
    for (const time of this.messages.querySelectorAll<HTMLTimeElement>('.message__meta time')) time.textContent = formatRelative(time.dateTime);
  }

  private messageItem(message: CommentMessage, opening: boolean): HTMLElement {
    const mine = this.options.canComment && this.options.store.isMine(message.author);
    const when = iso(message.time);
    const meta = h(
      'div',
      { class: 'message__meta' },
      h('span', { class: 'message__author' }, message.author.name),
      message.author.kind === 'token' ? null : h('span', { class: 'message__unverified', title: 'A name the writer chose; the server did not check it' }, 'unverified'),
      h('time', { datetime: when, title: formatFull(when) }, formatRelative(when)),
      message.edited ? h('span', { class: 'message__edited', title: formatFull(iso(message.edited)) }, '(edited)') : null,
    );
    const item = h('li', { class: 'message', 'data-message-id': message.id, 'data-testid': 'comment-message' }, meta);
    if (this.editing === message.id) {
      item.append(this.editForm(message));
      return item;
    }
    item.append(h('p', { class: 'message__text', 'data-testid': 'comment-text' }, message.text));
    if (this.confirmingDelete === message.id) {
      item.append(
        h(
          'div',
          { class: 'message__confirm', role: 'group', 'aria-label': 'Confirm deletion' },
          h('span', {}, opening ? 'Delete this thread and its replies?' : 'Delete this reply?'),
          h('button', { type: 'button', class: 'btn btn--danger btn--small', 'data-testid': 'comment-delete-confirm', onclick: () => this.options.store.remove(this.thread.id, message.id) }, 'Delete'),
          h('button', { type: 'button', class: 'btn btn--ghost btn--small', onclick: () => this.setDeleting(null) }, 'Keep'),
        ),
      );
    } else if (mine) {
      item.append(
        h(
          'div',
          { class: 'message__actions' },
          h('button', { type: 'button', class: 'link-button', 'data-testid': 'comment-edit', onclick: () => this.setEditing(message.id) }, 'Edit'),
          h('button', { type: 'button', class: 'link-button', 'data-testid': 'comment-delete', onclick: () => this.setDeleting(message.id) }, 'Delete'),
        ),
      );
    }
    return item;
  }

  private editForm(message: CommentMessage): HTMLElement {
    const save = (): void => {
      const text = box.value.trim();
      if (text === '') return;
      if (text !== message.text) this.options.store.edit(this.thread.id, message.id, text);
      this.setEditing(null);
    };
    const box = commentBox('Edit comment', '', 'comment-edit-text', save, () => this.setEditing(null));
    box.value = message.text;
    queueMicrotask(() => box.focus());
    return h(
      'form',
      {
        class: 'message__edit',
        onsubmit: (event: Event) => {
          event.preventDefault();
          save();
        },
      },
      box,
      h(
        'div',
        { class: 'message__actions' },
        h('button', { type: 'submit', class: 'btn btn--primary btn--small', 'data-testid': 'comment-edit-save' }, 'Save'),
        h('button', { type: 'button', class: 'btn btn--ghost btn--small', onclick: () => this.setEditing(null) }, 'Cancel'),
      ),
    );
  }

  private setEditing(id: string | null): void {
    const was = this.editing;
    this.editing = id;
    this.confirmingDelete = null;
    this.renderMessages();
    // Back from the edit box to the button that opened it.
    if (id === null && was !== null) this.focusIn(was, 'comment-edit');
  }

  private setDeleting(id: string | null): void {
    const was = this.confirmingDelete;
    this.confirmingDelete = id;
    this.editing = null;
    this.renderMessages();
    if (id !== null) this.focusIn(id, 'comment-delete-confirm');
    else if (was !== null) this.focusIn(was, 'comment-delete');
  }

  private focusIn(messageId: string, testId: string): void {
    this.items.get(messageId)?.element.querySelector<HTMLElement>(`[data-testid="${testId}"]`)?.focus();
  }
}
