/**
 * Images: Tiptap's image node (a block, with `src`, `alt`, `title`, `width`, `height`), held
 * to image-policy.ts at every door — pasted HTML brings in only images of this server's
 * documents (read as their stored path), typing `![alt](url)` makes no image, and content
 * written some other way with any other address renders as its alt text: in the app, in
 * exported HTML and in exported Markdown. The JSON export keeps the node as it is.
 *
 * `origin` (exports opened away from the server) makes rendered addresses absolute.
 */
import { Image } from '@tiptap/extension-image';
import { documentFilePath, isDocumentFileUrl } from './image-policy.js';
import { markdownDestination } from './safe-link.js';

/** What shows for an image whose address is refused: its alt text, in brackets. */
function standIn(alt: unknown): string {
  return typeof alt === 'string' && alt.trim() !== '' ? `[${alt}]` : '[image]';
}

/** `[`, `]` and line breaks would end a Markdown image's alt text early. */
function markdownAlt(alt: unknown): string {
  return typeof alt === 'string' ? alt.replace(/[\[\]\\]/g, '\\$&').replace(/\s+/g, ' ') : '';
}

export function documentImage(origin: string | null = null) {
  const address = (src: unknown): string | null => (isDocumentFileUrl(src) ? `${origin ?? ''}${src}` : null);
  return Image.extend({
    addAttributes() {
      return {
        ...this.parent?.(),
        src: { default: null, parseHTML: (element) => documentFilePath(element.getAttribute('src')) },
      };
    },

    parseHTML() {
      return [{ tag: 'img[src]', getAttrs: (element) => (documentFilePath(element.getAttribute('src')) === null ? false : null) }];
    },

    renderHTML({ node, HTMLAttributes }) {
      const src = address(node.attrs['src']);
      if (src === null) return ['p', { 'data-refused-image': '' }, standIn(node.attrs['alt'])];
      return ['img', { ...HTMLAttributes, src }];
    },

    renderMarkdown(node) {
      const src = address(node.attrs?.['src']);
      if (src === null) return standIn(node.attrs?.['alt']);
      const title: unknown = node.attrs?.['title'];
      const quoted = typeof title === 'string' && title !== '' ? ` "${title.replace(/["\\]/g, '\\$&')}"` : '';
      return `![${markdownAlt(node.attrs?.['alt'])}](${markdownDestination(src)}${quoted})`;
    },

    // `![alt](address)` typed into the text makes no image: images come from uploads.
    addInputRules: () => [],
  }).configure({ inline: false, allowBase64: false });
}
