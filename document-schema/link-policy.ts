/**
 * Which addresses may be links: `http:`, `https:` and `mailto:` only. Everything else — a
 * `javascript:` or `data:` URL pasted in, typed into the link dialog, or written into the
 * shared document by another client — is never rendered or exported as a link.
 *
 * Addresses are read with the WHATWG URL parser, the one browsers use to follow an `href`, so
 * a spelling that only looks harmless (`java\tscript:`, leading blanks) is judged as the
 * browser would read it. Addresses without a scheme are refused: a document's links must mean
 * the same wherever it is exported to.
 */
import type { JSONContent } from '@tiptap/core';

export const LINK_PROTOCOLS: readonly string[] = ['http:', 'https:', 'mailto:'];

/** What every rendered link carries: a new tab that gets no handle on the document's page. */
export const LINK_REL = 'noopener noreferrer nofollow';

export function isAllowedLinkUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.trim() === '') return false;
  try {
    return LINK_PROTOCOLS.includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

export type LinkInput = { ok: true; href: string } | { ok: false; problem: string };

/**
 * What a person typed into the link dialog, as an address: `example.com/x` gets `https://`,
 * `ann@example.com` gets `mailto:`; an address with any other scheme is refused, with why.
 */
export function linkHrefFromInput(raw: string): LinkInput {
  const text = raw.trim();
  if (text === '') return { ok: false, problem: 'Enter the address the link goes to.' };
  if (isAllowedLinkUrl(text)) return { ok: true, href: text };
  if (/^[^\s@/:]+@[^\s@/:]+\.[^\s@/:]+$/.test(text)) return { ok: true, href: `mailto:${text}` };
  // `example.com:8080/x` and `localhost:3000` look like a scheme to the URL parser; they are hosts.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1];
  const hostWithPort = scheme !== undefined && /^[^/:]+:\d+(?:[/?#]|$)/.test(text);
  if (scheme !== undefined && !hostWithPort) {
    return { ok: false, problem: `“${scheme}:” addresses cannot be links. Use a web address (http or https) or an email address (mailto).` };
  }
  const href = `https://${text}`;
  try {
    const { hostname } = new URL(href);
    if (!/\./.test(hostname) && hostname !== 'localhost') throw new Error('no domain');
  } catch {
    return { ok: false, problem: 'That is not a web or email address.' };
  }
  return { ok: true, href };
}

/** The same content without link marks whose address is refused (they keep their text). */
export function withoutRefusedLinks(node: JSONContent): JSONContent {
  const marks = node.marks?.filter((mark) => mark.type !== 'link' || isAllowedLinkUrl(mark.attrs?.['href']));
  const copy: JSONContent = { ...node };
  if (marks) {
    if (marks.length > 0) copy.marks = marks;
    else delete copy.marks;
  }
  if (node.content) copy.content = node.content.map(withoutRefusedLinks);
  return copy;
}
