/**
 * Working offline: edits made while the network is gone stay in the browser (IndexedDB), the
 * page says how many are waiting, and they merge with everyone else's when the network is back
 * — even when the page was closed in between.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { useServerAndBrowser } from './support/session.js';
import { contentText, docUrl, editorSelector, focusEnd, newUser, openDocument, waitConverged, waitSaved, waitSynced, type User } from './support/browser.js';

const session = useServerAndBrowser();
let alice: User;
let bob: User;
const extraUsers: User[] = [];

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
  bob = await newUser(session.browser, 'Bob', '#1565c0');
});

const connection = (page: Page) => page.getAttribute('[data-testid="connection"]', 'data-connection');
const pending = (page: Page) => page.getAttribute('[data-testid="connection"]', 'data-pending').then(Number);
const statusText = (page: Page) => page.textContent('[data-testid="connection"]');

/** Whether a service worker controls the page and has cached every asset the page loaded. */
const shellReady = (page: Page): Promise<boolean> =>
  page.evaluate(async () => {
    if (!navigator.serviceWorker.controller) return false;
    const assets = performance
      .getEntriesByType('resource')
      .map((e) => e.name)
      .filter((u) => new URL(u).pathname.startsWith('/assets/'));
    const cached = await Promise.all(assets.map((u) => caches.match(u)));
    return assets.length > 0 && cached.every(Boolean) && Boolean(await caches.match('/'));
  });

/** Updates y-indexeddb has written for a document in this page's browser profile. */
const storedUpdates = (page: Page, doc: string): Promise<number> =>
  page.evaluate(
    (name) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const count = open.result.transaction('updates', 'readonly').objectStore('updates').count();
          count.onsuccess = () => {
            resolve(count.result);
            open.result.close();
          };
          count.onerror = () => reject(count.error);
        };
      }),
    `tandem:${doc}`,
  );

/**
 * Keeps a read-write transaction open on the document's IndexedDB store for as long as the
 * page lives: every later write to that store waits behind it.
 */
const holdIndexedDbBusy = (page: Page, doc: string): Promise<void> =>
  page.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction('updates', 'readwrite').objectStore('updates');
          const again = (): void => {
            store.count().onsuccess = again;
          };
          again();
          resolve();
        };
      }),
    `tandem:${doc}`,
  );

/** Fills the origin's localStorage but for `room` to `room` + 16 characters; returns the keys used. */
const fillLocalStorage = (page: Page, room: number): Promise<string[]> =>
  page.evaluate((room) => {
    localStorage.setItem('filler:reserve', 'x'.repeat(room));
    const keys: string[] = [];
    for (let size = 1 << 21; size >= 16; ) {
      const key = `filler:${keys.length}`;
      try {
        localStorage.setItem(key, 'x'.repeat(size));
        keys.push(key);
      } catch {
        size = Math.floor(size / 2);
      }
    }
    localStorage.removeItem('filler:reserve');
    return keys;
  }, room);

/** How many pages have left changes IndexedDB had not written in localStorage. */
const stashedPages = (page: Page): Promise<number> => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tandem:unsaved:')).length);

/**
 * A new user (kept for the console check) who has written `text` into `doc` next to Alice and
 * whose browser now has the offline shell.
 */
async function writerWithOfflineShell(name: string, color: string, doc: string, text: string): Promise<User> {
  const user = await newUser(session.browser, name, color);
  extraUsers.push(user);
  await openDocument(alice, session.server.url, doc);
  await openDocument(user, session.server.url, doc);
  await focusEnd(user.page);
  await user.page.keyboard.type(text);
  await waitSaved(user.page);
  // The offline shell: the service worker controls the page and has cached what it loaded.
  await expect.poll(() => shellReady(user.page)).toBe(true);
  return user;
}

/**
 * Loads a page in a context that is offline, as a browser without network would. Chromium 150
 * keeps such a context's requests failing across a navigation but starts the new document with
 * `navigator.onLine` true, so until the emulation is sent again the page believes it is online
 * and its connection attempts fail (`net::ERR_INTERNET_DISCONNECTED`, which a browser that knows
 * it is offline never logs: those are not counted). Telling the page it is offline
 * (`Network.overrideNetworkState`) fires the `offline` event a page gets when the network goes.
 */
async function navigateOffline(user: User, navigate: () => Promise<unknown>): Promise<void> {
  const seen = user.errors.length;
  await navigate();
  await user.page.waitForSelector('[data-testid="document-page"]');
  // The session lives as long as the page: detaching it would take the override back.
  const cdp = await user.context.newCDPSession(user.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.overrideNetworkState', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await expect.poll(() => user.page.evaluate(() => navigator.onLine)).toBe(false);
  await expect.poll(() => connection(user.page)).toBe('offline');
  const after = user.errors.splice(seen);
  user.errors.push(...after.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED')));
}

/** Opens `doc` in a new page of the user's profile (their last one was closed), offline or not. */
async function reopen(user: User, doc: string, offline = false): Promise<void> {
  user.page = await user.context.newPage();
  user.page.on('console', (m) => {
    if (m.type() === 'error') user.errors.push(m.text());
  });
  const open = () => user.page.goto(docUrl(session.server.url, doc));
  if (offline) {
    await navigateOffline(user, open);
    return;
  }
  await open();
  await user.page.waitForSelector('[data-testid="document-page"]');
}

describe('offline editing', () => {
  it('keeps edits made offline, counts them, and merges them on reconnect', async () => {
    const doc = 'Trip plan';
    await openDocument(alice, session.server.url, doc);
    await openDocument(bob, session.server.url, doc);
    await focusEnd(alice.page);
    await alice.page.keyboard.type('Day one: museum.');
    await waitConverged([alice.page, bob.page]);
    await waitSaved(bob.page);

    await bob.context.setOffline(true);
    await expect.poll(() => connection(bob.page)).toBe('offline');
    await focusEnd(bob.page);
    await bob.page.keyboard.press('Enter');
    await bob.page.keyboard.type('Day two: hike.');
    // Alice keeps writing meanwhile; Bob cannot see it yet.
    await focusEnd(alice.page);
    await alice.page.keyboard.type(' Lunch at noon.');
    await waitSaved(alice.page);

    await expect.poll(() => pending(bob.page)).toBeGreaterThan(0);
    expect(await statusText(bob.page)).toMatch(/Offline · \d+ changes? waiting/);
    expect(await contentText(bob.page)).toBe('Day one: museum. Day two: hike.');

    await bob.context.setOffline(false);
    const merged = await waitConverged([alice.page, bob.page]);
    expect(merged).toBe('<p>Day one: museum. Lunch at noon.</p><p>Day two: hike.</p>');
    await waitSaved(bob.page);
    expect(await statusText(bob.page)).toContain('All changes saved');
  });

  it('keeps offline edits across closing the page, and sends them when it is opened again', async () => {
    const doc = 'Packing list';
    await openDocument(alice, session.server.url, doc);
    await openDocument(bob, session.server.url, doc);
    await focusEnd(bob.page);
    await bob.page.keyboard.type('Passport.');
    await waitSaved(bob.page);
    await waitConverged([alice.page, bob.page]);

    await bob.context.setOffline(true);
    await expect.poll(() => connection(bob.page)).toBe('offline');
    const storedBefore = await storedUpdates(bob.page, doc);
    await focusEnd(bob.page);
    await bob.page.keyboard.type(' Charger.');
    await expect.poll(() => pending(bob.page)).toBe(' Charger.'.length);
    // One update per keystroke, written to IndexedDB asynchronously: wait for all of them
    // before closing the tab, after which the edit exists only in this browser.
    await expect.poll(() => storedUpdates(bob.page, doc)).toBeGreaterThanOrEqual(storedBefore + ' Charger.'.length);
    await bob.page.close();
    await bob.context.setOffline(false);
    expect(await contentText(alice.page)).toBe('Passport.');

    await reopen(bob, doc);
    await waitSynced(bob.page);
    await expect.poll(() => contentText(alice.page)).toBe('Passport. Charger.');
    await waitSaved(bob.page);
  });

  it('keeps what was typed offline when the page is closed before IndexedDB wrote it', async () => {
    const doc = 'Shopping list';
    const dave = await writerWithOfflineShell('Dave', '#6a1b9a', doc, 'Milk.');
    await expect.poll(() => stashedPages(dave.page)).toBe(0);

    await dave.context.setOffline(true);
    await expect.poll(() => connection(dave.page)).toBe('offline');
    // IndexedDB is busy (as with a slow disk, or another tab compacting this document), so
    // whatever is typed now waits for its write: the tab closes before any of it is done.
    await holdIndexedDbBusy(dave.page, doc);
    await focusEnd(dave.page);
    await dave.page.keyboard.type(' Eggs, bread!');
    await dave.page.close();

    await reopen(dave, doc, true);
    await expect.poll(() => contentText(dave.page)).toBe('Milk. Eggs, bread!');
    expect(await pending(dave.page)).toBe(' Eggs, bread!'.length);
    // Once this page's IndexedDB copy holds them, the keystrokes leave localStorage.
    await expect.poll(() => stashedPages(dave.page)).toBe(0);

    await dave.context.setOffline(false);
    await expect.poll(() => contentText(alice.page)).toBe('Milk. Eggs, bread!');
    await waitSaved(dave.page);
  });

  it('keeps at least its own changes when localStorage has no room for everything unwritten', async () => {
    const doc = 'Reading list';
    const erin = await writerWithOfflineShell('Erin', '#ef6c00', doc, 'Dune.');

    // From now on nothing reaches Erin's IndexedDB: neither Alice's long paste nor Erin's typing.
    await holdIndexedDbBusy(erin.page, doc);
    const paste = ' Notes: ' + 'a long quotation, '.repeat(300);
    await focusEnd(alice.page);
    await alice.page.keyboard.insertText(paste);
    await waitSaved(alice.page);
    await expect.poll(() => contentText(erin.page)).toBe(`Dune.${paste}`.trim());
    await erin.context.setOffline(true);
    await expect.poll(() => connection(erin.page)).toBe('offline');
    await erin.page.click(editorSelector);
    await erin.page.keyboard.press('Control+Home');
    await erin.page.keyboard.type('Buy: ');
    // Room for a few thousand characters: Erin's typing, not Alice's paste.
    const fillers = await fillLocalStorage(erin.page, 2048);
    await erin.page.close();

    await reopen(erin, doc, true);
    await expect.poll(() => contentText(erin.page)).toBe('Buy: Dune.');
    expect(await pending(erin.page)).toBe('Buy: '.length);
    await erin.page.evaluate((keys) => keys.forEach((k) => localStorage.removeItem(k)), fillers);

    await erin.context.setOffline(false);
    const merged = await waitConverged([alice.page, erin.page]);
    expect(merged).toBe(`<p>Buy: Dune.${paste}</p>`);
    await waitSaved(erin.page);
  });

  it('opens and edits a document with no network at all, and merges it later', async () => {
    const doc = 'Field notes';
    const carol = await writerWithOfflineShell('Carol', '#2e7d32', doc, 'Seen: herons.');

    await carol.context.setOffline(true);
    await navigateOffline(carol, () => carol.page.reload());
    // The document comes from IndexedDB; the page knows it is offline.
    await expect.poll(() => contentText(carol.page)).toBe('Seen: herons.');
    await focusEnd(carol.page);
    await carol.page.keyboard.type(' And a kingfisher.');
    await expect.poll(() => pending(carol.page)).toBeGreaterThan(0);

    await carol.context.setOffline(false);
    await expect.poll(() => contentText(alice.page)).toBe('Seen: herons. And a kingfisher.');
    await waitSaved(carol.page);
  });

  it('logs no console errors', () => {
    for (const user of extraUsers) expect(user.errors, user.name).toEqual([]);
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});
