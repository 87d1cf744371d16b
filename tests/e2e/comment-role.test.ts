/**
 * Tokens and comments in the browser: a writer's and a commenter's comments carry their
 * token's names (not marked unverified); a `comment`-role token's page says what it may do,
 * takes no text change from its keyboard — and a stock client with that token that sends one
 * anyway is refused by the server — but comments; a viewer sees comments and cannot add any.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { commentOn } from '../helpers/comment-docs.js';
import { roomOf } from '../../editor/src/routes.js';
import { useServerAndBrowser } from './support/session.js';
import { AUTH_SECRET, mintToken } from './support/tokens.js';
import { contentText, editorSelector, focusEnd, newUser, openDocument, waitSaved, type User } from './support/browser.js';
import { commentOnSelection, highlightedTexts, openCommentsPanel, panelThreads, selectText, threadCard } from './support/comments.js';

const session = useServerAndBrowser(['--auth-secret', AUTH_SECRET]);
const doc = 'team/review';

async function userWith(name: string, color: string, role: 'read' | 'comment' | 'write', id: string): Promise<User> {
  const user = await newUser(session.browser, name, color);
  await openDocument(user, session.server.url, doc, `?token=${await mintToken(id, name, role, ['team/*'])}`);
  return user;
}

describe('comments with access tokens', () => {
  it('a commenter comments but cannot change the text; names come from the tokens', async () => {
    const alice = await userWith('Alice Martin', '#c62828', 'write', 'alice');
    await focusEnd(alice.page);
    await alice.page.keyboard.type('Draft budget for the spring offsite.');
    await waitSaved(alice.page);

    const carol = await userWith('Carol Jones', '#2e7d32', 'comment', 'carol');
    expect(await carol.page.textContent('[data-testid="comment-only-badge"]')).toContain('Can comment');
    expect(await carol.page.isVisible('[data-testid="toolbar"]')).toBe(false);
    // Her panel is open from the start.
    await carol.page.waitForSelector('[data-testid="comments-panel"]');
    await expect.poll(() => contentText(carol.page)).toBe('Draft budget for the spring offsite.');

    // Typing, deleting and pasting change nothing.
    await focusEnd(carol.page);
    await carol.page.keyboard.type(' Vandalism.');
    await carol.page.keyboard.press('Backspace');
    await carol.page.keyboard.press('Enter');
    expect(await contentText(carol.page)).toBe('Draft budget for the spring offsite.');

    // Selecting with the keyboard and commenting work.
    await carol.page.keyboard.press('Control+End');
    for (let i = 0; i < 'offsite.'.length; i++) await carol.page.keyboard.press('Shift+ArrowLeft');
    await commentOnSelection(carol.page, 'Which venue?');
    await openCommentsPanel(alice.page);
    await expect.poll(() => panelThreads(alice.page)).toMatchObject([
      { quote: 'offsite.', messages: [{ author: 'Carol Jones', unverified: false, text: 'Which venue?' }] },
    ]);
    expect(await highlightedTexts(alice.page)).toEqual(['offsite.']);

    // Alice replies; Carol resolves it.
    await selectText(alice.page, 'budget');
    await commentOnSelection(alice.page, 'Numbers by Friday.');
    await threadCard(carol.page, 'offsite.').locator('[data-testid="comment-resolve"]').click();
    await expect.poll(async () => (await panelThreads(alice.page)).map((t) => t.quote)).toEqual(['budget']);
    expect((await panelThreads(carol.page)).map((t) => t.messages[0]?.author)).toEqual(['Alice Martin']);
    expect(await contentText(alice.page)).toBe('Draft budget for the spring offsite.');
  });

  it('refuses a stock client’s text change under a comment token, and takes its comment; viewers only read', async () => {
    const token = await mintToken('mallory', 'Mallory', 'comment', ['team/*']);
    const stockClient = (): { doc: Y.Doc; provider: WebsocketProvider } => {
      const ydoc = new Y.Doc();
      const provider = new WebsocketProvider(session.server.wsUrl, roomOf(doc), ydoc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
        params: { token },
      });
      return { doc: ydoc, provider };
    };
    // The stock provider reports the server's permission-denied message as a console warning.
    const denied: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void denied.push(args.map(String).join(' '));
    const vandal = stockClient();
    const commenter = stockClient();
    try {
      await expect.poll(() => vandal.provider.synced && commenter.provider.synced).toBe(true);
      const paragraph = vandal.doc.getXmlFragment('default').get(0) as Y.XmlElement;
      (paragraph.get(0) as Y.XmlText).insert(0, 'HACKED ');
      await expect.poll(() => denied.some((d) => d.includes('may change comments only'))).toBe(true);
      commentOn(commenter.doc, 'spring', { id: 'mallory', name: 'Mallory', kind: 'token' }, 'From a stock client');
      await expect.poll(() => commenter.provider.synced && denied.length).toBe(1);
    } finally {
      console.warn = warn;
      vandal.provider.destroy();
    }

    const viewer = await userWith('Victor', '#4527a0', 'read', 'victor');
    await expect.poll(() => contentText(viewer.page)).toBe('Draft budget for the spring offsite.');
    // A viewer sees the comments, the stock client's included, and gets no way to add one.
    await openCommentsPanel(viewer.page);
    await expect.poll(async () => (await panelThreads(viewer.page)).map((t) => [t.quote, t.messages[0]?.author])).toEqual([
      ['budget', 'Alice Martin'],
      ['spring', 'Mallory'],
    ]);
    commenter.provider.destroy();
    // Clicking commented text shows its thread, for a viewer too.
    await viewer.page.click('[data-testid="comments-close"]');
    await viewer.page.click(`${editorSelector} .comment-anchor`);
    await viewer.page.waitForSelector('[data-testid="comment-thread"].thread--active');
    expect(await viewer.page.isVisible('[data-testid="comments-add"]')).toBe(false);
    expect(await viewer.page.locator('[data-testid="comment-reply-text"]').count()).toBe(0);
    expect(await viewer.page.locator('[data-testid="comment-resolve"]').count()).toBe(0);
    await viewer.page.click(editorSelector);
    await viewer.page.keyboard.press('Control+Alt+m');
    expect(await viewer.page.locator('[data-testid="comment-draft"]').count()).toBe(0);
  });
});
