/**
 * Underline and highlight. Markdown has neither, so they are written as inline HTML (`<u>`,
 * `<mark>`), which CommonMark renders and @tiptap/markdown reads back. Highlight has one
 * colour: Tiptap's multicolour mode renders style attributes, refused by the app's CSP.
 */
import { Highlight as TiptapHighlight } from '@tiptap/extension-highlight';
import { Underline as TiptapUnderline } from '@tiptap/extension-underline';

export const Underline = TiptapUnderline.extend({
  renderMarkdown: (node, helpers) => `<u>${helpers.renderChildren(node)}</u>`,
});

export const Highlight = TiptapHighlight.extend({
  renderMarkdown: (node, helpers) => `<mark>${helpers.renderChildren(node)}</mark>`,
}).configure({ multicolor: false });
