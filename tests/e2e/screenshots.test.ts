/**
 * Screenshots of the document page with two people in it, its history and comments panels,
 * and a phone-sized window (test artifacts under test-results/).
 * The load time of the page is measured by bench/editor-load.ts, not here.
 *
 * `TANDEM_UPDATE_SCREENSHOTS=1` also refreshes docs/screenshots/two-users.png for the README.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/session.js';
import { artifactsDir, repoRoot } from './support/paths.js';
import { writeProductBrief } from './support/sample-document.js';
import { caretAtEndOf, caretNames, newUser, openDocument, waitConverged, waitSaved, type User } from './support/browser.js';
import { commentOnSelection, openCommentsPanel, panelThreads, selectText, threadCard } from './support/comments.js';

const session = useServerAndBrowser();
const users: User[] = [];
const doc = 'Launch brief';

/** Two browser windows side by side in one picture, drawn by the browser itself. */
async function sideBySide(left: Buffer, right: Buffer, captions: [string, string], path: string): Promise<void> {
  const page = await session.browser.newPage({ viewport: { width: 2 * 1100 + 72, height: 820 }, deviceScaleFactor: 1 });
  const img = (png: Buffer, caption: string): string =>
    `<figure><figcaption>${caption}</figcaption><img src="data:image/png;base64,${png.toString('base64')}"></figure>`;
  await page.setContent(
    `<style>body{margin:0;padding:24px;background:#d8dee4;display:flex;gap:24px;font:600 15px system-ui,sans-serif}
      figure{margin:0}figcaption{margin:0 0 8px;color:#1f2328}img{display:block;width:1100px;border-radius:10px;box-shadow:0 6px 24px #0003}</style>
     ${img(left, captions[0])}${img(right, captions[1])}`,
  );
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  await page.screenshot({ path, fullPage: true });
  await page.close();
}

describe('the document page, as people see it', () => {
  it('captures two people editing one document', async () => {
    const alice = await newUser(session.browser, 'Alice Martin', '#c62828', { width: 1100, height: 720 });
    const bob = await newUser(session.browser, 'Bob Chen', '#1565c0', { width: 1100, height: 720 });
    users.push(alice, bob);
    await openDocument(alice, session.server.url, doc);
    await openDocument(bob, session.server.url, doc);
    await writeProductBrief(alice.page);
    await waitConverged([alice.page, bob.page]);

    // Alice is mid-sentence in the intro; Bob has selected a phrase in the list.
    await caretAtEndOf(alice.page, 'Tandem lets a team');
    await alice.page.keyboard.type(' It works in any browser.');
    await caretAtEndOf(bob.page, 'Keep working offline');
    await bob.page.keyboard.down('Shift');
    for (let i = 0; i < 'merge later'.length; i++) await bob.page.keyboard.press('ArrowLeft');
    await bob.page.keyboard.up('Shift');
    await waitConverged([alice.page, bob.page]);
    await Promise.all([waitSaved(alice.page), waitSaved(bob.page)]);
    await expect.poll(() => caretNames(alice.page)).toEqual(['Bob Chen']);
    await expect.poll(() => caretNames(bob.page)).toEqual(['Alice Martin']);
    const words = '[data-testid="word-count"]';
    await expect.poll(async () => [await alice.page.textContent(words), await bob.page.textContent(words)]).toEqual(['74 words', '74 words']);

    const aliceShot = await alice.page.screenshot({ path: join(artifactsDir, 'two-users-alice.png') });
    const bobShot = await bob.page.screenshot({ path: join(artifactsDir, 'two-users-bob.png') });
    const combined = join(artifactsDir, 'two-users.png');
    await sideBySide(aliceShot, bobShot, ['Alice’s browser', 'Bob’s browser'], combined);
    if (process.env['TANDEM_UPDATE_SCREENSHOTS'] === '1') {
      await mkdir(join(repoRoot, 'docs', 'screenshots'), { recursive: true });
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
    await openDocument(phone, session.server.url, doc);
    await phone.page.screenshot({ path: join(artifactsDir, 'document-phone.png') });
    await phone.page.goto(session.server.url);
    await phone.page.waitForSelector('[data-testid="doc-list"] a');
    await phone.page.screenshot({ path: join(artifactsDir, 'home-phone.png') });
    // Nothing wider than the screen: the layout reflows instead of scrolling sideways.
    await openDocument(phone, session.server.url, doc);
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('captures a comment thread, on a wide and a phone-sized window', async () => {
    const [alice, bob, phone] = users as [User, User, User];
    await selectText(alice.page, 'Keep working offline');
    await commentOnSelection(alice.page, 'Should we say how long changes are kept on the device?');
    await openCommentsPanel(bob.page);
    await threadCard(bob.page, 'Keep working offline').locator('[data-testid="comment-reply-text"]').fill('Until they reach the server: I will add a line.');
    await threadCard(bob.page, 'Keep working offline').locator('[data-testid="comment-reply"]').click();
    await expect.poll(async () => (await panelThreads(alice.page))[0]?.messages.length).toBe(2);
    await alice.page.screenshot({ path: join(artifactsDir, 'comments-panel.png') });

    await openCommentsPanel(phone.page);
    await phone.page.waitForSelector('[data-testid="comment-thread"]');
    await phone.page.screenshot({ path: join(artifactsDir, 'comments-phone.png') });
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('logs no console errors', () => {
    for (const user of users) expect(user.errors, user.name).toEqual([]);
  });
});
