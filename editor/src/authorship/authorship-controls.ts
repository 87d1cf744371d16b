/**
 * The document page's way into who wrote what: the "Authors" button in the header, which turns
 * the author colours on and off (author-colours-feature.ts, with its legend in the status
 * bar), and the compare view the history panel opens (compare-view.ts). Both are loaded the
 * first time they are used, so the page itself carries only this.
 */
import type { Editor } from '@tiptap/core';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { DiffAuthor } from '../../../document-schema/diff/diff-tree.js';
import type { ApiClient, Version } from '../api-client.js';
import '../styles/authorship-controls.css';
import { h, icon } from '../dom.js';
import type { AuthorColours } from './author-colours.js';
import type { AuthorColoursFeature } from './author-colours-feature.js';
import type { CompareView } from './compare-view.js';

/** A palette: the author colours button. */
const PALETTE_ICON = 'M12 3a9 9 0 0 0 0 18c1.1 0 1.5-.8 1.5-1.5 0-.9-.7-1.2-.7-2 0-.8.6-1.5 1.5-1.5H16a5 5 0 0 0 5-5c0-4.4-4-8-9-8z|M7.5 11.5h.01|M10 7.5h.01|M14 7.5h.01|M16.5 11h.01';

export interface AuthorshipControlsOptions {
  editor: Editor;
  doc: Y.Doc;
  awareness: Awareness;
  api: ApiClient;
  docName: string;
  storage: Storage | null;
  /** This user as the server records them, and their chosen colour. */
  self(): DiffAuthor;
  selfColour(): string;
  /** The page's document area: the compare view's banner and sheet go in it, before `liveSheet`. */
  canvas: HTMLElement;
  liveSheet: HTMLElement;
  /** Where the legend goes. */
  statusbar: HTMLElement;
  /** Elements that must not be used while comparing (the toolbar). */
  inertDuringCompare: HTMLElement[];
  /** A comparison is about to open: close what it replaces (the version preview). */
  beforeCompare(): void;
  onError(message: string): void;
}

export class AuthorshipControls {
  readonly toggle: HTMLButtonElement;
  private colours: AuthorColours | null = null;
  private feature: AuthorColoursFeature | null = null;
  private compareView: CompareView | null = null;
  private on = false;

  constructor(private readonly options: AuthorshipControlsOptions) {
    this.toggle = h(
      'button',
      { type: 'button', class: 'btn btn--ghost', 'aria-pressed': 'false', 'data-testid': 'authors-toggle', title: 'Colour the text by who wrote it', onclick: () => void this.setColours(!this.on) },
      icon(PALETTE_ICON),
      h('span', { class: 'btn__text' }, 'Authors'),
    );
  }

  get coloursOn(): boolean {
    return this.on;
  }

  /** The colours authors are shown in (loaded on first use), for other views of changes. */
  colourBook(): Promise<AuthorColours> {
    return this.loadColours();
  }

  private async loadColours(): Promise<AuthorColours> {
    const { AuthorColours } = await import('./author-colours.js');
    const { storage, self, selfColour } = this.options;
    this.colours ??= new AuthorColours(storage, () => ({ id: self().id ?? '', color: selfColour() }));
    return this.colours;
  }

  /** Turns the colours on or off; code that cannot be loaded (offline, never used before) is reported, not thrown. */
  async setColours(on: boolean): Promise<void> {
    this.on = on;
    this.toggle.setAttribute('aria-pressed', String(on));
    if (!on) {
      this.feature?.destroy();
      this.feature = null;
      return;
    }
    let loaded: [typeof import('./author-colours-feature.js'), AuthorColours];
    try {
      loaded = await Promise.all([import('./author-colours-feature.js'), this.loadColours()]);
    } catch (error) {
      this.on = false;
      this.toggle.setAttribute('aria-pressed', 'false');
      this.options.onError(`Could not load the author colours: ${(error as Error).message}`);
      return;
    }
    const [{ AuthorColoursFeature }, colours] = loaded;
    if (!this.on || this.feature) return;
    const { editor, doc, awareness, api, docName, self, onError } = this.options;
    this.feature = new AuthorColoursFeature({ editor, doc, awareness, api, docName, colours, self, onError });
    this.options.statusbar.prepend(this.feature.legend);
  }

  /** Compares two points (sequence numbers; 0 the empty document, null now), from the history panel. */
  async compare(versions: readonly Version[], from: number, to: number | null): Promise<void> {
    this.options.beforeCompare();
    let view: CompareView;
    let colours: AuthorColours;
    try {
      colours = await this.loadColours();
      view = this.compareView ?? (await this.createCompareView(colours));
    } catch (error) {
      this.options.onError(`Could not open the comparison: ${(error as Error).message}`);
      return;
    }
    colours.learn(this.options.awareness, () => undefined);
    await view.open(versions, from, to);
  }

  private async createCompareView(colours: AuthorColours): Promise<CompareView> {
    const { CompareView } = await import('./compare-view.js');
    const { api, docName, liveSheet, inertDuringCompare, onError } = this.options;
    this.compareView ??= new CompareView({ api, docName, colours, liveSheet, inertDuringCompare, onError });
    this.options.canvas.insertBefore(this.compareView.banner, liveSheet);
    liveSheet.after(this.compareView.sheet);
    return this.compareView;
  }

  closeCompare(): void {
    this.compareView?.close();
  }

  /** This user's name or colour changed. */
  identityChanged(): void {
    this.feature?.repaint();
  }

  destroy(): void {
    this.feature?.destroy();
    this.compareView?.close();
  }
}
