/** What the comment tests do in a page: select text, write a comment, read the panel and the highlights. */
import type { Page } from 'playwright-core';
import { editorSelector } from './browser.js';

/**
 * Selects the `occurrence`-th appearance of `text` in the document the way a person would with
 * the mouse or Shift+arrows: the editor's own selection, which the comment is then made on.
 */
export async function selectText(page: Page, text: string, occurrence = 0): Promise<void> {
  await page.click(editorSelector);
  await page.$eval(
    editorSelector,
    (root, { text, occurrence }) => {
      interface EditorLike {
        state: { doc: { descendants(f: (node: { isText: boolean; text?: string }, pos: number) => void): void } };
        chain(): { focus(): { setTextSelection(r: { from: number; to: number }): { run(): boolean } } };
      }
      const editor = (root as unknown as { editor: EditorLike }).editor;
      const found: number[] = [];
      editor.state.doc.descendants((node, pos) => {
        if (!node.isText || !node.text) return;
        for (let at = node.text.indexOf(text); at >= 0; at = node.text.indexOf(text, at + 1)) found.push(pos + at);
      });
      const from = found[occurrence];
      if (from === undefined) throw new Error(`no occurrence ${occurrence} of "${text}"`);
      editor.chain().focus().setTextSelection({ from, to: from + text.length }).run();
    },
    { text, occurrence },
  );
}

/** Comments on the selection with Mod-Alt-M and the keyboard only. */
export async function commentOnSelection(page: Page, message: string): Promise<void> {
  await page.keyboard.press('Control+Alt+m');
  await page.waitForSelector('[data-testid="comment-draft-text"]:focus');
  await page.keyboard.type(message);
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('[data-testid="comment-draft"]', { state: 'detached' });
}

/** The highlighted (commented) text in the document, one entry per thread, in document order; blocks joined by newlines. */
export function highlightedTexts(page: Page): Promise<string[]> {
  return page.$$eval(`${editorSelector} .comment-anchor[data-thread]`, (spans) => {
    const byThread = new Map<string, { text: string; block: Element | null }>();
    for (const span of spans) {
      const id = span.getAttribute('data-thread') ?? '';
      const block = span.closest('p, h1, h2, h3, li, td, th, pre');
      const seen = byThread.get(id);
      const text = span.textContent ?? '';
      byThread.set(id, { text: seen ? `${seen.text}${seen.block !== block ? '\n' : ''}${text}` : text, block });
    }
    return [...byThread.values()].map((v) => v.text);
  });
}

export interface ThreadView {
  quote: string;
  resolved: boolean;
  orphaned: boolean;
  messages: { author: string; unverified: boolean; text: string; edited: boolean }[];
}

/** The threads the panel lists, in its order. */
export function panelThreads(page: Page): Promise<ThreadView[]> {
  return page.$$eval('[data-testid="comments-panel"] [data-testid="comment-thread"]', (cards) =>
    cards.map((card) => ({
      quote: (card.querySelector('[data-testid="comment-quote"]')?.childNodes[0]?.textContent ?? '').replace(/^“|”$/g, ''),
      resolved: card.getAttribute('data-resolved') === 'true',
      orphaned: card.classList.contains('thread--orphaned'),
      messages: [...card.querySelectorAll('[data-testid="comment-message"]')].map((m) => ({
        author: m.querySelector('.message__author')?.textContent ?? '',
        unverified: m.querySelector('.message__unverified') !== null,
        text: m.querySelector('[data-testid="comment-text"]')?.textContent ?? '',
        edited: m.querySelector('.message__edited') !== null,
      })),
    })),
  );
}

/** The card of the thread on `quote`. */
export function threadCard(page: Page, quote: string) {
  return page.locator('[data-testid="comment-thread"]', { has: page.locator('[data-testid="comment-quote"]', { hasText: `“${quote}”` }) });
}

export async function openCommentsPanel(page: Page): Promise<void> {
  if (await page.isVisible('[data-testid="comments-panel"]')) return;
  await page.click('[data-testid="comments-toggle"]');
  await page.waitForSelector('[data-testid="comments-panel"]');
}
