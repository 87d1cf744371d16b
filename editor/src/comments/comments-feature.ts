/**
 * Comments on the document page: the threads (comment-store.ts), their highlights in the
 * editor, the side panel and its button in the header with the count of open threads (and of
 * new messages from others while the panel is closed), and starting a comment on the
 * selection — the toolbar's button, Mod-Alt-M, or the panel's own button.
 *
 * Roles: a viewer sees threads; a commenter (the `comment` role) and a writer comment; only a
 * writer's edits can move text, so only a writer's editor keeps anchors on text it rewrites.
 */
import type { AnyExtension, Editor } from '@tiptap/core';
import { anchorForRange } from '../../../document-schema/comments/comment-anchor.js';
import type { CollabSession } from '../collab-session.js';
import { h, icon } from '../dom.js';
import { plural } from '../format.js';
import { Icons } from '../icons.js';
import { showToast } from '../toast.js';
import { anchorRepair, textRange, type AnchorRepair } from './anchor-repair.js';
import { CommentOnlyGuard } from './comment-only-guard.js';
import { commentHighlights, commentHighlightsKey, syncBinding } from './comment-highlights.js';
import { CommentStore } from './comment-store.js';
import type { CommentAuthor } from '../../../document-schema/comments/comment-fields.js';
import { CommentsPanel } from './comments-panel.js';

export type Role = 'read' | 'comment' | 'write';

export interface CommentsFeatureOptions {
  session: CollabSession;
  role: Role;
  author(): CommentAuthor;
  /** The panel shares the side of the page with the history panel: opening one closes the other. */
  onOpen(): void;
}

/** The word around a caret, when nothing is selected. */
function wordAt(editor: Editor): { from: number; to: number } | null {
  const { $from, empty } = editor.state.selection;
  if (!empty || !$from.parent.isTextblock) return null;
  const text = $from.parent.textBetween(0, $from.parent.content.size, undefined, '\uFFFC');
  const isWord = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_'’-]/u.test(c);
  let start = $from.parentOffset;
  let end = $from.parentOffset;
  while (start > 0 && isWord(text[start - 1])) start -= 1;
  while (end < text.length && isWord(text[end])) end += 1;
  return end > start ? { from: $from.start() + start, to: $from.start() + end } : null;
}

export class CommentsFeature {
  private readonly store: CommentStore;
  readonly extensions: AnyExtension[];
  readonly toggleButton: HTMLButtonElement;
  /** The button with its announcements, for the page's header. */
  readonly headerControl: HTMLElement;
  private readonly count = h('span', { class: 'count-badge', 'data-testid': 'comments-count' });
  private readonly announcer = h('span', { class: 'visually-hidden', role: 'status' });
  private panel: CommentsPanel | null = null;
  private editor: Editor | null = null;
  private unseen = 0;
  private clock = 0;
  private draftAnchor: Uint8Array | null = null;
  /** The thread shown (highlighted strongest, its card marked). */
  private active: string | null = null;
  private readonly canComment: boolean;
  private readonly repair: AnchorRepair | null;

  constructor(
    private readonly workspace: HTMLElement,
    private readonly options: CommentsFeatureOptions,
  ) {
    this.canComment = options.role !== 'read';
    this.store = new CommentStore(options.session.doc, options.author);
    const repair = options.role === 'write' ? anchorRepair(() => this.requireEditor(), this.store, (anchor) => this.setDraft(anchor)) : null;
    this.repair = repair;
    this.extensions = [
      commentHighlights({
        store: this.store,
        shown: (thread) => !thread.resolved || this.panel?.showResolved === true,
        openThread: (id) => this.showThread(id, false),
        ...(repair ? { afterLocalEdit: () => repair.afterLocalEdit() } : {}),
      }),
      ...(options.role === 'comment' ? [CommentOnlyGuard] : []),
    ];
    this.toggleButton = h(
      'button',
      { type: 'button', class: 'btn btn--ghost', 'aria-pressed': 'false', 'data-testid': 'comments-toggle', onclick: () => this.toggle() },
      icon(Icons.comment),
      h('span', { class: 'btn__text' }, 'Comments'),
      this.count,
    );
    this.headerControl = h('span', { class: 'comments-toggle' }, this.toggleButton, this.announcer);
    this.store.subscribe((fresh) => this.changed(fresh));
    this.updateCount();
  }

  /** Once the editor exists. */
  attach(editor: Editor): void {
    this.editor = editor;
    this.repair?.attach();
    const session = this.options.session;
    // What was there when the document first synced is not news.
    const stop = session.onStatus((status) => {
      if (!status.everSynced) return;
      this.store.takeBaseline();
      queueMicrotask(() => stop());
    });
    // Looking at the page again with the panel open is seeing what arrived meanwhile.
    document.addEventListener('visibilitychange', () => {
      if (document.hidden || !this.panel || this.unseen === 0) return;
      this.unseen = 0;
      this.updateCount();
    });
    // The order of the panel follows the text as it moves; no need to redo it on every key.
    let timer = 0;
    editor.on('update', () => {
      if (!this.panel) return;
      clearTimeout(timer);
      timer = window.setTimeout(() => this.panel?.render(), 300);
    });
  }

  toggle(): void {
    if (this.panel) this.close();
    else this.open();
  }

  open(): CommentsPanel {
    if (this.panel) return this.panel;
    this.options.onOpen();
    this.panel = new CommentsPanel({
      store: this.store,
      canComment: this.canComment,
      ranges: () => (this.editor ? (commentHighlightsKey.getState(this.editor.state)?.ranges ?? new Map()) : new Map()),
      show: (id) => this.showThread(id, true),
      addComment: () => this.addComment(),
      onShowResolved: () => this.refreshHighlights(),
      onClose: () => this.close(true),
    });
    this.workspace.append(this.panel.element);
    // Times ("5 minutes ago") move on while the panel is open.
    this.clock = window.setInterval(() => this.panel?.render(), 60_000);
    this.toggleButton.setAttribute('aria-pressed', 'true');
    this.unseen = 0;
    this.updateCount();
    return this.panel;
  }

  close(returnFocus = false): void {
    if (!this.panel) return;
    this.panel.element.remove();
    this.panel = null;
    clearInterval(this.clock);
    this.setDraft(null);
    this.setActive(null);
    this.refreshHighlights();
    this.toggleButton.setAttribute('aria-pressed', 'false');
    if (returnFocus) this.toggleButton.focus();
  }

  /** Starts a comment on the selected text (or the word at the caret). */
  addComment(): void {
    const editor = this.editor;
    if (!editor || !this.canComment) return;
    const { from, to } = editor.state.selection;
    const range = textRange(editor.state.doc, from, to) ?? (from === to ? wordAt(editor) : null);
    const binding = syncBinding(editor.state);
    if (!range || !binding) {
      showToast('Select the text you want to comment on first.', 'info');
      return;
    }
    const quote = editor.state.doc.textBetween(range.from, range.to, ' ');
    this.setDraft(anchorForRange(binding.fragment, binding.mapping, range));
    const panel = this.open();
    panel.startDraft({
      quote,
      submit: (text) => {
        const anchor = this.draftAnchor;
        this.setDraft(null);
        if (!anchor) return;
        this.setActive(this.store.add(anchor, quote, text));
        editor.commands.focus();
      },
      cancel: () => {
        this.setDraft(null);
        editor.commands.focus();
      },
    });
  }

  /** Marks a thread as the one shown, scrolls its text into view and its card into the panel. */
  showThread(id: string, scrollText: boolean): void {
    this.open();
    this.setActive(id);
    const editor = this.editor;
    const range = editor ? commentHighlightsKey.getState(editor.state)?.ranges.get(id) : undefined;
    if (!editor || !range || !scrollText) return;
    const { node } = editor.view.domAtPos(range.from);
    const element = node instanceof Element ? node : node.parentElement;
    element?.scrollIntoView({ block: 'center' });
  }

  private setActive(id: string | null): void {
    this.active = id;
    this.dispatch({ active: id });
    this.panel?.setActive(id);
  }

  private changed(fresh: string[]): void {
    // A thread resolved (or deleted) while shown is no longer shown, unless resolved ones are.
    const active = this.active === null ? undefined : this.store.thread(this.active);
    if (this.active !== null && (!active || (active.resolved && !this.panel?.showResolved))) this.setActive(null);
    this.refreshHighlights();
    this.panel?.render();
    if (fresh.length > 0 && (!this.panel || document.hidden)) {
      this.unseen += fresh.length;
      this.announcer.textContent = `${plural(fresh.length, 'new comment')}`;
    }
    this.updateCount();
  }

  private updateCount(): void {
    const open = this.store.threads.filter((t) => !t.resolved).length;
    this.count.textContent = String(open);
    this.count.hidden = open === 0 && this.unseen === 0;
    this.count.classList.toggle('count-badge--new', this.unseen > 0);
    this.toggleButton.dataset['unseen'] = String(this.unseen);
    this.toggleButton.setAttribute('aria-label', `Comments: ${plural(open, 'open thread')}${this.unseen > 0 ? `, ${this.unseen} new` : ''}`);
  }

  private setDraft(anchor: Uint8Array | null): void {
    this.draftAnchor = anchor;
    this.dispatch({ draft: anchor });
  }

  private refreshHighlights(): void {
    this.dispatch({ refresh: true });
  }

  private dispatch(meta: object): void {
    const editor = this.editor;
    if (!editor || editor.isDestroyed) return;
    editor.view.dispatch(editor.state.tr.setMeta(commentHighlightsKey, meta));
  }

  /** When the page goes: stops following the document. */
  destroy(): void {
    clearInterval(this.clock);
    this.store.destroy();
  }

  private requireEditor(): Editor {
    if (!this.editor) throw new Error('the comments are not attached to an editor yet');
    return this.editor;
  }
}
