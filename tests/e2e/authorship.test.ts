/**
 * Who wrote what, in the browser, on a server without tokens (names are self-declared): two
 * people write one paragraph; the author colours show each one's text in the colour they
 * chose, with a legend and who/when on hover, and follow live typing; the compare view marks
 * what changed between two versions, coloured by author, with words per person.
 *
 * `TANDEM_UPDATE_SCREENSHOTS=1` also refreshes docs/screenshots/author-colours.png and
 * compare-view.png for the README.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/session.js';
import { artifactsDir, repoRoot } from './support/paths.js';
import { contentText, editorSelector, focusEnd, newUser, openDocument, waitConverged, waitSaved, type User } from './support/browser.js';

const session = useServerAndBrowser();
const ALICE = '#c62828';
const BOB = '#1565c0';
const doc = 'Team/who wrote what';
let alice: User;
let bob: User;

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', ALICE, { width: 1100, height: 720 });
  bob = await newUser(session.browser, 'Bob', BOB, { width: 1100, height: 720 });
});

interface Painted {
  text: string;
  author: string;
  colour: string;
  title: string;
  unsaved: boolean;
}

/** The coloured stretches of text in a page, in document order, joined where one author's run goes on. */
function painted(page: Page): Promise<Painted[]> {
  return page.$$eval(`${editorSelector} .author-mark`, (marks) => {
    const out: Painted[] = [];
    for (const mark of marks) {
      const item = {
        text: mark.textContent ?? '',
        author: mark.getAttribute('data-author-id') ?? '',
        colour: getComputedStyle(mark).getPropertyValue('--author').trim(),
        title: mark.getAttribute('title') ?? '',
        unsaved: mark.classList.contains('author-mark--unsaved'),
      };
      const last = out.at(-1);
      if (last && last.author === item.author && last.unsaved === item.unsaved) last.text += item.text;
      else out.push(item);
    }
    return out;
  });
}

async function saveScreenshot(page: Page, file: string): Promise<void> {
  const path = join(artifactsDir, file);
  await page.screenshot({ path });
  if (process.env['TANDEM_UPDATE_SCREENSHOTS'] === '1') {
    await mkdir(join(repoRoot, 'docs', 'screenshots'), { recursive: true });
    await copyFile(path, join(repoRoot, 'docs', 'screenshots', file));
  }
}

describe('who wrote what', () => {
  it('colours the text by author in the colours people chose, with a legend and who/when on hover, live', async () => {
    await openDocument(alice, session.server.url, doc);
    await focusEnd(alice.page);
    await alice.page.keyboard.type('Alice wrote a draft.');
    await waitSaved(alice.page);
    await openDocument(bob, session.server.url, doc);
    await focusEnd(bob.page);
    for (let i = 0; i < 'draft.'.length; i++) await bob.page.keyboard.press('Backspace');
    await bob.page.keyboard.type('plan. Bob agrees.');
    await waitSaved(bob.page);
    expect(await waitConverged([alice.page, bob.page])).toBe('<p>Alice wrote a plan. Bob agrees.</p>');

    await alice.page.click('[data-testid="authors-toggle"]');
    expect(await alice.page.getAttribute('[data-testid="authors-toggle"]', 'aria-pressed')).toBe('true');
    await expect
      .poll(async () => (await painted(alice.page)).map(({ text, author, colour, unsaved }) => ({ text, author, colour, unsaved })))
      .toEqual([
        { text: 'Alice wrote a ', author: 'name:Alice', colour: ALICE, unsaved: false },
        { text: 'plan. Bob agrees.', author: 'name:Bob', colour: BOB, unsaved: false },
      ]);
    const [own, bobs] = await painted(alice.page);
    expect(own?.title).toMatch(/^Written by Alice \(self-declared\) · Today, \d\d:\d\d/);
    expect(bobs?.title).toMatch(/^Written by Bob \(self-declared\) · Today, \d\d:\d\d/);
    const legend = alice.page.locator('[data-testid="authors-legend"] .author-legend__item');
    await expect.poll(() => legend.allTextContents()).toEqual(['Alice (self-declared) (you)', 'Bob (self-declared)']);
    await saveScreenshot(alice.page, 'author-colours.png');

    // Live: Bob keeps typing; Alice sees it coloured as his, then confirmed by the server.
    await focusEnd(bob.page);
    await bob.page.keyboard.type(' Ship it.');
    await waitSaved(bob.page);
    await expect
      .poll(async () => (await painted(alice.page)).map(({ text, author, unsaved }) => ({ text, author, unsaved })))
      .toEqual([
        { text: 'Alice wrote a ', author: 'name:Alice', unsaved: false },
        { text: 'plan. Bob agrees. Ship it.', author: 'name:Bob', unsaved: false },
      ]);
    // Colours off: no marks, no legend; the text is untouched.
    await alice.page.click('[data-testid="authors-toggle"]');
    await expect.poll(async () => (await painted(alice.page)).length).toBe(0);
    expect(await alice.page.locator('[data-testid="authors-legend"]').count()).toBe(0);
    expect(await contentText(alice.page)).toBe('Alice wrote a plan. Bob agrees. Ship it.');
  });

  it('compares two versions: changes marked and coloured by author, words per person, any two picked', async () => {
    await alice.page.click('[data-testid="history-toggle"]');
    const versions = alice.page.locator('[data-testid="history-list"] .version-row');
    // Alice's version, then Bob's (a change of author starts a new version).
    await expect.poll(() => versions.count()).toBe(2);
    await versions.nth(1).locator('[data-testid="compare-version"]').click();

    const view = alice.page.locator('[data-testid="compare-view"] .ProseMirror');
    await view.waitFor();
    expect(await view.getAttribute('contenteditable')).toBe('false');
    expect(await alice.page.isVisible(editorSelector)).toBe(false);
    const changes = (): Promise<{ tag: string; text: string; colour: string; title: string }[]> =>
      view.evaluate((root) =>
        [...root.querySelectorAll('ins, del')].map((el) => ({
          tag: el.tagName.toLowerCase(),
          text: el.textContent ?? '',
          colour: getComputedStyle(el.querySelector('.diff-paint') ?? el).getPropertyValue('--author').trim(),
          title: el.getAttribute('title') ?? '',
        })),
      );
    await expect.poll(async () => (await changes()).map(({ tag, text, colour }) => [tag, text, colour])).toEqual([
      ['del', 'draft.', BOB],
      ['ins', 'plan. Bob agrees. Ship it.', BOB],
    ]);
    expect((await changes())[0]?.title).toMatch(/^Deleted by Bob \(self-declared\) · Today, \d\d:\d\d/);
    expect(await view.textContent()).toBe('Alice wrote a draft.plan. Bob agrees. Ship it.');
    const summary = alice.page.locator('[data-testid="compare-summary"] li');
    expect(await summary.allTextContents()).toEqual(['Bob (self-declared) 5 words added, 1 removed']);
    await saveScreenshot(alice.page, 'compare-view.png');

    // Any two points: from the empty beginning to Alice's version — all of it hers.
    const aliceVersion = await alice.page.locator('[data-testid="compare-to"] option').nth(2).getAttribute('value');
    await alice.page.selectOption('[data-testid="compare-from"]', '0');
    await alice.page.selectOption('[data-testid="compare-to"]', aliceVersion ?? '');
    await expect.poll(async () => (await changes()).map(({ tag, text, colour }) => [tag, text, colour])).toEqual([['ins', 'Alice wrote a draft.', ALICE]]);
    expect(await summary.allTextContents()).toEqual(['Alice (self-declared) 4 words added']);

    // Back to editing: the live document again, unchanged.
    await alice.page.click('[data-testid="close-compare"]');
    expect(await alice.page.isVisible(editorSelector)).toBe(true);
    expect(await contentText(alice.page)).toBe('Alice wrote a plan. Bob agrees. Ship it.');
    expect(await contentText(bob.page)).toBe('Alice wrote a plan. Bob agrees. Ship it.');
  });

  it('logs no console errors', () => {
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});
