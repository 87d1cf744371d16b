/**
 * Three people edit one document at the same time in three browser profiles: typing,
 * formatting from the toolbar and the keyboard, deleting. Everyone ends with the same document,
 * sees the others' named carets and lists all three in the presence bar.
 */
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { useServerAndBrowser } from './support/session.js';
import {
  caretAtEndOf,
  caretNames,
  contentHtml,
  editorSelector,
  focusEnd,
  launchBrowser,
  newUser,
  openDocument,
  presenceNames,
  selectBlock,
  waitConverged,
  waitSaved,
  type User,
} from './support/browser.js';

const session = useServerAndBrowser();
const users: User[] = [];

async function pressed(page: Page, tool: string): Promise<string | null> {
  return page.getAttribute(`[data-tool="${tool}"]`, 'aria-pressed');
}

describe('three people editing one document', () => {
  const doc = 'Team plan: Q3 / launch';

  it('converges on typing, formatting and deleting done at the same time', async () => {
    const alice = await newUser(session.browser, 'Alice Martin', '#c62828');
    const bob = await newUser(session.browser, 'Bob Chen', '#1565c0');
    const carol = await newUser(session.browser, 'Carol Diaz', '#2e7d32');
    users.push(alice, bob, carol);
    await Promise.all(users.map((u) => openDocument(u, session.server.url, doc)));

    // Alice sets up the outline: a heading from the toolbar's style picker, three lines.
    await focusEnd(alice.page);
    await alice.page.selectOption('[data-testid="style-picker"]', 'h1');
    await alice.page.keyboard.type('Launch plan');
    for (const line of ['Date:', 'Tasks:', 'Risks:']) {
      await alice.page.keyboard.press('Enter');
      await alice.page.keyboard.type(line);
    }
    await waitConverged(users.map((u) => u.page));

    // Each puts their caret in their own part of the outline, then all three type and delete
    // at once. (Where two people type at the very same spot any interleaving is a correct
    // merge, so the expected text would be unknowable.)
    await caretAtEndOf(alice.page, 'Date:');
    await caretAtEndOf(bob.page, 'Tasks:');
    await caretAtEndOf(carol.page, 'Risks:');
    await Promise.all([
      (async () => {
        await alice.page.keyboard.type(' Sept 30');
        for (let i = 0; i < 'Sept 30'.length; i++) await alice.page.keyboard.press('Backspace');
        await alice.page.keyboard.type('September 30');
      })(),
      (async () => {
        await bob.page.keyboard.press('Enter');
        await bob.page.click('[data-tool="bulletList"]');
        await bob.page.keyboard.type('Docs ready');
        await bob.page.keyboard.press('Enter');
        await bob.page.keyboard.type('Beta feedback triaged');
        await expect.poll(() => pressed(bob.page, 'bulletList')).toBe('true');
      })(),
      (async () => {
        await carol.page.keyboard.type(' none known so far');
        for (let i = 0; i < ' so far'.length; i++) await carol.page.keyboard.press('Backspace');
      })(),
    ]);
    await waitConverged(users.map((u) => u.page));

    // Then all three select their line and format it, one right after the other without
    // waiting for the others' changes to arrive. (Not with Promise.all: key presses sent to
    // several headless pages at the same instant can lose their modifier keys.)
    await selectBlock(alice.page, 'Date:');
    await selectBlock(bob.page, 'Docs ready');
    await selectBlock(carol.page, 'Risks:');
    await alice.page.keyboard.press('Control+b');
    await bob.page.keyboard.press('Control+Shift+S');
    await carol.page.click('[data-tool="italic"]');
    // The toolbar shows the state under each person's selection (redrawn on the next frame).
    await expect.poll(() => pressed(alice.page, 'bold')).toBe('true');
    await expect.poll(() => pressed(bob.page, 'strike')).toBe('true');
    await expect.poll(() => pressed(carol.page, 'italic')).toBe('true');

    const html = await waitConverged(users.map((u) => u.page));
    expect(html).toBe(
      '<h1>Launch plan</h1><p><strong>Date: September 30</strong></p><p>Tasks:</p>' +
        '<ul><li><p><s>Docs ready</s></p></li><li><p>Beta feedback triaged</p></li></ul>' +
        '<p><em>Risks: none known</em></p>',
    );
    await Promise.all(users.map((u) => waitSaved(u.page)));
    for (const user of users) {
      await expect.poll(() => user.page.textContent('[data-testid="word-count"]')).toBe('14 words');
    }
  });

  it('undoes only one’s own changes, from the toolbar and the keyboard', async () => {
    const [alice, bob] = users as [User, User, User];
    await caretAtEndOf(bob.page, 'Beta feedback triaged');
    await bob.page.keyboard.type(' (draft)');
    await caretAtEndOf(alice.page, 'Launch plan');
    await alice.page.keyboard.type(' v2');
    await waitConverged(users.map((u) => u.page));

    // Bob's undo takes back his words, not Alice's later ones.
    await bob.page.click('[data-tool="undo"]');
    let html = await waitConverged(users.map((u) => u.page));
    expect(html).toContain('<h1>Launch plan v2</h1>');
    expect(html).not.toContain('(draft)');
    await bob.page.keyboard.press('Control+Shift+Z');
    html = await waitConverged(users.map((u) => u.page));
    expect(html).toContain('Beta feedback triaged (draft)');

    await alice.page.keyboard.press('Control+z');
    html = await waitConverged(users.map((u) => u.page));
    expect(html).toContain('<h1>Launch plan</h1>');
    expect(html).toContain('Beta feedback triaged (draft)');
  });

  it('shows each person the others’ named carets and all three in the presence bar', async () => {
    const everyone = users.map((u) => u.name).sort();
    for (const user of users) {
      const others = users.filter((u) => u !== user).map((u) => u.name).sort();
      await expect.poll(() => caretNames(user.page)).toEqual(others);
      await expect.poll(() => presenceNames(user.page)).toEqual(everyone);
    }
  });

  it('lets a person change the name others see, and remembers it', async () => {
    const [alice, bob, carol] = users as [User, User, User];
    await carol.page.click('[data-testid="presence"] [data-self] button');
    await carol.page.fill('#identity-name', 'Carol D.');
    await carol.page.click('dialog button[type="submit"]');
    await expect.poll(() => presenceNames(alice.page)).toContain('Carol D.');
    await expect.poll(() => caretNames(bob.page)).toContain('Carol D.');

    await carol.page.reload();
    await carol.page.waitForSelector('[data-testid="document-page"][data-ready="true"]');
    await expect.poll(() => presenceNames(carol.page)).toContain('Carol D.');
    expect(await contentHtml(carol.page)).toBe(await contentHtml(alice.page));
  });

  it('logs no console errors', () => {
    for (const user of users) expect(user.errors, user.name).toEqual([]);
  });
});
