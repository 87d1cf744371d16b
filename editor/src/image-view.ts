/**
 * How the page draws an image node. The document holds the file's root-relative address
 * (document-schema/image-policy.ts); the page loads it with its access token added, since an
 * `<img>` cannot send the `Authorization` header the API client uses. The token never enters
 * the document, nor what is copied from it (the clipboard gets the schema's own rendering).
 *
 * An address the policy refuses (written by another client) shows the alt text and a note; a
 * file that cannot be loaded (no access, gone) shows the alt text too, never a broken icon.
 */
import { Extension } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import type { NodeView } from '@tiptap/pm/view';
import { isDocumentFileUrl } from '../../document-schema/image-policy.js';
import { h } from './dom.js';

/** The address the page loads a stored image address from. */
export type ImageSource = (stored: string) => string;

class ImageView implements NodeView {
  readonly dom: HTMLElement;
  private readonly img: HTMLImageElement;
  private readonly note: HTMLElement;

  constructor(
    node: PmNode,
    private readonly source: ImageSource,
  ) {
    this.img = h('img', { draggable: 'false' });
    this.note = h('span', { class: 'image__note', hidden: true });
    this.dom = h('figure', { class: 'image', 'data-testid': 'image' }, this.img, this.note);
    this.img.addEventListener('error', () => this.showNote('The image could not be loaded.'));
    this.img.addEventListener('load', () => this.showNote(null));
    this.update(node);
  }

  update(node: PmNode): boolean {
    if (node.type.name !== 'image') return false;
    const stored: unknown = node.attrs['src'];
    const alt: unknown = node.attrs['alt'];
    const title: unknown = node.attrs['title'];
    this.img.alt = typeof alt === 'string' ? alt : '';
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
    const src = this.source(stored);
    if (this.img.getAttribute('src') !== src) this.img.setAttribute('src', src);
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

  private showNote(text: string | null): void {
    this.dom.classList.toggle('image--missing', text !== null);
    this.note.hidden = text === null;
    this.note.textContent = text === null ? '' : `${this.img.alt ? `[${this.img.alt}] ` : ''}${text}`;
  }
}

export function imageViews(source: ImageSource): Extension {
  return Extension.create({
    name: 'tandemImageViews',
    addProseMirrorPlugins() {
      return [new Plugin({ key: new PluginKey('tandemImageViews'), props: { nodeViews: { image: (node) => new ImageView(node, source) } } })];
    },
  });
}
