/**
 * The timeslider in Chromium, on a server without tokens (names are self-declared): Alice and
 * Bob write a document in three sessions; Alice opens the timeslider from the history panel,
 * goes back to the start, plays to a point and pauses, steps by change and by session with
 * the keyboard — each time the document shown is the document at that record, with its
 * author and the change marked — and a link to the point opens the same point in another
 * browser. From there, a point is restored for everyone.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/session.js';
import { contentText, focusEnd, newUser, openDocument, waitSaved, type User } from './support/browser.js';

const session = useServerAndBrowser();
const doc = 'Team/minutes';
let alice: User;
let bob: User;
let carol: User;

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
  bob = await newUser(session.browser, 'Bob', '#1565c0');
  carol = await newUser(session.browser, 'Carol', '#2e7d32');
});

const sheet = '[data-testid="timeslider-sheet"] .ProseMirror';

interface Shown {
  /** The document at the point: the text, without what the change deleted. */
  text: string;
  inserted: string[];
  deleted: string[];
  position: string;
  author: string;
  seq: number;
  valueText: string;
}

async function shown(page: Page): Promise<Shown> {
  const view = await page.$eval(sheet, (root) => {
    const copy = root.cloneNode(true) as HTMLElement;
    for (const del of copy.querySelectorAll('del')) del.remove();
    const blocks = [...copy.children].map((block) => block.textContent ?? '');
    return {
      text: blocks.join('\n').trim(),
      inserted: [...root.querySelectorAll('ins')].map((n) => n.textContent ?? ''),
      deleted: [...root.querySelectorAll('del')].map((n) => n.textContent ?? ''),
    };
  });
  const slider = page.locator('[data-testid="timeslider-slider"]');
  return {
    ...view,
    position: (await page.textContent('[data-testid="timeslider-position"]')) ?? '',
    author: (await page.textContent('[data-testid="timeslider-author"]')) ?? '',
    seq: Number(/#at=(\d+)$/.exec(page.url())?.[1] ?? Number.NaN),
    valueText: (await slider.getAttribute('aria-valuetext')) ?? '',
  };
}

/**
 * Waits until the address names the point shown (it follows once the view stops moving). The
 * history is neither compacted nor damaged, so position n is record n.
 */
async function settled(page: Page): Promise<Shown> {
  await expect.poll(async () => (await shown(page)).seq === Number(await page.inputValue('[data-testid="timeslider-slider"]'))).toBe(true);
  return shown(page);
}

/** The document's text at a record, and who made that record, as the server's API says. */
async function truthAt(page: Page, seq: number): Promise<{ text: string; author: string }> {
  return page.evaluate(
    async ({ name, seq }) => {
      const path = `/api/docs/${encodeURIComponent(name)}`;
      const text = await (await fetch(`${path}/export?format=text&at=${seq}`)).text();
      interface Node { change: string; by: number; content?: Node[] }
      const diff = (await (await fetch(`${path}/diff?from=${Math.max(0, seq - 1)}&to=${seq}&format=json`)).json()) as { authors: { name: string }[]; doc: { content: Node[] } };
      // Who made the changes of that record (the diff also names the writers of what is unchanged).
      const changers = new Set<string>();
      const visit = (nodes: Node[]): void => {
        for (const node of nodes) {
          if (node.change !== 'unchanged') changers.add(diff.authors[node.by]?.name ?? '?');
          visit(node.content ?? []);
        }
      };
      visit(diff.doc.content);
      return { text: text.trim(), author: [...changers].join(', ') };
    },
    { name: doc, seq },
  );
}

async function expectTruth(page: Page, view: Shown): Promise<void> {
  const truth = await truthAt(page, view.seq);
  expect(view.text.replace(/\s+/g, ' ')).toBe(truth.text.replace(/\s+/g, ' '));
  expect(view.author).toBe(`Changed by ${truth.author} (self-declared)`);
  expect(view.valueText).toContain(view.position);
  expect(view.valueText).toContain(view.author);
}

describe('timeslider', () => {
  it('plays to a point, steps by change and by session, and a link opens that point in another browser', async () => {
    await openDocument(alice, session.server.url, doc);
    await focusEnd(alice.page);
    await alice.page.keyboard.type('Minutes by Alice.');
    await waitSaved(alice.page);
    // Alice names her draft (as the history panel does).
    const named = await alice.page.evaluate(async (name) => (await fetch(`/api/docs/${encodeURIComponent(name)}/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Alice’s draft', author: 'Alice' }) })).status, doc);
    expect(named).toBe(201);
    await openDocument(bob, session.server.url, doc);
    await focusEnd(bob.page);
    await bob.page.keyboard.type(' Bob agrees.');
    await waitSaved(bob.page);
    await expect.poll(() => contentText(alice.page)).toBe('Minutes by Alice. Bob agrees.');
    await focusEnd(alice.page);
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Next steps.');
    await waitSaved(alice.page);

    // From the history panel; it opens at the last change, the slider taking the keyboard.
    await alice.page.click('[data-testid="history-toggle"]');
    await alice.page.click('[data-testid="open-timeslider"]');
    await alice.page.waitForSelector(sheet);
    await expect.poll(async () => (await shown(alice.page)).text).toBe('Minutes by Alice. Bob agrees.\nNext steps.');
    expect(await alice.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('timeslider-slider');
    const last = await settled(alice.page);
    await expectTruth(alice.page, last);
    expect(last.inserted.length).toBe(1);
    expect('Next steps.'.endsWith(last.inserted[0] ?? '')).toBe(true);

    // Home: the empty start. Space plays; pause once Bob's words are in.
    await alice.page.keyboard.press('Home');
    expect((await shown(alice.page)).text).toBe('');
    expect((await shown(alice.page)).position).toBe('The start');
    await alice.page.keyboard.press('Space');
    await alice.page.waitForFunction((selector) => document.querySelector(selector)?.textContent?.includes('Bob'), sheet);
    await alice.page.keyboard.press('Space');
    expect(await alice.page.getAttribute('[data-testid="timeslider-play"]', 'aria-pressed')).toBe('false');
    const paused = await settled(alice.page);
    await expectTruth(alice.page, paused);

    // By change, both ways: each step marks what it changed.
    await alice.page.keyboard.press('ArrowRight');
    const next = await settled(alice.page);
    expect(next.seq).toBeGreaterThan(paused.seq);
    await expectTruth(alice.page, next);
    expect(next.inserted.join('').length).toBeGreaterThan(0);
    await alice.page.keyboard.press('ArrowLeft');
    const back = await settled(alice.page);
    expect([back.seq, back.text]).toEqual([paused.seq, paused.text]);

    // By session (Page Down: the one before; Page Up: the next): Bob's is marked whole.
    await alice.page.keyboard.press('End');
    await alice.page.keyboard.press('PageDown');
    const bobs = await settled(alice.page);
    await expectTruth(alice.page, bobs);
    expect(bobs.text).toBe('Minutes by Alice. Bob agrees.');
    expect(bobs.inserted.join('')).toBe(' Bob agrees.');
    expect(bobs.author).toBe('Changed by Bob (self-declared)');
    await alice.page.keyboard.press('PageDown');
    const alices = await settled(alice.page);
    expect([alices.text, alices.author]).toEqual(['Minutes by Alice.', 'Changed by Alice (self-declared)']);
    await alice.page.keyboard.press('PageUp');
    const point = await settled(alice.page);
    expect(point.seq).toBe(bobs.seq);

    // Named versions are on the track and in a list to jump to.
    expect(await alice.page.getAttribute('.timeslider__marker', 'title')).toBe('Alice’s draft');
    await alice.page.selectOption('[data-testid="timeslider-named"]', { label: 'Alice’s draft' });
    const draft = await settled(alice.page);
    expect([draft.seq, draft.text]).toEqual([alices.seq, 'Minutes by Alice.']);
    expect(await alice.page.textContent('[data-testid="timeslider-names"]')).toBe(' · Named “Alice’s draft”');
    await alice.page.focus('[data-testid="timeslider-slider"]');
    await alice.page.keyboard.press('PageUp');
    expect((await settled(alice.page)).seq).toBe(bobs.seq);

    // The link to this point, as Copy link gives it, opens it in another browser.
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.server.url });
    await alice.page.click('[data-testid="timeslider-copy-link"]');
    const link = await alice.page.evaluate(() => navigator.clipboard.readText());
    expect(link).toBe(`${session.server.url}/d/Team/minutes#at=${point.seq}`);
    expect(alice.page.url()).toBe(link);
    await carol.page.goto(link);
    await carol.page.waitForSelector(sheet);
    await expect.poll(async () => (await shown(carol.page)).text).toBe(point.text);
    const there = await shown(carol.page);
    expect([there.author, there.seq, there.position]).toEqual([point.author, point.seq, `Change ${point.seq} of ${last.seq}`]);
    // Opened at a point, the change marked is that record's: the end of Bob's typing.
    expect(there.inserted.length).toBe(1);
    expect(' Bob agrees.'.endsWith(there.inserted[0] ?? '')).toBe(true);
    expect(await carol.page.inputValue('[data-testid="timeslider-slider"]')).toBe(await alice.page.inputValue('[data-testid="timeslider-slider"]'));

    // Restoring the point shown: everyone's document is that text again.
    await alice.page.focus('[data-testid="timeslider-slider"]');
    await alice.page.keyboard.press('PageDown');
    await settled(alice.page);
    await alice.page.click('[data-testid="timeslider-restore"]');
    await expect.poll(() => contentText(bob.page)).toBe('Minutes by Alice.');
    await expect.poll(() => contentText(alice.page)).toBe('Minutes by Alice.');
    expect(await alice.page.isVisible('[data-testid="timeslider"]')).toBe(false);
    expect(alice.page.url()).toBe(`${session.server.url}/d/Team/minutes`);
  });

  it('logs no console errors', () => {
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
    expect(carol.errors).toEqual([]);
  });
});
