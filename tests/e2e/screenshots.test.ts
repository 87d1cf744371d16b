/**
 * Screenshots of the document page with three people in it — a document with a table, a chart
 * and a comment thread — its history and comments panels, and a phone-sized window (test
 * artifacts under test-results/). The load time of the page is measured by
 * bench/editor-load.ts, not here.
 *
 * `TANDEM_UPDATE_SCREENSHOTS=1` also refreshes the README's pictures: docs/screenshots/editor.png
 * (Alice's window) and two-users.png (Alice's and Bob's side by side).
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/session.js';
import { artifactsDir, repoRoot } from './support/paths.js';
import { drawChart, writeLaunchPlan } from './support/sample-document.js';
import { AUTH_SECRET, mintToken } from './support/tokens.js';
import { caretNames, editorSelection, editorSelector, newUser, openDocument, waitConverged, waitSaved, type User } from './support/browser.js';
import { commentOnSelection, openCommentsPanel, panelThreads, selectText, threadCard } from './support/comments.js';

const session = useServerAndBrowser(['--auth-secret', AUTH_SECRET]);
const users: User[] = [];
const doc = 'Launch plan';
const GOAL = '1,000 teams writing together by the end of June';
const WINDOW = { width: 1100, height: 1000 };

/** Opens the document as `user`, with a token naming them (their name is then verified). */
async function open(user: User, id: string): Promise<void> {
  await openDocument(user, session.server.url, doc, `?token=${await mintToken(id, user.name, 'write', ['*'])}`);
}

/** Two browser windows side by side in one picture, drawn by the browser itself. */
async function sideBySide(left: Buffer, right: Buffer, captions: [string, string], path: string): Promise<void> {
  const page = await session.browser.newPage({ viewport: { width: 2 * WINDOW.width + 72, height: WINDOW.height + 100 }, deviceScaleFactor: 1 });
  const img = (png: Buffer, caption: string): string =>
    `<figure><figcaption>${caption}</figcaption><img src="data:image/png;base64,${png.toString('base64')}"></figure>`;
  await page.setContent(
    `<style>body{margin:0;padding:24px;background:#d8dee4;display:flex;gap:24px;font:600 15px system-ui,sans-serif}
      figure{margin:0}figcaption{margin:0 0 8px;color:#1f2328}img{display:block;width:${WINDOW.width}px;border-radius:10px;box-shadow:0 6px 24px #0003}</style>
     ${img(left, captions[0])}${img(right, captions[1])}`,
  );
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  await page.screenshot({ path, fullPage: true });
  await page.close();
}

/**
 * Puts `user`'s caret at the end of the block `selector` finds, which holds `text` (found by
 * place, not by text: others' carets and their names may sit in it).
 */
async function caretAtEnd(user: User, selector: string, text: string): Promise<void> {
  await user.page.click(`${editorSelector} ${selector}`);
  await user.page.keyboard.press('End');
  await expect.poll(async () => {
    const selection = await editorSelection(user.page);
    return selection.blockText === text && selection.atBlockEnd;
  }).toBe(true);
}

/** The loaded images of the document in `user`'s page: their natural sizes. */
function shownImages(user: User): Promise<{ width: number; height: number }[]> {
  return user.page.$$eval(`${editorSelector} img`, (list) => (list as HTMLImageElement[]).filter((img) => img.complete && img.naturalWidth > 0).map((img) => ({ width: img.naturalWidth, height: img.naturalHeight })));
}

describe('the document page, as people see it', () => {
  it('captures three people in a document with a table, a chart and a comment thread', async () => {
    const alice = await newUser(session.browser, 'Alice Martin', '#c62828', WINDOW);
    const bob = await newUser(session.browser, 'Bob Chen', '#1565c0', WINDOW);
    const carol = await newUser(session.browser, 'Carol Diaz', '#2e7d32', WINDOW);
    users.push(alice, bob, carol);
    await open(alice, 'alice');
    await open(bob, 'bob');
    await open(carol, 'carol');
    const everyone = [alice.page, bob.page, carol.page];

    // Alice writes the plan, with a chart drawn by her browser and uploaded like any picture.
    const chart = await drawChart(alice.page);
    await writeLaunchPlan(alice.page, chart);
    await waitConverged(everyone);
    for (const user of users) await expect.poll(() => shownImages(user)).toEqual([{ width: 1120, height: 380 }]);
    expect(await bob.page.$$eval(`${editorSelector} th`, (cells) => cells.map((c) => c.textContent))).toEqual(['Milestone', 'Owner', 'When']);

    // Bob asks about the goal; Alice answers in the thread.
    await selectText(bob.page, GOAL);
    await commentOnSelection(bob.page, 'Is 1,000 by June realistic? We are at 140 teams today.');
    await openCommentsPanel(alice.page);
    const card = threadCard(alice.page, GOAL);
    await card.locator('[data-testid="comment-reply-text"]').fill('Yes: sign-ups have doubled every two weeks since March. The chart below shows it.');
    await card.locator('[data-testid="comment-reply"]').click();
    await expect.poll(async () => (await panelThreads(bob.page))[0]?.messages.map((m) => [m.author, m.unverified])).toEqual([
      ['Bob Chen', false],
      ['Alice Martin', false],
    ]);

    // Alice is back at the title, Bob is in the table, Carol has selected a phrase.
    await caretAtEnd(alice, 'h1', 'Tandem launch plan');
    await caretAtEnd(bob, 'tr:nth-child(3) > td:first-child', 'Public launch');
    await selectText(carol.page, 'everyone on April 14');
    await waitConverged(everyone);
    await Promise.all(everyone.map((page) => waitSaved(page)));
    await expect.poll(() => caretNames(alice.page)).toEqual(['Bob Chen', 'Carol Diaz']);
    await expect.poll(() => caretNames(bob.page)).toEqual(['Alice Martin', 'Carol Diaz']);
    const words = '[data-testid="word-count"]';
    await expect.poll(async () => new Set(await Promise.all(everyone.map((page) => page.textContent(words)))).size).toBe(1);

    const aliceShot = await alice.page.screenshot({ path: join(artifactsDir, 'editor.png') });
    const bobShot = await bob.page.screenshot({ path: join(artifactsDir, 'two-users-bob.png') });
    const combined = join(artifactsDir, 'two-users.png');
    await sideBySide(aliceShot, bobShot, ['Alice’s browser', 'Bob’s browser'], combined);
    if (process.env['TANDEM_UPDATE_SCREENSHOTS'] === '1') {
      await mkdir(join(repoRoot, 'docs', 'screenshots'), { recursive: true });
      await copyFile(join(artifactsDir, 'editor.png'), join(repoRoot, 'docs', 'screenshots', 'editor.png'));
      await copyFile(combined, join(repoRoot, 'docs', 'screenshots', 'two-users.png'));
    }
    expect((await readFile(combined)).byteLength).toBeGreaterThan(10_000);
  });

  it('captures the history panel, the home page and a phone-sized window', async () => {
    const alice = users[0] as User;
    await alice.page.click('[data-testid="history-toggle"]');
    await alice.page.waitForSelector('[data-testid="history-list"] .version');
    await alice.page.screenshot({ path: join(artifactsDir, 'history-panel.png') });
    await alice.page.click('[data-testid="history-toggle"]');

    const phone = await newUser(session.browser, 'Dana Lee', '#6a1b9a', { width: 390, height: 800 });
    users.push(phone);
    await open(phone, 'dana');
    await phone.page.screenshot({ path: join(artifactsDir, 'document-phone.png') });
    await phone.page.goto(session.server.url);
    await phone.page.waitForSelector('[data-testid="doc-list"] a');
    await phone.page.screenshot({ path: join(artifactsDir, 'home-phone.png') });
    // Nothing wider than the screen: the layout reflows instead of scrolling sideways.
    await open(phone, 'dana');
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('captures the comment thread on a phone-sized window', async () => {
    const phone = users[3] as User;
    await openCommentsPanel(phone.page);
    await phone.page.waitForSelector('[data-testid="comment-thread"]');
    expect((await panelThreads(phone.page))[0]?.messages.length).toBe(2);
    await phone.page.screenshot({ path: join(artifactsDir, 'comments-phone.png') });
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('logs no console errors', () => {
    for (const user of users) expect(user.errors, user.name).toEqual([]);
  });
});
