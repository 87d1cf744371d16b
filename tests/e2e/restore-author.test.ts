/**
 * Who restored a version, in the editor's history: on a server without access tokens the
 * server knows no one, so the restore records the name the person chose in the editor.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/session.js';
import { contentText, focusEnd, newUser, openDocument, waitSaved, type User } from './support/browser.js';

const session = useServerAndBrowser();
let ada: User;
const doc = 'minutes';

beforeAll(async () => {
  ada = await newUser(session.browser, 'Ada', '#6a1b9a');
});

describe('restore author', () => {
  it('shows "Restored by Ada" for a restore Ada made', async () => {
    await openDocument(ada, session.server.url, doc);
    await focusEnd(ada.page);
    await ada.page.keyboard.type('Agenda.');
    await waitSaved(ada.page);
    // A pause longer than the finest timeline's (2 s) makes the next edit a version of its own.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await ada.page.keyboard.type(' Decisions.');
    await waitSaved(ada.page);

    await ada.page.click('[data-testid="history-toggle"]');
    const versions = ada.page.locator('[data-testid="history-list"] .version');
    await expect.poll(() => versions.count()).toBe(1);
    await Promise.all([ada.page.waitForResponse((r) => r.url().includes('/history?pause=2')), ada.page.selectOption('[data-testid="history-detail"]', '2')]);
    await expect.poll(() => versions.count()).toBe(2);
    expect(await versions.nth(1).locator('.version__authors').textContent()).toBe('Ada');

    await versions.nth(1).click();
    await ada.page.locator('[data-testid="version-preview"] .ProseMirror').waitFor();
    await ada.page.click('[data-testid="restore-version"]');
    await expect.poll(() => contentText(ada.page)).toBe('Agenda.');
    await expect.poll(() => versions.count()).toBe(3);
    expect(await versions.nth(0).locator('.version__authors').textContent()).toBe('Restored by Ada');

    // The preview of the restore says so too.
    await versions.nth(0).click();
    await expect.poll(() => ada.page.locator('.preview-banner__title').textContent()).toContain('Restored by Ada');
  });

  it('logs no console errors', () => {
    expect(ada.errors).toEqual([]);
  });
});
