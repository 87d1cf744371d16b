/**
 * The server stops and starts again (same port, same data dir): an open page reconnects by
 * itself, a reload shows the document, and so does a browser that never had it (no IndexedDB
 * copy), so the content came from the server's disk.
 */
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/session.js';
import { contentHtml, focusEnd, newUser, openDocument, waitSaved, waitSynced, type User } from './support/browser.js';

const session = useServerAndBrowser();
const users: User[] = [];

describe('server restart', () => {
  const doc = 'Minutes 2025-06-01';
  const expected = '<h2>Minutes</h2><ul><li><p>Budget <strong>approved</strong></p></li></ul>';

  it('shows the document after a restart, to the same page and to a fresh browser', async () => {
    const alice = await newUser(session.browser, 'Alice', '#c62828');
    users.push(alice);
    await openDocument(alice, session.server.url, doc);
    await focusEnd(alice.page);
    await alice.page.keyboard.press('Control+Alt+2');
    await alice.page.keyboard.type('Minutes');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.press('Control+Shift+8');
    await alice.page.keyboard.type('Budget ');
    await alice.page.keyboard.press('Control+b');
    await alice.page.keyboard.type('approved');
    expect(await contentHtml(alice.page)).toBe(expected);
    await waitSaved(alice.page);

    // Record every connection state the open page shows while the server goes away.
    await alice.page.evaluate(() => {
      const status = document.querySelector<HTMLElement>('[data-testid="connection"]');
      const seen: string[] = [];
      (window as unknown as { seenStates: string[] }).seenStates = seen;
      if (status) new MutationObserver(() => seen.push(status.dataset['connection'] ?? '')).observe(status, { attributes: true });
    });
    await session.server.restart();
    // The open page noticed, reconnects on its own and is live again.
    await waitSaved(alice.page);
    const seen = await alice.page.evaluate(() => (window as unknown as { seenStates: string[] }).seenStates);
    expect(seen).toContain('offline');
    await alice.page.reload();
    await waitSynced(alice.page);
    expect(await contentHtml(alice.page)).toBe(expected);

    const carol = await newUser(session.browser, 'Carol', '#2e7d32');
    users.push(carol);
    await openDocument(carol, session.server.url, doc);
    expect(await contentHtml(carol.page)).toBe(expected);
  });

  it('logs no console errors other than the browser’s own reports of refused connections while the server was down', () => {
    // The provider retries the socket, and the page asks the API why it could not connect.
    const serverDown = /^WebSocket connection to '.*' failed|^Failed to load resource: net::ERR_CONNECTION_REFUSED$/;
    for (const user of users) {
      const unexpected = user.errors.filter((e) => !serverDown.test(e));
      expect(unexpected, user.name).toEqual([]);
    }
  });
});
