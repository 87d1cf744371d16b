/**
 * The home page and access links: the document list, opening or creating a document by any
 * name, a page that still works when the list cannot be loaded, and read-only viewers.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathKeyOf } from '../../sync-server/doc-name.js';
import { useServerAndBrowser } from './support/session.js';
import { AUTH_SECRET, mintToken } from './support/tokens.js';
import { artifactsDir } from './support/paths.js';
import { contentText, docUrl, editorSelector, focusEnd, newUser, openDocument, presenceNames, waitSaved, waitSynced, type User } from './support/browser.js';

const session = useServerAndBrowser(['--auth-secret', AUTH_SECRET]);
const users: User[] = [];

async function user(name: string, color: string): Promise<User> {
  const created = await newUser(session.browser, name, color);
  users.push(created);
  return created;
}

describe('home page and access links', () => {
  const strangeName = 'team/Q3 plans: 50% “done”? #1';

  it('opens a document by any name from the home page, and lists it there afterwards', async () => {
    const token = await mintToken('alice', 'Alice Martin', 'write', ['team/*']);
    const alice = await user('Alice', '#c62828');
    await alice.page.goto(`${session.server.url}/?token=${token}`);
    await alice.page.fill('[data-testid="doc-name"]', strangeName);
    await alice.page.press('[data-testid="doc-name"]', 'Enter');
    await waitSynced(alice.page);
    expect(new URL(alice.page.url()).pathname).toBe(`/d/${pathKeyOf(strangeName)}`);
    expect(await alice.page.textContent('h1')).toBe(strangeName);
    await focusEnd(alice.page);
    await alice.page.keyboard.type('Hello.');
    await waitSaved(alice.page);

    await alice.page.click('a.brand');
    const link = alice.page.locator('[data-testid="doc-list"] a.doc-link', { hasText: strangeName });
    await link.waitFor();
    await link.click();
    await waitSynced(alice.page);
    expect(await contentText(alice.page)).toBe('Hello.');
    // No link carries the token: the tab kept it, so the page kept its access.
    expect(new URL(alice.page.url()).searchParams.has('token')).toBe(false);
  });

  it('takes the token out of the address bar, keeps access across reloads, and never shares it', async () => {
    const erin = await user('Erin', '#00838f');
    await erin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.server.url });
    const token = await mintToken('erin', 'Erin Clarke', 'write', ['team/*']);
    await openDocument(erin, session.server.url, 'team/handover', `?token=${token}`);
    expect(erin.page.url()).toBe(docUrl(session.server.url, 'team/handover'));
    await focusEnd(erin.page);
    await erin.page.keyboard.type('Written by Erin.');
    await waitSaved(erin.page);

    // A reload keeps access (the token lives in this tab's sessionStorage): still writable.
    await erin.page.reload();
    await waitSynced(erin.page);
    expect(erin.page.url()).toBe(docUrl(session.server.url, 'team/handover'));
    await focusEnd(erin.page);
    await erin.page.keyboard.type(' Still here.');
    await waitSaved(erin.page);
    expect(await contentText(erin.page)).toBe('Written by Erin. Still here.');

    // The link to share has no token: whoever opens it needs access of their own.
    await erin.page.click('[data-testid="copy-link"]');
    const copied = await erin.page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(docUrl(session.server.url, 'team/handover'));
    const frank = await user('Frank', '#6d4c41');
    await frank.page.goto(copied);
    await expect.poll(() => frank.page.getAttribute('[data-testid="connection"]', 'data-connection'), { timeout: 20_000 }).toBe('denied');
    // Refused without a token: the browser reports the failed handshake and the 401 itself.
    frank.errors.splice(0, frank.errors.length, ...frank.errors.filter((e) => !/WebSocket connection to .* failed|status of 401/.test(e)));
  });

  it('still offers opening by name when the document list cannot be loaded', async () => {
    const bob = await user('Bob', '#1565c0');
    await bob.page.route('**/api/docs', (route) => route.fulfill({ status: 503, body: '{"error":"store unavailable"}', contentType: 'application/json' }));
    await bob.page.goto(session.server.url);
    await expect.poll(() => bob.page.textContent('.doc-list__status')).toContain('You can still open or create a document by name');
    expect(await bob.page.isVisible('[data-testid="open-form"]')).toBe(true);
    // A failed request is reported by the browser itself; the page adds no error of its own.
    bob.errors.splice(0, bob.errors.length, ...bob.errors.filter((e) => !e.includes('503')));
  });

  it('shows a read-only viewer a clear view-only page, and the viewer to the others', async () => {
    const alice = users[0] as User;
    const carol = await user('Carol', '#2e7d32');
    await openDocument(carol, session.server.url, strangeName, `?token=${await mintToken('carol', 'Carol Jones', 'read', ['team/*'])}`);
    expect(await carol.page.isVisible('[data-testid="read-only-badge"]')).toBe(true);
    expect(await carol.page.getAttribute(editorSelector, 'contenteditable')).toBe('false');
    expect(await carol.page.isVisible('[data-testid="toolbar"]')).toBe(false);
    expect(await contentText(carol.page)).toBe('Hello.');
    // The token's display name is the viewer's name, shown to the others as viewing.
    await expect.poll(() => presenceNames(alice.page)).toEqual(['Alice Martin', 'Carol Jones']);
    const viewer = alice.page.locator('[data-testid="presence"] [data-name="Carol Jones"] .avatar');
    expect(await viewer.getAttribute('aria-label')).toBe('Carol Jones, viewing');

    // Typing does nothing, and live changes still arrive.
    await carol.page.click(editorSelector);
    await carol.page.keyboard.type('nope');
    await focusEnd(alice.page);
    await alice.page.keyboard.type(' Welcome, Carol.');
    await expect.poll(() => contentText(carol.page)).toBe('Hello. Welcome, Carol.');
  });

  it('says so, and stops retrying, when the link does not give access to the document', async () => {
    const dave = await user('Dave', '#4527a0');
    await dave.page.goto(`${session.server.url}/d/private/salaries?token=${await mintToken('dave', 'Dave', 'write', ['team/*'])}`);
    await expect.poll(() => dave.page.getAttribute('[data-testid="connection"]', 'data-connection')).toBe('denied');
    expect(await dave.page.textContent('[data-testid="connection"]')).toContain('No access');
    expect(await dave.page.getAttribute(editorSelector, 'contenteditable')).toBe('false');
    // The browser reports the refused WebSocket handshake itself (once: no retry loop).
    const refusedNow = dave.errors.length;
    await dave.page.waitForTimeout(1500); // the provider's backoff would have retried 3 times by now
    await dave.page.screenshot({ path: join(artifactsDir, 'no-access.png') });
    expect(dave.errors.length).toBe(refusedNow);
    const refused = dave.errors.filter((e) => /WebSocket connection to .* failed/.test(e));
    expect(refused.length).toBeLessThanOrEqual(2);
    dave.errors.splice(0, dave.errors.length, ...dave.errors.filter((e) => !refused.includes(e) && !/status of 403/.test(e)));
  });

  it('gives a first-time visitor a name, says how to change it, and remembers it', async () => {
    const visitor = await newUser(session.browser, 'first-timer', null);
    users.push(visitor);
    // A token without a display name: the page picks a name itself.
    await openDocument(visitor, session.server.url, 'team/welcome', `?token=${await mintToken('v1', '', 'write', ['team/*'])}`);
    const toast = await visitor.page.waitForSelector('.toast');
    const given = /“(Anonymous [A-Za-z]+)”/.exec((await toast.textContent()) ?? '')?.[1];
    expect(given).toBeDefined();
    expect(await presenceNames(visitor.page)).toEqual([given]);
    await visitor.page.reload();
    await waitSynced(visitor.page);
    expect(await presenceNames(visitor.page)).toEqual([given]);
    expect(await visitor.page.$('.toast')).toBeNull();
  });

  it('logs no console errors', () => {
    for (const u of users) expect(u.errors, u.name).toEqual([]);
  });
});
