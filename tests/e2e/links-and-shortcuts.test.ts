/**
 * Links between two people: made, edited and removed through the Mod-K dialog, which refuses
 * a `javascript:` address with a message; `javascript:` links that arrive by paste or from
 * another client's Yjs update render as plain text. Printing spells link addresses out. The
 * Mod-/ sheet lists every shortcut the toolbar shows, keeps focus inside and closes on Escape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { useServerAndBrowser } from './support/session.js';
import { contentHtml, editorSelector, focusEnd, newUser, openDocument, waitConverged, type User } from './support/browser.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';

const session = useServerAndBrowser();
const doc = 'Reading list';
let alice: User;
let bob: User;
let robot: YClient | null = null;

const dialog = '[data-testid="link-dialog"]';
const REL = 'target="_blank" rel="noopener noreferrer nofollow"';

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
  bob = await newUser(session.browser, 'Bob', '#1565c0');
  await openDocument(alice, session.server.url, doc);
  await openDocument(bob, session.server.url, doc);
});

afterAll(() => {
  robot?.destroy();
});

async function clickIntoLink(page: Page, text: string): Promise<void> {
  await page.click(`${editorSelector} a:has-text("${text}")`);
  await expect.poll(() => page.getAttribute('[data-tool="link"]', 'aria-pressed')).toBe('true');
}

describe('links', () => {
  it('are added with Mod-K; a javascript: address is refused with a message', async () => {
    await focusEnd(alice.page);
    await alice.page.keyboard.type('Read the ');
    await alice.page.keyboard.press('Control+k');
    await alice.page.waitForSelector(dialog);
    // Nothing selected: the text field comes first.
    expect(await alice.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('link-text');
    await alice.page.keyboard.type('plan');
    await alice.page.fill('[data-testid="link-url"]', 'javascript:alert(1)');
    await alice.page.click('[data-testid="link-save"]');
    expect(await alice.page.textContent('[data-testid="link-error"]')).toContain('“javascript:” addresses cannot be links');
    expect(await alice.page.isVisible(dialog)).toBe(true);
    expect(await contentHtml(alice.page)).not.toContain('<a');

    // A bare domain gets https://.
    await alice.page.fill('[data-testid="link-url"]', 'example.com/plan');
    await alice.page.keyboard.press('Enter');
    await alice.page.waitForSelector(dialog, { state: 'detached' });
    // Typing on after the link does not lengthen it.
    await alice.page.keyboard.type(' today.');
    expect(await waitConverged([alice.page, bob.page])).toBe(`<p>Read the <a href="https://example.com/plan" ${REL}>plan</a> today.</p>`);
  });

  it('are edited and opened from the same dialog, and print with their address', async () => {
    await clickIntoLink(alice.page, 'plan');
    await alice.page.click('[data-tool="link"]');
    await alice.page.waitForSelector(dialog);
    expect(await alice.page.textContent(`${dialog} h2`)).toBe('Edit link');
    expect(await alice.page.inputValue('[data-testid="link-text"]')).toBe('plan');
    expect(await alice.page.inputValue('[data-testid="link-url"]')).toBe('https://example.com/plan');
    expect(await alice.page.getAttribute('[data-testid="link-open"]', 'href')).toBe('https://example.com/plan');
    expect(await alice.page.getAttribute('[data-testid="link-open"]', 'rel')).toBe('noopener noreferrer nofollow');
    await alice.page.fill('[data-testid="link-text"]', 'the new plan');
    await alice.page.fill('[data-testid="link-url"]', 'https://example.org/plan');
    await alice.page.click('[data-testid="link-save"]');
    await alice.page.waitForSelector(dialog, { state: 'detached' });
    expect(await waitConverged([alice.page, bob.page])).toBe(`<p>Read the <a href="https://example.org/plan" ${REL}>the new plan</a> today.</p>`);

    await bob.page.emulateMedia({ media: 'print' });
    try {
      const after = await bob.page.$eval(`${editorSelector} a`, (a) => getComputedStyle(a, '::after').content);
      expect(after).toBe('" (https://example.org/plan)"');
    } finally {
      await bob.page.emulateMedia({ media: 'screen' });
    }
  });

  it('are removed from the dialog, keeping their text', async () => {
    await clickIntoLink(bob.page, 'the new plan');
    await bob.page.keyboard.press('Control+k');
    await bob.page.click('[data-testid="link-remove"]');
    await bob.page.waitForSelector(dialog, { state: 'detached' });
    expect(await waitConverged([alice.page, bob.page])).toBe('<p>Read the the new plan today.</p>');
  });

  it('pasted javascript: and data: links arrive as plain text', async () => {
    await focusEnd(alice.page);
    await alice.page.keyboard.press('Enter');
    await alice.page.$eval(editorSelector, (editor) => {
      const data = new DataTransfer();
      data.setData('text/html', '<p><a href="javascript:alert(1)">first</a> and <a href="data:text/html,<b>x</b>">second</a> and <a href="mailto:ann@example.com">Ann</a></p>');
      data.setData('text/plain', 'first and second and Ann');
      editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
    const html = await waitConverged([alice.page, bob.page]);
    expect(html).toContain(`<p>first and second and <a href="mailto:ann@example.com" ${REL}>Ann</a></p>`);
  });

  it('a javascript: link written by another client renders as plain text', async () => {
    robot = yClient(session.server.wsUrl, encodeURIComponent(doc));
    await synced(robot);
    const paragraph = new Y.XmlElement('paragraph');
    const text = new Y.XmlText();
    paragraph.insert(0, [text]);
    robot.doc.transact(() => {
      robot?.doc.getXmlFragment('default').push([paragraph]);
      text.insert(0, 'sneaky', { link: { href: 'javascript:alert(document.domain)' } });
      text.insert(text.length, ' and ', {});
      text.insert(text.length, 'fine', { link: { href: 'https://example.net/', target: '_self', rel: '' } });
    });
    for (const page of [alice.page, bob.page]) {
      // Whatever target and rel it holds, a link renders as the editor's own links do.
      await expect.poll(() => contentHtml(page)).toContain(`<p><span>sneaky</span> and <a href="https://example.net/" ${REL}>fine</a></p>`);
    }
  });
});

describe('the keyboard-shortcut sheet', () => {
  it('opens with Mod-/, lists every shortcut the toolbar shows, traps focus and closes on Escape', async () => {
    const page = alice.page;
    await focusEnd(page);
    await page.keyboard.press('Control+/');
    const sheet = page.locator('[data-testid="shortcut-sheet"]');
    await sheet.waitFor();

    const shown = await page.$$eval('[data-testid="toolbar"] [data-tool][aria-keyshortcuts]', (buttons) =>
      buttons.map((b) => ({ id: b.getAttribute('data-tool') ?? '', keys: /\(([^)]+)\)$/.exec(b.getAttribute('title') ?? '')?.[1] ?? '' })),
    );
    expect(shown.length).toBeGreaterThan(15);
    for (const { id, keys } of shown) expect(await sheet.locator(`tr[data-command="${id}"] kbd`).textContent(), id).toBe(keys);
    // The style picker's shortcuts are listed too.
    expect(await sheet.locator('tr[data-command="h2"] kbd').textContent()).toBe('Ctrl+Alt+2');

    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="shortcut-sheet"]') !== null)).toBe(true);
    }
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.classList.contains('ProseMirror'))).toBe(true);

    // The toolbar's keyboard button opens it as well.
    await page.click('[data-tool="shortcuts"]');
    await sheet.waitFor();
    await page.click('[data-testid="shortcuts-close"]');
    await sheet.waitFor({ state: 'detached' });
  });

  it('logs no console errors', () => {
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});
