/**
 * Following links from the editable document. A plain click there places the caret (people
 * click into a link to edit it); Ctrl+click (⌘+click on a Mac) opens the link in a new tab,
 * as in word processors. Read-only views need nothing: their links are ordinary links.
 */
import { isAllowedLinkUrl } from '../../document-schema/link-policy.js';

export function openLinkInNewTab(event: MouseEvent): boolean {
  if (event.button !== 0 || !(event.ctrlKey || event.metaKey)) return false;
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  const href = link?.getAttribute('href');
  if (!isAllowedLinkUrl(href)) return false;
  // `noopener` in the features: the new page gets no handle on this one (as rel does).
  window.open(href, '_blank', 'noopener,noreferrer');
  event.preventDefault();
  return true;
}
