/**
 * Version history in the browser, on a server with access tokens (so versions carry authors):
 * the timeline, a read-only preview of an earlier version, restoring it for everyone, and
 * exporting the document.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/session.js';
import { AUTH_SECRET, mintToken } from './support/tokens.js';
import { contentText, editorSelector, focusEnd, newUser, openDocument, waitConverged, waitSaved, type User } from './support/browser.js';

const session = useServerAndBrowser(['--auth-secret', AUTH_SECRET]);
let alice: User;
let bob: User;
const doc = 'notes/roadmap';

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
  bob = await newUser(session.browser, 'Bob', '#1565c0');
});

describe('version history', () => {
  it('lists versions by author, previews an old one and restores it for everyone', async () => {
    await openDocument(alice, session.server.url, doc, `?token=${await mintToken('alice', 'Alice Martin', 'write', ['notes/*'])}`);
    await focusEnd(alice.page);
    await alice.page.keyboard.type('First draft by Alice.');
    await waitSaved(alice.page);

    await openDocument(bob, session.server.url, doc, `?token=${await mintToken('bob', 'Bob Chen', 'write', ['notes/*'])}`);
    await focusEnd(bob.page);
    await bob.page.keyboard.press('Control+a');
    await bob.page.keyboard.type('Rewritten by Bob.');
    await waitSaved(bob.page);
    expect(await waitConverged([alice.page, bob.page])).toBe('<p>Rewritten by Bob.</p>');

    // The timeline, newest first: Bob's rewrite is current, Alice's draft before it.
    await alice.page.click('[data-testid="history-toggle"]');
    const versions = alice.page.locator('[data-testid="history-list"] .version');
    await expect.poll(() => versions.count()).toBe(2);
    expect(await versions.nth(0).locator('.version__authors').textContent()).toBe('bob');
    expect(await versions.nth(0).locator('.version__badge').textContent()).toBe('Current');
    expect(await versions.nth(1).locator('.version__authors').textContent()).toBe('alice');

    // Preview: the old text, read-only, while the live document is unchanged.
    await versions.nth(1).click();
    const preview = alice.page.locator('[data-testid="version-preview"] .ProseMirror');
    await preview.waitFor();
    expect(await preview.textContent()).toBe('First draft by Alice.');
    expect(await preview.getAttribute('contenteditable')).toBe('false');
    expect(await alice.page.isVisible(editorSelector)).toBe(false);
    expect(await contentText(bob.page)).toBe('Rewritten by Bob.');

    // Restore: both live editors show the old text again, and the timeline records it.
    await alice.page.click('[data-testid="restore-version"]');
    await expect.poll(() => contentText(bob.page)).toBe('First draft by Alice.');
    await expect.poll(() => contentText(alice.page)).toBe('First draft by Alice.');
    expect(await alice.page.isVisible(editorSelector)).toBe(true);
    await expect.poll(() => versions.count()).toBe(3);
    expect(await versions.nth(0).locator('.version__authors').textContent()).toBe('Restored by alice');

    // A finer timeline can be asked for (versions split at shorter pauses).
    const [finer] = await Promise.all([
      alice.page.waitForRequest((r) => r.url().includes('/history?pause=2')),
      alice.page.selectOption('[data-testid="history-detail"]', '2'),
    ]);
    expect(finer.url()).toContain(`/api/docs/${encodeURIComponent(doc)}/history?pause=2`);
    await expect.poll(() => versions.count()).toBeGreaterThanOrEqual(3);

    // The restored text is an ordinary document again: Bob keeps editing it.
    await focusEnd(bob.page);
    await bob.page.keyboard.type(' Approved.');
    await expect.poll(() => contentText(alice.page)).toBe('First draft by Alice. Approved.');
  });

  it('exports the document as Markdown, HTML and JSON', async () => {
    await waitSaved(bob.page);
    const download = async (label: string): Promise<{ name: string; text: string }> => {
      await alice.page.click('[data-testid="export-menu"]');
      const [file] = await Promise.all([alice.page.waitForEvent('download'), alice.page.click(`[role="menuitem"]:has-text("${label}")`)]);
      return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
    };
    const markdown = await download('Markdown');
    expect(markdown.name).toBe('notes-roadmap.md');
    expect(markdown.text.trim()).toBe('First draft by Alice. Approved.');
    const html = await download('HTML');
    expect(html.text).toContain('<p>First draft by Alice. Approved.</p>');
    const json = await download('JSON');
    expect(JSON.parse(json.text)).toEqual({
      type: 'doc',
      // Paragraphs carry their alignment (none here), as Tiptap's JSON does.
      content: [{ type: 'paragraph', attrs: { textAlign: null }, content: [{ type: 'text', text: 'First draft by Alice. Approved.' }] }],
      // The document's comment threads (none here).
      comments: [],
    });
  });

  it('logs no console errors', () => {
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});
