/**
 * Following someone in a long document: clicking Bob's avatar brings Alice's view to Bob's
 * caret far down the page and keeps it there as Bob moves, types, and as others change the
 * document above him — without taking Alice's focus or selection. Alice scrolling, typing,
 * clicking in the text or pressing Escape stops it, and so does Bob leaving. All of it works
 * from the keyboard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import { roomOf } from '../../editor/src/routes.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { useServerAndBrowser } from './support/session.js';
import { caretAtEndOf, editorSelection, editorSelector, newUser, openDocument, presenceNames, waitConverged, type User } from './support/browser.js';

const session = useServerAndBrowser();
const DOC = 'Field guide';
const PARAGRAPHS = 120;
const line = (n: number): string => `Paragraph ${n}: notes on the birds seen along the river, with the time, the weather and who saw them first.`;

let alice: User;
let bob: User;
let robot: YClient;

/** Where Bob's caret is in Alice's view of the document: null when she has not drawn it. */
function bobsCaret(page: Page): Promise<{ top: number; bottom: number; viewTop: number; viewBottom: number } | null> {
  return page.evaluate(() => {
    const caret = document.querySelector('.collaboration-carets__caret[data-user="Bob Chen"]');
    const canvas = document.querySelector('#document');
    if (!caret || !canvas) return null;
    const c = caret.getBoundingClientRect();
    const v = canvas.getBoundingClientRect();
    return { top: c.top, bottom: c.bottom, viewTop: v.top, viewBottom: v.bottom };
  });
}

/** Bob's caret is in Alice's view, away from its edges. */
async function bobInView(page: Page): Promise<boolean> {
  const at = await bobsCaret(page);
  return at !== null && at.top >= at.viewTop + 20 && at.bottom <= at.viewBottom - 20;
}

async function bobOutOfView(page: Page): Promise<boolean> {
  const at = await bobsCaret(page);
  return at !== null && (at.bottom < at.viewTop || at.top > at.viewBottom);
}

const scrollTop = (page: Page): Promise<number> => page.$eval('#document', (canvas) => canvas.scrollTop);
const avatar = (page: Page, name: string): string => `[data-testid="presence"] [data-name="${name}"] button`;
const pillVisible = (page: Page): Promise<boolean> => page.isVisible('[data-testid="follow-pill"]');
const announcement = (page: Page): Promise<string | null> => page.textContent('[data-testid="follow-announcement"]');
/** Two animation frames: anything the page scheduled for the next frame has run. */
const nextFrames = (page: Page): Promise<void> => page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));

/** Where the canvas rests once any scrolling under way has finished. */
async function settledScrollTop(page: Page): Promise<number> {
  let last = await scrollTop(page);
  for (let same = 0; same < 3; ) {
    await nextFrames(page);
    const now = await scrollTop(page);
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

/** Bob near the end of the document; Alice at the top, her caret in its first paragraph. */
async function farApart(): Promise<void> {
  await caretAtEndOf(bob.page, `Paragraph ${PARAGRAPHS - 5}:`);
  await alice.page.click(`${editorSelector} p >> nth=0`);
  await alice.page.$eval('#document', (canvas) => canvas.scrollTo({ top: 0 }));
  await expect.poll(() => bobOutOfView(alice.page), { timeout: 20_000 }).toBe(true);
}

async function follow(page: Page): Promise<void> {
  await page.click(avatar(page, 'Bob Chen'));
  await expect.poll(() => page.getAttribute(avatar(page, 'Bob Chen'), 'aria-pressed'), { timeout: 20_000 }).toBe('true');
}

async function expectStopped(page: Page, spoken: string): Promise<void> {
  await expect.poll(() => page.getAttribute(avatar(page, 'Bob Chen'), 'aria-pressed'), { timeout: 20_000 }).toBe('false');
  expect(await pillVisible(page)).toBe(false);
  expect(await announcement(page)).toBe(spoken);
}

/** Bob moves far from where Alice now looks; her view must stay where it is. */
async function expectNotFollowing(near: string): Promise<void> {
  const before = await settledScrollTop(alice.page);
  await caretAtEndOf(bob.page, near);
  // Alice's page has drawn Bob's caret at its new place...
  const drawnIn = (text: string): Promise<boolean> =>
    alice.page.$eval(editorSelector, (root, start) => [...root.querySelectorAll('p')].some((p) => p.textContent?.startsWith(start) && p.querySelector('.collaboration-carets__caret') !== null), text);
  await expect.poll(() => drawnIn(near), { timeout: 20_000 }).toBe(true);
  // ...and had every chance to scroll to it.
  expect(await settledScrollTop(alice.page)).toBe(before);
  expect(await bobOutOfView(alice.page)).toBe(true);
}

describe('following someone’s cursor', () => {
  beforeAll(async () => {
    robot = yClient(session.server.wsUrl, roomOf(DOC));
    await synced(robot, 20_000);
    const fragment = robot.doc.getXmlFragment('default');
    robot.doc.transact(() => {
      for (let n = 1; n <= PARAGRAPHS; n++) {
        const paragraph = new Y.XmlElement('paragraph');
        paragraph.insert(0, [new Y.XmlText(line(n))]);
        fragment.insert(fragment.length, [paragraph]);
      }
    });
    alice = await newUser(session.browser, 'Alice Martin', '#c62828');
    bob = await newUser(session.browser, 'Bob Chen', '#1565c0');
    await openDocument(alice, session.server.url, DOC);
    await openDocument(bob, session.server.url, DOC);
    await waitConverged([alice.page, bob.page], 20_000);
  }, 120_000);

  afterAll(async () => {
    robot?.destroy();
    for (const user of [alice, bob]) {
      if (!user) continue;
      expect(user.errors, `${user.name}'s console`).toEqual([]);
      await user.context.close();
    }
  });

  it('jumps to Bob’s caret far down the page, without taking Alice’s focus or selection', async () => {
    await caretAtEndOf(bob.page, `Paragraph ${PARAGRAPHS - 5}:`);
    await farApart();
    const selection = await editorSelection(alice.page);

    await follow(alice.page);
    await expect.poll(() => bobInView(alice.page), { timeout: 20_000 }).toBe(true);
    expect(await pillVisible(alice.page)).toBe(true);
    expect(await alice.page.textContent('[data-testid="follow-pill"]')).toContain('Following Bob Chen');
    expect(await announcement(alice.page)).toBe('Following Bob Chen. Press Escape to stop.');
    // The avatar she clicked keeps the focus; her caret stays in the first paragraph.
    expect(await alice.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Follow Bob Chen');
    expect(await editorSelection(alice.page)).toEqual(selection);
  });

  it('keeps Bob’s caret in view as he moves, types, and as the document changes above him', async () => {
    // Bob jumps to the top: Alice's view goes with him.
    await bob.page.keyboard.press('Control+Home');
    // Bob's caret was in her view before the jump too: wait for the view to be at the top.
    await expect.poll(async () => (await scrollTop(alice.page)) < 200 && (await bobInView(alice.page)), { timeout: 20_000 }).toBe(true);

    // Bob goes to the middle and types there.
    await caretAtEndOf(bob.page, 'Paragraph 60:');
    await bob.page.keyboard.type(' A heron, too.');
    await expect.poll(() => alice.page.textContent(editorSelector), { timeout: 20_000 }).toContain('A heron, too.');
    await expect.poll(() => bobInView(alice.page), { timeout: 20_000 }).toBe(true);

    // Someone else inserts forty paragraphs just above Bob, inside Alice's view: Bob's caret
    // moves down with his text, far past the bottom of the view, and her view goes with it.
    const before = await settledScrollTop(alice.page);
    const fragment = robot.doc.getXmlFragment('default');
    const bobsParagraph = fragment.toArray().findIndex((node) => node instanceof Y.XmlElement && node.toString().includes('Paragraph 60:'));
    expect(bobsParagraph).toBeGreaterThan(0);
    robot.doc.transact(() => {
      for (let n = 0; n < 40; n++) {
        const paragraph = new Y.XmlElement('paragraph');
        paragraph.insert(0, [new Y.XmlText(`Inserted ${n}: a late entry from the morning count.`)]);
        fragment.insert(bobsParagraph, [paragraph]);
      }
    });
    await expect.poll(() => alice.page.textContent(editorSelector), { timeout: 20_000 }).toContain('Inserted 39:');
    await expect.poll(() => bobInView(alice.page), { timeout: 20_000 }).toBe(true);
    expect(await scrollTop(alice.page)).toBeGreaterThan(before);
    expect(await alice.page.getAttribute(avatar(alice.page, 'Bob Chen'), 'aria-pressed')).toBe('true');
  });

  it('stops when Alice scrolls by herself', async () => {
    await alice.page.mouse.move(640, 500);
    await alice.page.mouse.wheel(0, -600);
    await expectStopped(alice.page, 'Stopped following Bob Chen.');
    await expectNotFollowing('Paragraph 110:');
  });

  it('stops when Alice types, and when she clicks in the text', async () => {
    await farApart();
    await follow(alice.page);
    await expect.poll(() => bobInView(alice.page), { timeout: 20_000 }).toBe(true);
    // Back in the text from the keyboard (no click), then typing.
    await alice.page.focus(editorSelector);
    await alice.page.keyboard.type('!');
    await expectStopped(alice.page, 'Stopped following Bob Chen.');
    // (Typing brought her own caret, at the top, into view.)
    await expectNotFollowing('Paragraph 40:');

    await farApart();
    await follow(alice.page);
    await expect.poll(() => bobInView(alice.page), { timeout: 20_000 }).toBe(true);
    await alice.page.click(`${editorSelector} p >> nth=0`);
    await expectStopped(alice.page, 'Stopped following Bob Chen.');
  });

  it('starts from the keyboard, stops on Escape and on a second press of the avatar', async () => {
    await farApart();
    await alice.page.focus(avatar(alice.page, 'Bob Chen'));
    await alice.page.keyboard.press('Enter');
    await expect.poll(() => bobInView(alice.page), { timeout: 20_000 }).toBe(true);
    // Someone joining redraws the avatars; the focus stays on Bob's.
    robot.provider.awareness.setLocalStateField('user', { name: 'Robin Field', color: '#00695c' });
    await expect.poll(() => presenceNames(alice.page), { timeout: 20_000 }).toContain('Robin Field');
    expect(await alice.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Follow Bob Chen');
    expect(await alice.page.getAttribute(avatar(alice.page, 'Bob Chen'), 'aria-pressed')).toBe('true');
    await alice.page.keyboard.press('Escape');
    await expectStopped(alice.page, 'Stopped following Bob Chen.');

    await alice.page.keyboard.press('Enter');
    expect(await alice.page.getAttribute(avatar(alice.page, 'Bob Chen'), 'aria-pressed')).toBe('true');
    await alice.page.keyboard.press('Enter');
    await expectStopped(alice.page, 'Stopped following Bob Chen.');
  });

  it('stops when Bob leaves', async () => {
    await follow(alice.page);
    await bob.page.close();
    await expect.poll(() => announcement(alice.page), { timeout: 20_000 }).toBe('Bob Chen left the document. Stopped following.');
    expect(await pillVisible(alice.page)).toBe(false);
    expect(await alice.page.isVisible(avatar(alice.page, 'Bob Chen'))).toBe(false);
  });
});
