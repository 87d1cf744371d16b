/**
 * Chromium driven by playwright-core, and the few things the tests do with the editor: open a
 * document as a named user, wait until it is synced, read its content, watch for console errors.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { documentHref } from '../../../editor/src/routes.js';
import { watchBrowser } from './csp-watch.js';
import { DEADLINE_MS } from '../../helpers/wait.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium, with every page watched for Content-Security-Policy violations (csp-watch.ts). */
export async function launchBrowser(): Promise<Browser> {
  return watchBrowser(await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 }));
}

export interface User {
  name: string;
  /** Null for a first-time visitor, who gets a colour from the page. */
  color: string | null;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen on this user's pages. */
  errors: string[];
}

/**
 * A browser profile of its own (storage, IndexedDB, network) with a remembered identity, or
 * a first-time visitor's blank profile when `color` is null.
 */
export async function newUser(browser: Browser, name: string, color: string | null, viewport = { width: 1280, height: 800 }): Promise<User> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  context.setDefaultTimeout(DEADLINE_MS);
  // The identity a user would have picked on an earlier visit (identity.ts reads this key).
  if (color !== null) {
    await context.addInitScript(
      ({ identity }) => {
        if (!localStorage.getItem('tandem:identity')) localStorage.setItem('tandem:identity', identity);
      },
      { identity: JSON.stringify({ name, color }) },
    );
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { name, color, context, page, errors };
}

/** The editor's own link to a document (`/d/<path key>`). */
export function docUrl(baseUrl: string, name: string, query = ''): string {
  return `${baseUrl}${documentHref(name)}${query}`;
}

/** Opens a document and waits until it has synced with the server. */
export async function openDocument(user: User, baseUrl: string, name: string, query = ''): Promise<void> {
  await user.page.goto(docUrl(baseUrl, name, query));
  await waitSynced(user.page);
}

export async function waitSynced(page: Page, timeoutMs = DEADLINE_MS): Promise<void> {
  await page.waitForSelector('[data-testid="document-page"][data-ready="true"]', { timeout: timeoutMs });
}

/** Waits until the server has confirmed every change made in this page. */
export async function waitSaved(page: Page, timeoutMs = DEADLINE_MS): Promise<void> {
  await page.waitForSelector('[data-testid="connection"][data-connection="live"][data-pending="0"]', { timeout: timeoutMs });
}

export const editorSelector = '[data-testid="editor"] .ProseMirror';

/** Puts the caret at the very end of the document. */
export async function focusEnd(page: Page): Promise<void> {
  await page.click(editorSelector);
  await page.keyboard.press('Control+End');
}

/**
 * The document's HTML without what differs from one viewer to the next: other users' carets,
 * selection highlights, comment highlights, the hack nodes ProseMirror puts next to widgets,
 * and the access token an image is loaded with.
 */
export function contentHtml(page: Page): Promise<string> {
  return page.$eval(editorSelector, (root) => {
    const copy = root.cloneNode(true) as HTMLElement;
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret, .ProseMirror-separator, .ProseMirror-trailingBreak')) caret.remove();
    for (const mark of copy.querySelectorAll('.ProseMirror-yjs-selection, .comment-anchor')) mark.replaceWith(...mark.childNodes);
    copy.normalize();
    // In the markup, not on the copy's elements: changing an image's address loads it.
    return copy.innerHTML.replace(/(<img [^>]*src="[^"?]*)\?token=[^"]*"/g, '$1"');
  });
}

export function contentText(page: Page): Promise<string> {
  return contentHtml(page).then((html) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
}

/** Polls until every page shows the same content; returns it. */
export async function waitConverged(pages: Page[], timeoutMs = DEADLINE_MS): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let contents: string[] = [];
  for (;;) {
    contents = await Promise.all(pages.map(contentHtml));
    if (contents.every((c) => c === contents[0])) return contents[0] ?? '';
    if (Date.now() > deadline) throw new Error(`pages did not converge within ${timeoutMs} ms:\n${contents.join('\n---\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Names on the other users' carets drawn in this page. */
export function caretNames(page: Page): Promise<string[]> {
  return page.$$eval(`${editorSelector} .collaboration-carets__label`, (labels) => labels.map((l) => l.textContent ?? '').sort());
}

/** Names listed in the presence bar. */
export function presenceNames(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="presence"] [data-name]', (items) => items.map((i) => i.getAttribute('data-name') ?? '').sort());
}

/** The editor's own selection (Tiptap keeps its editor on the root element as `editor`). */
export function editorSelection(page: Page): Promise<{ from: number; to: number; text: string; blockText: string; atBlockEnd: boolean }> {
  return page.$eval(editorSelector, (root) => {
    interface Resolved { parent: { textContent: string }; parentOffset: number }
    interface EditorLike { state: { selection: { from: number; to: number; $to: Resolved }; doc: { textBetween(from: number, to: number): string } } }
    const { state } = (root as unknown as { editor: EditorLike }).editor;
    const { from, to, $to } = state.selection;
    return { from, to, text: state.doc.textBetween(from, to), blockText: $to.parent.textContent, atBlockEnd: $to.parentOffset === $to.parent.textContent.length };
  });
}

/**
 * Puts the caret at the end of the block starting with `blockStart`. Others' edits can move the
 * block between measuring it and clicking; real people click again, and so does this helper.
 */
export async function caretAtEndOf(page: Page, blockStart: string): Promise<void> {
  const block = page.locator(`${editorSelector} :is(p, h1, h2, h3, li > p):text-matches("^${escapeRegExp(blockStart)}")`).first();
  for (let attempt = 1; ; attempt++) {
    // Into the block's last line, then End: the end of that line is the end of the block.
    const box = await block.boundingBox();
    if (!box) throw new Error(`no block starting with "${blockStart}"`);
    await block.click({ position: { x: Math.max(1, box.width - 4), y: Math.max(1, box.height - 6) } });
    await page.keyboard.press('End');
    const deadline = Date.now() + 500;
    while (Date.now() < deadline) {
      const sel = await editorSelection(page);
      if (sel.from === sel.to && sel.atBlockEnd && sel.blockText.startsWith(blockStart)) return;
      await page.waitForTimeout(25);
    }
    if (attempt === 3) throw new Error(`could not put the caret at the end of "${blockStart}"`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Selects the whole text of the block starting with `blockStart` (a triple click, which ProseMirror handles itself). */
export async function selectBlock(page: Page, blockStart: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.click(`${editorSelector} :is(p, h1, h2, h3):text-matches("^${escapeRegExp(blockStart)}")`, { clickCount: 3 });
    const sel = await editorSelection(page);
    if (sel.text === sel.blockText && sel.text.startsWith(blockStart)) return;
    if (attempt === 3) throw new Error(`could not select "${blockStart}" (selected "${sel.text}")`);
  }
}
