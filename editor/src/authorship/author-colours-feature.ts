/**
 * Author colours on the document page: while on, the text is coloured by who wrote it — the
 * colour each person chose (author-colours.ts) — with a legend of names in the status bar, and
 * hovering a passage says who wrote it and when.
 *
 * Who wrote what is the server's record (`GET /api/docs/<doc>/authorship`), asked again a
 * moment after the document changes. Text typed since the last answer is coloured at once as
 * its writer's — this user's own, or a present person's by their Yjs client id — and marked
 * "not saved yet" until the server's answer includes it.
 *
 * Loaded on demand: the page only holds the button until it is first pressed.
 */
import '../styles/authorship.css';
import type { Editor } from '@tiptap/core';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { DiffAuthor } from '../../../document-schema/diff/diff-tree.js';
import { authorName, writtenLabel } from '../../../document-schema/diff/diff-words.js';
import { ApiError, type ApiClient } from '../api-client.js';
import { h } from '../dom.js';
import { formatWhen } from '../format.js';
import type { AuthorColours } from './author-colours.js';
import { indexAuthorship, type AuthorshipIndex } from './authorship-index.js';
import { forEachTextItem } from './text-positions.js';

export interface AuthorColoursOptions {
  editor: Editor;
  doc: Y.Doc;
  awareness: Awareness;
  api: ApiClient;
  docName: string;
  colours: AuthorColours;
  /** This user as an author (what the server records for their changes). */
  self(): DiffAuthor;
  onError(message: string): void;
}

const pluginKey = new PluginKey<DecorationSet>('tandem-author-colours');
/** Quiet time after a change before the server is asked again, and the longest wait while typing goes on. */
const REFETCH_MS = 800;
const REFETCH_MAX_MS = 4000;
const REPAINT_MS = 100;

interface Painted {
  author: DiffAuthor;
  chars: number;
  self: boolean;
}

export class AuthorColoursFeature {
  /** The legend, for the status bar. */
  readonly legend: HTMLElement;
  private readonly list = h('ul', { class: 'author-legend__list' });
  private index: AuthorshipIndex | null = null;
  private fetching = false;
  private fetchAgain = false;
  private fetchTimer = 0;
  private firstChangeAt = 0;
  private paintTimer = 0;
  /** Who is present, with which names and colours, when last looked (carets move far more often). */
  private presence = '';
  private destroyed = false;
  private reportedError = false;

  constructor(private readonly options: AuthorColoursOptions) {
    this.legend = h(
      'div',
      { class: 'author-legend', role: 'group', 'aria-label': 'Author colours', 'data-testid': 'authors-legend' },
      h('span', { class: 'author-legend__title' }, 'Written by'),
      this.list,
    );
    options.editor.registerPlugin(
      new Plugin<DecorationSet>({
        key: pluginKey,
        state: {
          init: () => DecorationSet.empty,
          apply: (tr, set) => (tr.getMeta(pluginKey) as DecorationSet | undefined) ?? (tr.docChanged ? set.map(tr.mapping, tr.doc) : set),
        },
        props: { decorations: (state) => pluginKey.getState(state) ?? DecorationSet.empty },
      }),
    );
    options.doc.on('update', this.onDocUpdate);
    options.editor.on('update', this.schedulePaint);
    options.awareness.on('change', this.onPresence);
    void this.fetch();
  }

  /** Paints again (after this user's name or colour changed). */
  repaint(): void {
    this.schedulePaint();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.fetchTimer);
    clearTimeout(this.paintTimer);
    this.options.doc.off('update', this.onDocUpdate);
    this.options.editor.off('update', this.schedulePaint);
    this.options.awareness.off('change', this.onPresence);
    if (!this.options.editor.isDestroyed) this.options.editor.unregisterPlugin(pluginKey);
    this.legend.remove();
  }

  private readonly onDocUpdate = (): void => {
    const now = Date.now();
    if (this.fetchTimer === 0) this.firstChangeAt = now;
    clearTimeout(this.fetchTimer);
    const wait = Math.max(0, Math.min(REFETCH_MS, this.firstChangeAt + REFETCH_MAX_MS - now));
    this.fetchTimer = window.setTimeout(() => {
      this.fetchTimer = 0;
      void this.fetch();
    }, wait);
  };

  private readonly onPresence = (): void => {
    const presence = [...this.options.awareness.getStates()].map(([id, state]) => `${id}:${JSON.stringify((state as { user?: unknown }).user ?? null)}`).join('|');
    if (presence === this.presence) return;
    this.presence = presence;
    this.options.colours.learn(this.options.awareness, (client) => this.index?.authorOfClient(client));
    this.schedulePaint();
  };

  private readonly schedulePaint = (): void => {
    if (this.paintTimer !== 0 || this.destroyed) return;
    this.paintTimer = window.setTimeout(() => {
      this.paintTimer = 0;
      this.paint();
    }, REPAINT_MS);
  };

  /** One request at a time; changes meanwhile ask once more when it is done. */
  private async fetch(): Promise<void> {
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = true;
    try {
      const answer = await this.options.api.authorship(this.options.docName);
      if (this.destroyed) return;
      this.index = indexAuthorship(answer);
      this.options.colours.learn(this.options.awareness, (client) => this.index?.authorOfClient(client));
      this.paint();
    } catch (error) {
      if (this.destroyed) return;
      // Not saved yet: everything there is this session's, coloured as it is typed.
      if (error instanceof ApiError && error.status === 404) {
        this.index = indexAuthorship({ name: this.options.docName, seq: 0, authors: [], runs: [] });
        this.paint();
      } else if (!this.reportedError) {
        this.reportedError = true;
        this.options.onError(`Could not load who wrote what: ${(error as Error).message}`);
      }
    } finally {
      this.fetching = false;
      if (this.fetchAgain && !this.destroyed) {
        this.fetchAgain = false;
        void this.fetch();
      }
    }
  }

  /** The author of text the server has no record of yet: this user's, or a present writer's. */
  private unsavedAuthor(client: number): DiffAuthor | null {
    if (client === this.options.doc.clientID) return this.options.self();
    const id = this.index?.authorOfClient(client);
    return id ? (this.index?.authors.find((a) => a.id === id && a.via === null) ?? null) : null;
  }

  private paint(): void {
    const { editor } = this.options;
    const index = this.index;
    if (!index || this.destroyed || editor.isDestroyed) return;
    const { state } = editor;
    const decorations: Decoration[] = [];
    const painted = new Map<string, Painted>();
    const selfId = this.options.self().id;
    const mark = (from: number, to: number, author: DiffAuthor, title: string, unsaved: boolean): void => {
      const key = author.id ?? '';
      const entry = painted.get(key) ?? { author, chars: 0, self: author.id === selfId };
      entry.chars += to - from;
      painted.set(key, entry);
      decorations.push(
        Decoration.inline(from, to, {
          class: unsaved ? 'author-mark author-mark--unsaved' : 'author-mark',
          style: `--author: ${this.options.colours.colourOf(author.id)}`,
          title,
          'data-author-id': author.id ?? '',
        }),
      );
    };
    forEachTextItem(this.options.doc.getXmlFragment('default'), state.doc, (pos, client, clock, length) => {
      index.segments(client, clock, length, (from, to, run) => {
        const start = pos + (from - clock);
        const end = pos + (to - clock);
        const author = run ? index.authors[run[3]] : undefined;
        if (run && author) {
          const when = run[4] > 0 ? ` · ${formatWhen(new Date(run[4]).toISOString())}` : '';
          mark(start, end, author, `${writtenLabel(author)}${when}`, false);
          return;
        }
        const unsaved = this.unsavedAuthor(client);
        if (unsaved) mark(start, end, unsaved, `${writtenLabel(unsaved)} · not saved yet`, true);
      });
    });
    editor.view.dispatch(state.tr.setMeta(pluginKey, DecorationSet.create(state.doc, decorations)).setMeta('addToHistory', false));
    this.renderLegend([...painted.values()].sort((a, b) => Number(b.self) - Number(a.self) || b.chars - a.chars));
  }

  private renderLegend(people: Painted[]): void {
    this.list.replaceChildren(
      ...people.map(({ author, self }) =>
        h(
          'li',
          {
            class: 'author-legend__item',
            'data-author-id': author.id ?? '',
            title: author.declared ? 'A name this person chose for themselves: without sign-in the server cannot check it' : null,
          },
          h('span', { class: 'author-legend__swatch', 'aria-hidden': 'true', style: `--author: ${this.options.colours.colourOf(author.id)}` }),
          author.id === null ? 'Unknown' : authorName(author),
          self ? h('span', { class: 'author-legend__you' }, ' (you)') : null,
        ),
      ),
    );
    if (people.length === 0) this.list.append(h('li', { class: 'author-legend__item author-legend__item--empty' }, 'No text yet'));
  }
}
