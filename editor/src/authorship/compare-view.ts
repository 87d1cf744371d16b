/**
 * Compare mode of the document page: the live editor steps aside for the document with what
 * changed between two versions marked — insertions and deletions coloured by who made them,
 * reformatted text underlined in theirs, hover saying who and when — and a summary of the
 * words each person added and removed. Any two versions can be picked, or a version and now,
 * or the empty beginning.
 *
 * The marked document is a read-only editor with the document's own schema and the diff's
 * marks (document-schema/diff/diff-marks.ts); colours are decorations, as the app's CSP
 * refuses style attributes in markup.
 */
import '../styles/authorship.css';
import { Editor, Extension } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import { Plugin } from '@tiptap/pm/state';
import { DecorationSet, type Decoration } from '@tiptap/pm/view';
import { mergedDiffDoc, type DocDiff } from '../../../document-schema/diff/diff-tree.js';
import { authorName, changeTitle, summaryLine } from '../../../document-schema/diff/diff-words.js';
import type { ApiClient, Version } from '../api-client.js';
import { h, icon } from '../dom.js';
import { describeAuthors, formatFull, formatWhen } from '../format.js';
import { Icons } from '../icons.js';
import type { AuthorColours } from './author-colours.js';
import { changePaint, compareExtensions } from './change-paint.js';

export interface CompareViewOptions {
  api: ApiClient;
  docName: string;
  colours: AuthorColours;
  /** The live editor's sheet, hidden while comparing. */
  liveSheet: HTMLElement;
  /** Elements that must not be used while comparing (the toolbar). */
  inertDuringCompare: HTMLElement[];
  onError(message: string): void;
}

/** Paints every change in its author's colour. */
function authorColours(diff: DocDiff, colours: AuthorColours): Extension {
  const colourOf = (by: number): string => colours.colourOf(diff.authors[by]?.id ?? null);
  const decorate = (doc: PmNode): DecorationSet => {
    const decorations: Decoration[] = [];
    doc.descendants((node, pos) => changePaint(node, pos, colourOf, decorations));
    return DecorationSet.create(doc, decorations);
  };
  // The document never changes: painted once.
  let painted: { doc: PmNode; set: DecorationSet } | null = null;
  return Extension.create({
    name: 'tandemCompareColours',
    addProseMirrorPlugins: () => [
      new Plugin({
        props: {
          decorations: (state) => {
            if (painted?.doc !== state.doc) painted = { doc: state.doc, set: decorate(state.doc) };
            return painted.set;
          },
        },
      }),
    ],
  });
}

/** Selects `value`, adding it when no version ends there (a point inside a version). */
function choose(select: HTMLSelectElement, value: string): void {
  if (![...select.options].some((o) => o.value === value)) select.append(h('option', { value }, `Change ${value}`));
  select.value = value;
}

export class CompareView {
  readonly banner: HTMLElement;
  readonly sheet: HTMLElement;
  private readonly fromSelect = h('select', { class: 'compare__select', 'data-testid': 'compare-from', 'aria-label': 'Compare from' });
  private readonly toSelect = h('select', { class: 'compare__select', 'data-testid': 'compare-to', 'aria-label': 'Compare to' });
  private readonly summary = h('ul', { class: 'compare__summary', 'data-testid': 'compare-summary', 'aria-label': 'Words changed per person' });
  private readonly status = h('p', { class: 'compare__status', role: 'status' });
  private editor: Editor | null = null;
  private active = false;
  /** Bumped on every open/close so a slow answer cannot show a comparison no longer wanted. */
  private generation = 0;

  constructor(private readonly options: CompareViewOptions) {
    const back = h('button', { type: 'button', class: 'btn btn--ghost', 'data-testid': 'close-compare', onclick: () => this.close() }, icon(Icons.arrowLeft), h('span', {}, 'Back to editing'));
    const change = (): void => void this.show();
    this.fromSelect.addEventListener('change', change);
    this.toSelect.addEventListener('change', change);
    this.banner = h(
      'div',
      { class: 'preview-banner compare-banner', role: 'region', 'aria-label': 'Compare versions', hidden: true, 'data-testid': 'compare-banner' },
      h('div', { class: 'compare__pickers' }, h('span', { class: 'preview-banner__title' }, 'Changes from'), this.fromSelect, h('span', {}, 'to'), this.toSelect),
      h('div', { class: 'preview-banner__actions' }, back),
      this.summary,
      this.status,
    );
    this.sheet = h('article', { class: 'sheet sheet--preview sheet--compare', hidden: true, 'data-testid': 'compare-view' });
  }

  get isOpen(): boolean {
    return this.active;
  }

  /** Compares `from` with `to` (sequence numbers; 0 the empty document, null now), offering `versions` to pick others. */
  async open(versions: readonly Version[], from: number, to: number | null): Promise<void> {
    const newestFirst = [...versions].reverse();
    // A named version is picked by its name.
    const label = (v: Version): string => `${(v.named ?? []).map((n) => `“${n.name}” · `).join('')}${formatWhen(v.end)} · ${describeAuthors(v.authors)}`;
    this.fromSelect.replaceChildren(h('option', { value: '0' }, 'The beginning (empty)'), ...newestFirst.map((v) => h('option', { value: v.toSeq, title: formatFull(v.end) }, label(v))));
    this.toSelect.replaceChildren(h('option', { value: '' }, 'Now'), ...newestFirst.map((v) => h('option', { value: v.toSeq, title: formatFull(v.end) }, label(v))));
    choose(this.fromSelect, String(from));
    choose(this.toSelect, to === null ? '' : String(to));
    this.active = true;
    this.setVisible(true);
    await this.show();
  }

  close(): void {
    this.generation += 1;
    if (!this.active) return;
    this.active = false;
    this.editor?.destroy();
    this.editor = null;
    this.sheet.replaceChildren();
    this.setVisible(false);
  }

  private async show(): Promise<void> {
    const generation = ++this.generation;
    const from = Number(this.fromSelect.value);
    const to = this.toSelect.value === '' ? null : Number(this.toSelect.value);
    // Either order means the same comparison: earlier to later.
    const [a, b] = to !== null && to < from ? [to, from] : [from, to];
    this.status.textContent = 'Loading the changes…';
    let diff: DocDiff;
    try {
      diff = await this.options.api.diff(this.options.docName, a, b);
    } catch (error) {
      if (generation !== this.generation) return;
      this.status.textContent = '';
      this.options.onError(`Could not compare those versions: ${(error as Error).message}`);
      return;
    }
    if (generation !== this.generation) return;
    this.render(diff);
  }

  private render(diff: DocDiff): void {
    const { colours } = this.options;
    this.editor?.destroy();
    this.sheet.replaceChildren();
    this.editor = new Editor({
      element: this.sheet,
      editable: false,
      injectCSS: false,
      extensions: [...compareExtensions, authorColours(diff, colours)],
      content: mergedDiffDoc(diff, (node) => changeTitle(node, diff.authors, formatWhen)),
      editorProps: { attributes: { class: 'prose', 'aria-label': 'The document with its changes marked', 'aria-readonly': 'true', role: 'document' } },
    });
    this.summary.replaceChildren(
      ...diff.summary.map((person) =>
        h(
          'li',
          { class: 'compare__person', 'data-author-id': person.id ?? '' },
          h('span', { class: 'author-legend__swatch', 'aria-hidden': 'true', style: `--author: ${colours.colourOf(person.id)}` }),
          h('strong', {}, person.id === null ? 'Unknown' : authorName(person)),
          ` ${summaryLine(person)}`,
        ),
      ),
    );
    this.status.textContent = diff.summary.length === 0 ? 'No changes between these versions.' : '';
  }

  private setVisible(comparing: boolean): void {
    this.banner.hidden = !comparing;
    this.sheet.hidden = !comparing;
    this.options.liveSheet.hidden = comparing;
    for (const element of this.options.inertDuringCompare) element.inert = comparing;
  }
}
