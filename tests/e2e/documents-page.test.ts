/**
 * The documents page with documents written by different people: who changed each one last,
 * finding one by name as you type (any case or accent, the match highlighted), the keyboard
 * (type, arrows, Enter), both orders (remembered), the empty state, a token that may list
 * only some documents, and the page's code: the editor's is loaded only with a document, and
 * the server sends it compressed.
 */
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import type { Page } from 'playwright-core';
import { roomOf } from '../../editor/src/routes.js';
import { useServerAndBrowser } from './support/session.js';
import { AUTH_SECRET, mintToken } from './support/tokens.js';
import { newUser, waitSynced, type User } from './support/browser.js';

const session = useServerAndBrowser(['--auth-secret', AUTH_SECRET]);
const users: User[] = [];

/** Document names, and who writes each (in this order); "Budget 2025" is then restored. */
const WRITES: [doc: string, user: string][] = [
  ['Budget 2025', 'ada'],
  ['Résumé of Ada', 'ada'],
  ['notes/meeting 10', 'bob'],
  ['notes/meeting 2', 'ada'],
  ['Team plan', 'ada'],
  ['Team plan', 'bob'],
  ['Budget 2025', 'bob'],
];

interface Listed {
  name: string;
  lastChange: string;
  lastAuthor: string | null;
}

/** Writes a line into a document as `user`, through a stock client with that user's token. */
async function writeAs(user: string, doc: string, text: string): Promise<void> {
  const token = await mintToken(user, user, 'write', ['*']);
  const ydoc = new Y.Doc();
  const provider = new WebsocketProvider(session.server.wsUrl, roomOf(doc), ydoc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { token },
  });
  try {
    await until(() => provider.synced, `${doc} synced`);
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText(text)]);
    const fragment = ydoc.getXmlFragment('default');
    fragment.insert(fragment.length, [paragraph]);
    // Stored once the server lists this user as the last author (each write changes it).
    await until(async () => (await listDocs(token)).some((d) => d.name === doc && d.lastAuthor === user), `${user}'s change to ${doc} stored`);
  } finally {
    provider.destroy();
    ydoc.destroy();
  }
}

async function listDocs(token: string): Promise<Listed[]> {
  const response = await fetch(`${session.server.url}/api/docs`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20_000) });
  return ((await response.json()) as { docs: Listed[] }).docs;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const shownNames = (page: Page): Promise<string[]> => page.$$eval('[data-testid="doc-list"] a.doc-link', (links) => links.map((a) => a.getAttribute('data-name') ?? ''));
const lastChangeOf = (page: Page, name: string): Promise<string | null> => page.locator(`a.doc-link[data-name="${name}"] [data-testid="doc-last-change"]`).textContent();
const activeName = (page: Page): Promise<string | null> =>
  page.$eval('[data-testid="doc-search"]', (input) => {
    const id = input.getAttribute('aria-activedescendant');
    return id ? (document.getElementById(id)?.getAttribute('data-name') ?? null) : null;
  });

async function homeAs(user: User, token: string): Promise<void> {
  await user.page.goto(`${session.server.url}/?token=${token}`);
  await user.page.waitForSelector('[data-testid="doc-list"] a.doc-link');
}

describe('the documents page', () => {
  let carol: User;
  let carolToken: string;
  let byChange: string[];

  beforeAll(async () => {
    for (const [i, [doc, user]] of WRITES.entries()) await writeAs(user, doc, `Line ${i + 1} by ${user}.`);
    const restore = await fetch(`${session.server.url}/api/docs/${encodeURIComponent('Budget 2025')}/restore`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await mintToken('bob', 'Bob', 'write', ['*'])}`, 'content-type': 'application/json' },
      body: JSON.stringify({ at: 1 }),
      signal: AbortSignal.timeout(20_000),
    });
    expect(restore.status).toBe(200);
    carolToken = await mintToken('carol', 'Carol Jones', 'write', ['*']);
    const listed = await listDocs(carolToken);
    byChange = [...listed].sort((a, b) => b.lastChange.localeCompare(a.lastChange) || (a.name < b.name ? -1 : 1)).map((d) => d.name);
    carol = await newUser(session.browser, 'Carol Jones', '#2e7d32');
    users.push(carol);
  }, 120_000);

  afterAll(async () => {
    for (const user of users) {
      expect(user.errors, `${user.name}'s console`).toEqual([]);
      await user.context.close();
    }
  });

  it('lists every document, most recently changed first, with who changed it last', async () => {
    await homeAs(carol, carolToken);
    expect(await shownNames(carol.page)).toEqual(byChange);
    expect(byChange[0]).toBe('Budget 2025');
    expect(await lastChangeOf(carol.page, 'Budget 2025')).toMatch(/^Restored /);
    expect(await lastChangeOf(carol.page, 'Team plan')).toMatch(/^Edited .* by bob$/);
    expect(await lastChangeOf(carol.page, 'notes/meeting 2')).toMatch(/^Edited .* by ada$/);
    expect(await carol.page.textContent('[data-testid="doc-count"]')).toBe('5');
  });

  it('finds documents as you type, whatever the case or accents, and highlights the match', async () => {
    await carol.page.fill('[data-testid="doc-search"]', 'RESUME');
    await expect.poll(() => shownNames(carol.page)).toEqual(['Résumé of Ada']);
    expect(await carol.page.textContent('a.doc-link[data-name="Résumé of Ada"] mark')).toBe('Résumé');
    expect(await carol.page.textContent('[data-testid="doc-count"]')).toBe('1 of 5');
    // Enter opens the first match.
    await carol.page.press('[data-testid="doc-search"]', 'Enter');
    await waitSynced(carol.page);
    expect(await carol.page.textContent('h1')).toBe('Résumé of Ada');
  });

  it('moves through the matches with the arrow keys and opens the chosen one with Enter', async () => {
    await homeAs(carol, carolToken);
    await carol.page.click('[data-testid="doc-search"]');
    await carol.page.keyboard.type('meeting');
    const meetings = byChange.filter((name) => name.includes('meeting'));
    await expect.poll(() => shownNames(carol.page)).toEqual(meetings);
    expect(await activeName(carol.page)).toBe(meetings[0]);
    await carol.page.keyboard.press('ArrowDown');
    expect(await activeName(carol.page)).toBe(meetings[1]);
    // Past the end stays on the last; up goes back.
    await carol.page.keyboard.press('ArrowDown');
    expect(await activeName(carol.page)).toBe(meetings[1]);
    await carol.page.keyboard.press('ArrowUp');
    await carol.page.keyboard.press('ArrowDown');
    // Focus never left the search box.
    expect(await carol.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('doc-search');
    await carol.page.keyboard.press('Enter');
    await waitSynced(carol.page);
    expect(await carol.page.textContent('h1')).toBe(meetings[1]);
  });

  it('sorts by name, numbers by value, and remembers the order', async () => {
    await homeAs(carol, carolToken);
    await carol.page.selectOption('[data-testid="doc-sort"]', 'name');
    const byName = ['Budget 2025', 'notes/meeting 2', 'notes/meeting 10', 'Résumé of Ada', 'Team plan'];
    expect(await shownNames(carol.page)).toEqual(byName);
    await carol.page.reload();
    await carol.page.waitForSelector('[data-testid="doc-list"] a.doc-link');
    expect(await carol.page.inputValue('[data-testid="doc-sort"]')).toBe('name');
    expect(await shownNames(carol.page)).toEqual(byName);
    // Filtering keeps the order, and a new order keeps the filter.
    const withMe = ['notes/meeting 2', 'notes/meeting 10', 'Résumé of Ada'];
    await carol.page.fill('[data-testid="doc-search"]', 'me');
    expect(await shownNames(carol.page)).toEqual(withMe);
    await carol.page.selectOption('[data-testid="doc-sort"]', 'changed');
    expect(await shownNames(carol.page)).toEqual(byChange.filter((name) => withMe.includes(name)));
  });

  it('says when nothing matches, offers to create that document, and Escape clears the search', async () => {
    await carol.page.fill('[data-testid="doc-search"]', 'quarterly review');
    await expect.poll(() => shownNames(carol.page)).toEqual([]);
    expect(await carol.page.textContent('.doc-list__empty')).toContain('No document name contains “quarterly review”.');
    expect(await carol.page.getAttribute('[data-testid="doc-search"]', 'aria-expanded')).toBe('false');
    await carol.page.press('[data-testid="doc-search"]', 'Escape');
    expect(await carol.page.inputValue('[data-testid="doc-search"]')).toBe('');
    expect(await shownNames(carol.page)).toEqual(byChange);
    expect(await carol.page.isVisible('.doc-list__empty')).toBe(false);

    await carol.page.fill('[data-testid="doc-search"]', 'quarterly review');
    await carol.page.click('[data-testid="create-from-search"]');
    await waitSynced(carol.page);
    expect(await carol.page.textContent('h1')).toBe('quarterly review');
  });

  it('lists and finds only what a token may read', async () => {
    const dave = await newUser(session.browser, 'Dave', '#4527a0');
    users.push(dave);
    await homeAs(dave, await mintToken('dave', 'Dave', 'read', ['notes/*']));
    expect((await shownNames(dave.page)).sort()).toEqual(['notes/meeting 10', 'notes/meeting 2']);
    await dave.page.fill('[data-testid="doc-search"]', 'team');
    expect(await dave.page.textContent('.doc-list__empty')).toContain('No document name contains “team”.');
    // A viewer cannot create documents, so none is offered.
    expect(await dave.page.isVisible('[data-testid="create-from-search"]')).toBe(false);
    await dave.page.fill('[data-testid="doc-search"]', '10');
    expect(await shownNames(dave.page)).toEqual(['notes/meeting 10']);
  });

  it('loads the editor\'s code only with a document, and gets it compressed', async () => {
    const erin = await newUser(session.browser, 'Erin', '#00695c');
    users.push(erin);
    const scripts = (): Promise<string[]> =>
      erin.page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname).filter((path) => path.endsWith('.js')));
    await homeAs(erin, carolToken);
    const home = await scripts();
    expect(home.some((path) => /^\/assets\/main-/.test(path))).toBe(true);
    expect(home.filter((path) => /document-page/.test(path))).toEqual([]);

    await erin.page.click('a.doc-link[data-name="Team plan"]');
    await waitSynced(erin.page);
    const editor = (await scripts()).find((path) => /^\/assets\/document-page-.*\.js$/.test(path));
    expect(editor).toBeDefined();
    for (const encoding of ['br', 'gzip']) {
      const response = await fetch(`${session.server.url}${editor}`, { headers: { 'accept-encoding': encoding }, signal: AbortSignal.timeout(20_000) });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-encoding')).toBe(encoding);
      expect(response.headers.get('vary')).toMatch(/accept-encoding/i);
    }
  });
});
