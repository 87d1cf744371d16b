/**
 * How the page draws an image node. The document holds the file's root-relative address
 * (document-schema/image-policy.ts); the page loads it with its access token added, since an
 * `<img>` cannot send the `Authorization` header the API client uses. The token never enters
 * the document, nor what is copied from it (the clipboard gets the schema's own rendering).
 *
 * An address the policy refuses (written by another client) shows the alt text and a note; a
 * file that cannot be loaded (no access, gone) shows the alt text too, never a broken icon.
 * For people who may edit, a selected image carries an "Alt text" button on it (the toolbar's
 * image tools do the same, but may be scrolled out of view on a narrow window).
 */
import { Extension } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import type { NodeView } from '@tiptap/pm/view';
import { isDocumentFileUrl } from '../../document-schema/image-policy.js';
import { h } from './dom.js';

/** The address the page loads a stored image address from. */
export type ImageSource = (stored: string) => string;

export interface ImageViewOptions {
  source: ImageSource;
  /** Where to load the image from when `source`'s address fails; absent: nowhere else. */
  fallback?: ImageSource;
  /** Opens the alt text dialog of the selected image; null where the page may not edit. */
  editAlt: (() => void) | null;
}

class ImageView implements NodeView {
  readonly dom: HTMLElement;
  private readonly img: HTMLImageElement;
  private readonly note: HTMLElement;
  private readonly altButton: HTMLButtonElement | null;
  /** The address tried when the current one fails (`options.fallback`), once; null: none left. */
  private next: string | null = null;

  constructor(
    node: PmNode,
    private readonly options: ImageViewOptions,
  ) {
    this.img = h('img', { draggable: 'false' });
    this.note = h('span', { class: 'image__note', hidden: true });
    const { editAlt } = options;
    this.altButton = editAlt
      ? h('button', { type: 'button', class: 'btn image__alt', contenteditable: 'false', 'data-testid': 'image-alt-button', onclick: () => editAlt() }, 'Alt text')
      : null;
    this.dom = h('figure', { class: 'image', 'data-testid': 'image' }, this.img, this.note, this.altButton);
    this.img.addEventListener('error', () => {
      const next = this.next;
      this.next = null;
      if (next !== null) this.img.setAttribute('src', next);
      else this.showNote('The image could not be loaded.');
    });
    this.img.addEventListener('load', () => this.showNote(null));
    this.update(node);
  }

  update(node: PmNode): boolean {
    if (node.type.name !== 'image') return false;
    const stored: unknown = node.attrs['src'];
    const alt: unknown = node.attrs['alt'];
    const title: unknown = node.attrs['title'];
    this.img.alt = typeof alt === 'string' ? alt : '';
    if (this.altButton) this.altButton.textContent = this.img.alt === '' ? 'Add alt text' : 'Alt text';
    if (typeof title === 'string' && title !== '') this.img.title = title;
    else this.img.removeAttribute('title');
    this.dom.dataset['src'] = typeof stored === 'string' ? stored : '';
    if (!isDocumentFileUrl(stored)) {
      this.img.removeAttribute('src');
      this.img.hidden = true;
      this.showNote('This image is not one of this server’s files, so it is not shown.');
      return true;
    }
    this.img.hidden = false;
    const src = this.options.source(stored);
    const fallback = this.options.fallback?.(stored) ?? null;
    if (this.img.getAttribute('src') !== src && this.img.getAttribute('src') !== fallback) {
      this.next = fallback === src ? null : fallback;
      this.img.setAttribute('src', src);
    }
    return true;
  }

  selectNode(): void {
    this.dom.classList.add('ProseMirror-selectednode');
  }

  deselectNode(): void {
    this.dom.classList.remove('ProseMirror-selectednode');
  }

  /** The view's own changes (the note, loading) are not edits. */
  ignoreMutation(): boolean {
    return true;
  }

  /** Clicks on the alt text button are the button's, not the editor's. */
  stopEvent(event: Event): boolean {
    return this.altButton !== null && event.target instanceof Node && this.altButton.contains(event.target);
  }

  private showNote(text: string | null): void {
    this.dom.classList.toggle('image--missing', text !== null);
    this.note.hidden = text === null;
    this.note.textContent = text === null ? '' : `${this.img.alt ? `[${this.img.alt}] ` : ''}${text}`;
  }
}

export function imageViews(options: ImageViewOptions): Extension {
  return Extension.create({
    name: 'tandemImageViews',
    addProseMirrorPlugins() {
      return [new Plugin({ key: new PluginKey('tandemImageViews'), props: { nodeViews: { image: (node) => new ImageView(node, options) } } })];
    },
  });
}
