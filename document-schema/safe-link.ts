/**
 * Links, held to link-policy.ts at every door: the dialog and `setLink`, pasted HTML, pasted
 * and typed URLs (autolink), and — for content that arrived some other way, such as another
 * client's update — at rendering, where a refused address renders as plain text in the
 * editor, in exported HTML and in exported Markdown. Whatever target or rel a link holds in
 * the document, it renders as opening a new tab with `rel="noopener noreferrer nofollow"`.
 */
import { Link } from '@tiptap/extension-link';
import { LINK_REL, isAllowedLinkUrl } from './link-policy.js';

/** `(`, `)` and blanks would end a Markdown link destination early. */
export function markdownDestination(href: string): string {
  return href.replace(/[\s()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export const SafeLink = Link.extend({
  // Typing right after a link does not lengthen it (as in word processors).
  inclusive: () => false,

  renderHTML({ HTMLAttributes }) {
    const href: unknown = HTMLAttributes['href'];
    if (!isAllowedLinkUrl(href)) return ['span', {}, 0];
    const title: unknown = HTMLAttributes['title'];
    return ['a', { href, target: '_blank', rel: LINK_REL, title: typeof title === 'string' ? title : null }, 0];
  },

  renderMarkdown(node, helpers) {
    const text = helpers.renderChildren(node);
    const href: unknown = node.attrs?.['href'];
    if (!isAllowedLinkUrl(href)) return text;
    const title: unknown = node.attrs?.['title'];
    const quotedTitle = typeof title === 'string' && title !== '' ? ` "${title.replace(/"/g, '\\"')}"` : '';
    return `[${text}](${markdownDestination(href)}${quotedTitle})`;
  },
}).configure({
  openOnClick: false,
  autolink: true,
  linkOnPaste: true,
  defaultProtocol: 'https',
  isAllowedUri: (url) => isAllowedLinkUrl(url),
  HTMLAttributes: { target: '_blank', rel: LINK_REL, class: null },
});
