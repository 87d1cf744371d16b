/**
 * Comments between two people in two browser profiles: a comment made from the keyboard shows
 * live for the other, with a count while their panel is closed; clicking highlighted text
 * shows its thread; replies, edits, resolving and reopening travel both ways and survive a
 * reload; one's own messages are deleted after a confirmation; the highlight stays on its text
 * through block edits and an undo, and a thread whose text is deleted is kept as such. Comments
 * written offline merge when the network is back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useServerAndBrowser } from './support/session.js';
import { editorSelector, focusEnd, newUser, openDocument, waitConverged, waitSaved, waitSynced, type User } from './support/browser.js';
import { commentOnSelection, highlightedTexts, openCommentsPanel, panelThreads, selectText, threadCard } from './support/comments.js';

const session = useServerAndBrowser();
let alice: User;
let bob: User;

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
  bob = await newUser(session.browser, 'Bob', '#1565c0');
});

const unseen = (page: Page): Promise<number> => page.getAttribute('[data-testid="comments-toggle"]', 'data-unseen').then(Number);
const texts = (threads: Awaited<ReturnType<typeof panelThreads>>): string[][] => threads.map((t) => t.messages.map((m) => `${m.author}: ${m.text}`));

describe('two people commenting', () => {
  const doc = 'Comments: launch notes';

  it('comment, see it live, reply, edit, resolve, reopen, and find it all after a reload', async () => {
    await Promise.all([openDocument(alice, session.server.url, doc), openDocument(bob, session.server.url, doc)]);
    await focusEnd(alice.page);
    await alice.page.keyboard.type('The quick brown fox jumps over the lazy dog.');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('A second paragraph.');
    await waitConverged([alice.page, bob.page]);

    // Alice comments from the keyboard; Bob, with his panel closed, sees a count of it.
    await selectText(alice.page, 'brown fox');
    await commentOnSelection(alice.page, 'Is this the right animal?');
    expect(await highlightedTexts(alice.page)).toEqual(['brown fox']);
    await expect.poll(() => highlightedTexts(bob.page)).toEqual(['brown fox']);
    await expect.poll(() => unseen(bob.page)).toBe(1);
    expect(await bob.page.textContent('[data-testid="comments-count"]')).toBe('1');

    // Bob clicks the highlighted text: his panel opens on the thread. He replies.
    await bob.page.click(`${editorSelector} .comment-anchor`);
    await bob.page.waitForSelector('[data-testid="comment-thread"].thread--active');
    expect(await unseen(bob.page)).toBe(0);
    const bobThreads = await panelThreads(bob.page);
    expect(bobThreads).toMatchObject([{ quote: 'brown fox', resolved: false, messages: [{ author: 'Alice', unverified: true, text: 'Is this the right animal?' }] }]);
    await threadCard(bob.page, 'brown fox').locator('[data-testid="comment-reply-text"]').fill('A fox, yes.');
    await threadCard(bob.page, 'brown fox').locator('[data-testid="comment-reply"]').click();
    await openCommentsPanel(alice.page);
    await expect.poll(async () => texts(await panelThreads(alice.page))).toEqual([['Alice: Is this the right animal?', 'Bob: A fox, yes.']]);

    // Alice edits her message; Bob sees it, marked as edited. Only one's own has Edit.
    const aliceCard = threadCard(alice.page, 'brown fox');
    expect(await aliceCard.locator('[data-testid="comment-edit"]').count()).toBe(1);
    await aliceCard.locator('[data-testid="comment-edit"]').click();
    await alice.page.fill('[data-testid="comment-edit-text"]', 'Is a fox the right animal?');
    await alice.page.keyboard.press('Control+Enter');
    await expect.poll(async () => (await panelThreads(bob.page))[0]?.messages[0]).toMatchObject({ text: 'Is a fox the right animal?', edited: true });

    // Bob posts a reply by mistake and deletes it (after confirming); it goes for Alice too.
    const bobCard = threadCard(bob.page, 'brown fox');
    await bobCard.locator('[data-testid="comment-reply-text"]').fill('Oops, wrong thread.');
    await bobCard.locator('[data-testid="comment-reply-text"]').press('Control+Enter');
    await expect.poll(async () => (await panelThreads(alice.page))[0]?.messages.length).toBe(3);
    await bobCard.locator('[data-testid="comment-message"]', { hasText: 'Oops' }).locator('[data-testid="comment-delete"]').click();
    await bobCard.locator('[data-testid="comment-delete-confirm"]').click();
    await expect.poll(async () => texts(await panelThreads(alice.page))).toEqual([['Alice: Is a fox the right animal?', 'Bob: A fox, yes.']]);

    // Bob resolves it: gone from both lists and highlights, listed again on demand; Alice reopens it.
    await threadCard(bob.page, 'brown fox').locator('[data-testid="comment-resolve"]').click();
    await expect.poll(() => panelThreads(alice.page)).toEqual([]);
    expect(await highlightedTexts(alice.page)).toEqual([]);
    expect(await alice.page.textContent('[data-testid="comments-panel"]')).toContain('Show resolved (1)');
    await alice.page.check('[data-testid="comments-show-resolved"]');
    expect(await panelThreads(alice.page)).toMatchObject([{ quote: 'brown fox', resolved: true }]);
    await threadCard(alice.page, 'brown fox').locator('[data-testid="comment-resolve"]').click();
    await expect.poll(async () => (await panelThreads(bob.page)).map((t) => t.resolved)).toEqual([false]);

    // After a reload everything is still there.
    await waitSaved(alice.page);
    await waitSaved(bob.page);
    await bob.page.reload();
    await waitSynced(bob.page);
    await openCommentsPanel(bob.page);
    await expect.poll(async () => texts(await panelThreads(bob.page))).toEqual([['Alice: Is a fox the right animal?', 'Bob: A fox, yes.']]);
    expect(await highlightedTexts(bob.page)).toEqual(['brown fox']);
    // Clicking a thread's text in the panel highlights it in the document.
    await threadCard(bob.page, 'brown fox').locator('[data-testid="comment-quote"]').click();
    await bob.page.waitForSelector(`${editorSelector} .comment-anchor--active`);
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it('keeps a highlight on its text through splitting and joining paragraphs, and an undo', async () => {
    // Alice splits the commented text in two, then joins it again.
    await selectText(alice.page, 'fox');
    await alice.page.keyboard.press('ArrowLeft');
    await alice.page.keyboard.press('Enter');
    await waitConverged([alice.page, bob.page]);
    for (const page of [alice.page, bob.page]) await expect.poll(() => highlightedTexts(page)).toEqual(['brown \nfox']);
    await alice.page.keyboard.press('Backspace');
    await waitConverged([alice.page, bob.page]);
    for (const page of [alice.page, bob.page]) await expect.poll(() => highlightedTexts(page)).toEqual(['brown fox']);

    // She deletes all of it: the thread stays, its text gone, for both; an undo brings it back.
    await selectText(alice.page, 'quick brown fox jumps');
    await alice.page.keyboard.press('Backspace');
    for (const page of [alice.page, bob.page]) {
      await expect.poll(async () => (await panelThreads(page)).map((t) => [t.quote, t.orphaned])).toEqual([['brown fox', true]]);
      expect(await highlightedTexts(page)).toEqual([]);
    }
    await alice.page.keyboard.press('Control+z');
    for (const page of [alice.page, bob.page]) {
      await expect.poll(() => highlightedTexts(page)).toEqual(['brown fox']);
      expect((await panelThreads(page)).map((t) => t.orphaned)).toEqual([false]);
    }
    // And the same for someone who opens the document afresh.
    await waitSaved(alice.page);
    const carol = await newUser(session.browser, 'Carol', '#2e7d32');
    await openDocument(carol, session.server.url, doc);
    await expect.poll(() => highlightedTexts(carol.page)).toEqual(['brown fox']);
    await carol.context.close();
  });

  it('merges comments written offline when the network is back', async () => {
    await waitSaved(bob.page);
    await bob.context.setOffline(true);
    await expect.poll(() => bob.page.getAttribute('[data-testid="connection"]', 'data-connection')).toBe('offline');
    await selectText(bob.page, 'lazy dog');
    await commentOnSelection(bob.page, 'Written offline');
    await selectText(alice.page, 'second paragraph');
    await commentOnSelection(alice.page, 'Written online meanwhile');
    await bob.context.setOffline(false);
    for (const page of [alice.page, bob.page]) {
      await openCommentsPanel(page);
      await expect.poll(async () => (await panelThreads(page)).map((t) => t.quote)).toEqual(['brown fox', 'lazy dog', 'second paragraph']);
    }
    expect(await highlightedTexts(alice.page)).toEqual(['brown fox', 'lazy dog', 'second paragraph']);

    // Deleting the opening message of one's own thread deletes the thread, for everyone.
    const card = threadCard(alice.page, 'second paragraph');
    await card.locator('[data-testid="comment-delete"]').click();
    expect(await card.locator('.message__confirm').textContent()).toContain('Delete this thread and its replies?');
    await card.locator('[data-testid="comment-delete-confirm"]').click();
    await expect.poll(async () => (await panelThreads(bob.page)).map((t) => t.quote)).toEqual(['brown fox', 'lazy dog']);
    expect(await highlightedTexts(bob.page)).toEqual(['brown fox', 'lazy dog']);
    expect(alice.errors).toEqual([]);
    expect(bob.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|WebSocket/.test(e))).toEqual([]);
  });
});
