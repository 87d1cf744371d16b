/**
 * Preview mode of the document page: the live editor steps aside for a read-only rendering of
 * an old version, with a banner saying which (its names first) and offering to restore it,
 * name it, or go back. Restoring is done by the server as a new update, so every open copy of
 * the document (this one included) receives it live.
 */
import type { Editor } from '@tiptap/core';
import type { ApiClient, Version } from './api-client.js';
import { h, icon } from './dom.js';
import { Icons } from './icons.js';
import { describeAuthors, formatWhen } from './format.js';
import { createVersionPreview } from './version-preview.js';
import type { VersionNaming } from './version-naming.js';

export interface VersionViewOptions {
  api: ApiClient;
  docName: string;
  canRestore: boolean;
  /** The name a restore is recorded under when there is no token (null: the token's user). */
  restorerName(): string | null;
  /** The live editor's sheet, hidden while a version is shown. */
  liveSheet: HTMLElement;
  /** Elements that must not be used during a preview (the toolbar). */
  inertDuringPreview: HTMLElement[];
  /** Naming versions: null for people who may not. */
  naming: VersionNaming | null;
  onChange(toSeq: number | null): void;
  onRestored(version: Version): void;
  onError(message: string): void;
}

export class VersionView {
  readonly banner: HTMLElement;
  readonly sheet: HTMLElement;
  private readonly title = h('p', { class: 'preview-banner__title' });
  private readonly restoreButton: HTMLButtonElement;
  private readonly nameButton: HTMLButtonElement | null;
  private editor: Editor | null = null;
  private version: Version | null = null;
  private isLatest = false;
  /** Bumped on every open/close so a slow fetch cannot show a version no longer wanted. */
  private generation = 0;

  constructor(private readonly options: VersionViewOptions) {
    this.restoreButton = h(
      'button',
      { type: 'button', class: 'btn btn--primary', 'data-testid': 'restore-version', onclick: () => void this.restore() },
      icon(Icons.restore),
      h('span', {}, 'Restore this version'),
    );
    const back = h('button', { type: 'button', class: 'btn btn--ghost', 'data-testid': 'close-preview', onclick: () => this.close() }, icon(Icons.arrowLeft), h('span', {}, 'Back to editing'));
    const naming = options.naming;
    this.nameButton = naming
      ? h('button', { type: 'button', class: 'btn btn--ghost', 'data-testid': 'preview-name-version', onclick: () => this.name(naming) }, icon(Icons.tag), h('span', {}, 'Name this version'))
      : null;
    this.banner = h(
      'div',
      { class: 'preview-banner', role: 'region', 'aria-label': 'Version preview', hidden: true, 'data-testid': 'preview-banner' },
      this.title,
      h('div', { class: 'preview-banner__actions' }, back, this.nameButton, this.restoreButton),
    );
    this.sheet = h('article', { class: 'sheet sheet--preview', hidden: true, 'data-testid': 'version-preview' });
  }

  get previewing(): number | null {
    return this.version?.toSeq ?? null;
  }

  async open(version: Version, isLatest: boolean): Promise<void> {
    const generation = ++this.generation;
    let content: unknown;
    try {
      content = await this.options.api.exportJson(this.options.docName, version.toSeq);
    } catch (error) {
      this.options.onError(`Could not load that version: ${(error as Error).message}`);
      return;
    }
    if (generation !== this.generation) return;
    this.editor?.destroy();
    this.sheet.replaceChildren();
    this.editor = createVersionPreview(this.sheet, content, (src) => this.options.api.fileSrc(src));
    this.version = version;
    this.isLatest = isLatest;
    this.showTitle();
    this.restoreButton.hidden = !this.options.canRestore;
    this.restoreButton.disabled = isLatest;
    this.restoreButton.title = isLatest ? 'This is already the current version' : 'Make this version the current one, for everyone';
    this.show(true);
    this.options.onChange(version.toSeq);
  }

  close(): void {
    this.generation += 1;
    if (!this.version) return;
    this.version = null;
    this.editor?.destroy();
    this.editor = null;
    this.sheet.replaceChildren();
    this.show(false);
    this.options.onChange(null);
  }

  private show(preview: boolean): void {
    this.banner.hidden = !preview;
    this.sheet.hidden = !preview;
    this.options.liveSheet.hidden = preview;
    for (const element of this.options.inertDuringPreview) element.inert = preview;
  }

  /** Which version this is: its names first, then when and by whom. */
  private showTitle(): void {
    const version = this.version;
    if (!version) return;
    const authors = ` · ${describeAuthors(version.authors)}`;
    const names = (version.named ?? []).map((n) => `“${n.name}”`).join(', ');
    this.title.textContent = `${this.isLatest ? 'Current version' : 'Version'}${names ? ` ${names}` : ''} of ${formatWhen(version.end)}${authors}`;
  }

  private name(naming: VersionNaming): void {
    const version = this.version;
    if (!version) return;
    naming.name(version.toSeq, `The version of ${formatWhen(version.end)} you are looking at.`, () => this.nameButton?.focus(), (added) => {
      if (this.version !== version) return;
      version.named = [...(version.named ?? []), { id: added.id, name: added.name }];
      this.showTitle();
    });
  }

  private async restore(): Promise<void> {
    const version = this.version;
    if (!version) return;
    this.restoreButton.disabled = true;
    try {
      await this.options.api.restore(this.options.docName, version.toSeq, this.options.restorerName());
    } catch (error) {
      this.restoreButton.disabled = false;
      this.options.onError(`Restore failed: ${(error as Error).message}`);
      return;
    }
    this.close();
    this.options.onRestored(version);
  }
}
