/**
 * Images between two people in Chromium: one picks a file with the toolbar's Image button (a
 * placeholder shows while it uploads), both see it, its alt text is set in the dialog, and it
 * is still there after a reload; pasted and dropped images are uploaded too; an SVG is refused
 * with the server's reason and nothing is inserted; an image pasted from another document is
 * copied into the one it is pasted into. Every page runs under the app's CSP.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useServerAndBrowser } from './support/session.js';
import { editorSelector, focusEnd, newUser, openDocument, waitSaved, waitSynced, type User } from './support/browser.js';
import { SAMPLE_IMAGES, SVG, png } from '../helpers/images.js';

const session = useServerAndBrowser();
const doc = 'Photo album';
let alice: User;
let bob: User;

const images = `${editorSelector} figure.image img`;

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
  bob = await newUser(session.browser, 'Bob', '#1565c0');
  await openDocument(alice, session.server.url, doc);
  await openDocument(bob, session.server.url, doc);
});

/** The images a page shows that have loaded: their alt text and natural size. */
function loadedImages(page: Page): Promise<{ alt: string; width: number; height: number; src: string }[]> {
  return page.$$eval(images, (list) =>
    (list as HTMLImageElement[]).filter((img) => img.complete && img.naturalWidth > 0).map((img) => ({ alt: img.alt, width: img.naturalWidth, height: img.naturalHeight, src: img.getAttribute('src') ?? '' })),
  );
}

async function waitForImages(page: Page, count: number): Promise<{ alt: string; width: number; height: number; src: string }[]> {
  await expect.poll(async () => (await loadedImages(page)).length).toBe(count);
  return loadedImages(page);
}

async function pickFile(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.click('[data-tool="image"]');
  await (await chooser).setFiles(file);
}

/** A file pasted into the editor, or dropped near the end of it, as the browser delivers them. */
async function handOver(page: Page, how: 'paste' | 'drop', file: { name: string; type: string; bytes: Buffer }): Promise<void> {
  await page.evaluate(
    ({ how, name, type, bytes }) => {
      const editor = document.querySelector('[data-testid="editor"] .ProseMirror');
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], name, { type }));
      const box = editor?.getBoundingClientRect();
      const event =
        how === 'paste'
          ? new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
          : new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true, clientX: (box?.left ?? 0) + 20, clientY: (box?.bottom ?? 0) - 10 });
      editor?.dispatchEvent(event);
    },
    { how, name: file.name, type: file.type, bytes: [...file.bytes] },
  );
}

describe('images', () => {
  it('are picked with the toolbar, shown while uploading, seen by both, and described with alt text', async () => {
    await focusEnd(alice.page);
    await alice.page.keyboard.type('Our trip');
    await alice.page.keyboard.press('Enter');

    // Held at the network until the placeholder has been seen.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await alice.page.route('**/api/docs/*/files', async (route) => {
      await held;
      await route.continue();
    });
    await pickFile(alice.page, { name: 'harbour.png', mimeType: 'image/png', buffer: png(40, 30) });
    await alice.page.waitForSelector('[data-testid="image-uploading"]:has-text("Uploading harbour.png…")');
    release();
    await alice.page.waitForSelector('[data-testid="image-uploading"]', { state: 'detached' });
    await alice.page.unroute('**/api/docs/*/files');

    const [shown] = await waitForImages(alice.page, 1);
    expect(shown).toMatchObject({ alt: '', width: 40, height: 30 });
    expect(shown?.src).toMatch(/^\/api\/docs\/Photo%20album\/files\/[0-9a-f]{64}$/);
    expect(await waitForImages(bob.page, 1)).toEqual([shown]);

    // Selecting the image shows its tools, in the toolbar and on the image; the alt text
    // dialog sets what both pages say.
    await alice.page.click(images);
    await alice.page.waitForSelector('[data-tool="imageAlt"]:not([hidden])', { state: 'attached' });
    await alice.page.click('[data-testid="image-alt-button"]:has-text("Add alt text")');
    await alice.page.waitForSelector('[data-testid="image-alt-dialog"]');
    await alice.page.fill('[data-testid="image-alt"]', 'The harbour at dawn');
    await alice.page.click('[data-testid="image-alt-save"]');
    await alice.page.waitForSelector('[data-testid="image-alt-dialog"]', { state: 'detached' });
    await expect.poll(async () => (await loadedImages(bob.page)).map((i) => i.alt)).toEqual(['The harbour at dawn']);
    expect((await loadedImages(alice.page)).map((i) => i.alt)).toEqual(['The harbour at dawn']);
  });

  it('are still there after a reload', async () => {
    await waitSaved(alice.page);
    await alice.page.reload();
    await waitSynced(alice.page);
    expect(await waitForImages(alice.page, 1)).toMatchObject([{ alt: 'The harbour at dawn', width: 40, height: 30 }]);
  });

  it('are uploaded when pasted or dropped', async () => {
    const gif = SAMPLE_IMAGES.find((s) => s.type === 'image/gif');
    const webp = SAMPLE_IMAGES.find((s) => s.type === 'image/webp');
    if (!gif || !webp) throw new Error('no samples');
    await focusEnd(alice.page);
    await handOver(alice.page, 'paste', { name: 'pasted.gif', type: 'image/gif', bytes: gif.bytes });
    await waitForImages(bob.page, 2);
    await handOver(alice.page, 'drop', { name: 'dropped.webp', type: 'image/webp', bytes: webp.bytes });
    const all = await waitForImages(bob.page, 3);
    expect(all.map((i) => [i.width, i.height])).toEqual([[40, 30], [1, 1], [1, 1]]);
  });

  it('refuses an SVG with the server\'s reason and inserts nothing', async () => {
    await focusEnd(alice.page);
    await pickFile(alice.page, { name: 'logo.png', mimeType: 'image/png', buffer: SVG });
    const toast = await alice.page.waitForSelector('.toast--error');
    expect(await toast.textContent()).toBe('Could not add “logo.png”: Only PNG, JPEG, GIF and WebP images can be added; this file is an SVG image (SVG can carry scripts).');
    expect(await alice.page.$$(`${editorSelector} figure.image`)).toHaveLength(3);
    expect(await alice.page.$$('[data-testid="image-uploading"]')).toHaveLength(0);
  });

  it('pasted from another document, are copied into it', async () => {
    const [harbour] = await loadedImages(alice.page);
    if (!harbour) throw new Error('no image in the first document');
    await openDocument(bob, session.server.url, 'Scrapbook');
    await focusEnd(bob.page);
    await bob.page.evaluate((html) => {
      const data = new DataTransfer();
      data.setData('text/html', html);
      document.querySelector('[data-testid="editor"] .ProseMirror')?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, `<p>From the album:</p><img src="${harbour.src}" alt="${harbour.alt}">`);
    // Same bytes, so the same name: now under this document.
    const copied = harbour.src.replace('/Photo%20album/', '/Scrapbook/');
    await expect.poll(async () => (await loadedImages(bob.page)).map((i) => i.src)).toEqual([copied]);
    expect((await loadedImages(bob.page))[0]).toMatchObject({ alt: 'The harbour at dawn', width: 40, height: 30 });
  });
});
