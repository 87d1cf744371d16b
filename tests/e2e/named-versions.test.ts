/**
 * Named versions in the browser, on a server with access tokens: naming the current version
 * from the history panel (by keyboard), editing on, finding the named version again ("Named
 * versions only"), previewing and restoring it for everyone, renaming and removing its name;
 * a viewer sees the names but none of the naming actions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/session.js';
import { AUTH_SECRET, mintToken } from './support/tokens.js';
import { contentText, focusEnd, newUser, openDocument, waitSaved, type User } from './support/browser.js';

const session = useServerAndBrowser(['--auth-secret', AUTH_SECRET]);
let alice: User;
let bob: User;
let viewer: User;
const doc = 'contracts/supplier';

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
  bob = await newUser(session.browser, 'Bob', '#1565c0');
  viewer = await newUser(session.browser, 'Vic', '#2e7d32');
});

describe('named versions', () => {
  it('names a version, finds it again after more edits, restores it from the timeline, renames and removes the name', async () => {
    const page = alice.page;
    await openDocument(alice, session.server.url, doc, `?token=${await mintToken('alice', 'Alice Martin', 'write', ['contracts/*'])}`);
    await openDocument(bob, session.server.url, doc, `?token=${await mintToken('bob', 'Bob Chen', 'write', ['contracts/*'])}`);
    await focusEnd(page);
    await page.keyboard.type('Draft for legal.');
    await waitSaved(page);

    // Name the current version, all by keyboard: the button, the name, Enter.
    await page.click('[data-testid="history-toggle"]');
    const rows = page.locator('[data-testid="history-list"] .version');
    await expect.poll(() => rows.count()).toBe(1);
    await page.focus('[data-testid="name-current-version"]');
    await page.keyboard.press('Enter');
    const input = page.locator('[data-testid="version-name-input"]');
    await input.waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('version-name-input');
    await page.keyboard.type('Sent to legal');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="version-name-dialog"]').waitFor({ state: 'detached' });
    // Back where the person was.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('name-current-version');
    await expect.poll(() => rows.nth(0).locator('[data-testid="version-name"]').allTextContents()).toEqual(['Sent to legal']);

    // A name the document has is refused in the dialog, which stays open to fix it.
    await page.click('[data-testid="name-current-version"]');
    await input.fill('Sent to legal');
    await page.click('[data-testid="version-name-save"]');
    await expect.poll(() => page.locator('[data-testid="version-name-error"]').textContent()).toBe('This document already has a version of that name: choose another.');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="version-name-dialog"]').waitFor({ state: 'detached' });

    // Bob edits on: the named version is no longer the current one.
    await focusEnd(bob.page);
    await bob.page.keyboard.type(' Changed after legal saw it.');
    await waitSaved(bob.page);
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).locator('[data-testid="version-name"]').count()).toBe(0);
    expect(await rows.nth(1).locator('[data-testid="version-name"]').allTextContents()).toEqual(['Sent to legal']);

    // Only the named versions.
    await page.check('[data-testid="history-named-only"]');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.nth(0).locator('[data-testid="version-name"]').textContent()).toBe('Sent to legal');

    // Preview it and restore it: both editors go back to what legal saw.
    await rows.nth(0).click();
    const preview = page.locator('[data-testid="version-preview"] .ProseMirror');
    await preview.waitFor();
    expect(await preview.textContent()).toBe('Draft for legal.');
    expect(await page.locator('.preview-banner__title').textContent()).toContain('“Sent to legal”');
    await page.click('[data-testid="restore-version"]');
    await expect.poll(() => contentText(bob.page)).toBe('Draft for legal.');
    await expect.poll(() => contentText(page)).toBe('Draft for legal.');

    // Rename it through its menu, then remove the name; the version stays in the timeline.
    await page.uncheck('[data-testid="history-named-only"]');
    await expect.poll(() => rows.count()).toBe(3);
    const named = page.locator('[data-testid="history-list"] .version-row', { has: page.locator('[data-testid="version-name"]') });
    await named.locator('[data-testid="version-name-menu"]').click();
    await page.click('[role="menuitem"]:has-text("Rename “Sent to legal”")');
    expect(await input.inputValue()).toBe('Sent to legal');
    await input.fill('Sent to legal (v1)');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="version-name"]').allTextContents()).toEqual(['Sent to legal (v1)']);

    // Bob sees the name in his timeline too.
    await bob.page.click('[data-testid="history-toggle"]');
    await expect.poll(() => bob.page.locator('[data-testid="version-name"]').allTextContents()).toEqual(['Sent to legal (v1)']);

    await named.locator('[data-testid="version-name-menu"]').click();
    await page.click('[role="menuitem"]:has-text("Remove the name “Sent to legal (v1)”")');
    await expect.poll(() => page.locator('[data-testid="version-name"]').count()).toBe(0);
    await expect.poll(() => rows.count()).toBe(3);
  });

  it('names any version of the timeline, and shows names to a viewer without the actions', async () => {
    const page = alice.page;
    const rows = page.locator('[data-testid="history-list"] .version');
    // The oldest version: "Name…" beside it.
    const oldest = page.locator('[data-testid="history-list"] .version-row').last();
    await oldest.locator('[data-testid="name-version"]').click();
    await page.locator('[data-testid="version-name-input"]').fill('First draft');
    await page.click('[data-testid="version-name-save"]');
    await expect.poll(() => rows.last().locator('[data-testid="version-name"]').allTextContents()).toEqual(['First draft']);

    await openDocument(viewer, session.server.url, doc, `?token=${await mintToken('vic', 'Vic', 'read', ['contracts/*'])}`);
    await viewer.page.click('[data-testid="history-toggle"]');
    const seen = viewer.page.locator('[data-testid="version-name"]');
    await expect.poll(() => seen.allTextContents()).toEqual(['First draft']);
    expect(await viewer.page.locator('[data-testid="name-current-version"], [data-testid="name-version"], [data-testid="version-name-menu"]').count()).toBe(0);
    await viewer.page.locator('[data-testid="history-list"] .version').last().click();
    await viewer.page.locator('[data-testid="version-preview"] .ProseMirror').waitFor();
    expect(await viewer.page.locator('[data-testid="preview-name-version"]').count()).toBe(0);
  });

  it('logs no console errors', () => {
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
    expect(viewer.errors).toEqual([]);
  });
});
