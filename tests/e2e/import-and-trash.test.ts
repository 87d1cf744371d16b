/**
 * The documents page's import and trash, in Chromium: a Word file (with a table and an image)
 * imported from the home page opens as a document with its table and its image; deleting it
 * from the list disconnects someone who has it open, who is told so; the Trash tab lists it and
 * Restore brings it back with its content; Export → Word gives a file that imports again.
 * Restored under another name (a new document holds the old one), it still shows its image.
 */
import { readFile } from 'node:fs/promises';
import { Document, HeadingLevel, ImageRun, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import { afterAll, describe, expect, it } from 'vitest';
import { newUser, openDocument, waitSynced, type User } from './support/browser.js';
import { useServerAndBrowser } from './support/session.js';

const session = useServerAndBrowser();
const users: User[] = [];
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

afterAll(async () => {
  for (const user of users) {
    expect(user.errors, `${user.name}'s console`).toEqual([]);
    await user.context.close();
  }
});

async function budgetDocx(): Promise<Buffer> {
  const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
  return Packer.toBuffer(
    new Document({
      sections: [
        {
          children: [
            new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun('Budget 2026')] }),
            new Table({ rows: [new TableRow({ tableHeader: true, children: [cell('Item'), cell('Cost')] }), new TableRow({ children: [cell('Venue'), cell('1200')] })] }),
            new Paragraph({ children: [new ImageRun({ type: 'png', data: PNG, transformation: { width: 16, height: 16 } })] }),
          ],
        },
      ],
    }),
  );
}

describe('importing and the trash on the documents page', () => {
  it('imports a Word file, deletes it (its reader is told) and restores it from the trash', async () => {
    const ada = await newUser(session.browser, 'Ada', '#1a56db');
    const bob = await newUser(session.browser, 'Bob', '#b42318');
    users.push(ada, bob);
    const { page } = ada;

    await page.goto(`${session.server.url}/`);
    await page.setInputFiles('[data-testid="import-file"]', { name: 'Budget.docx', mimeType: DOCX, buffer: await budgetDocx() });
    expect(await page.inputValue('[data-testid="import-name"]')).toBe('Budget');
    await page.fill('[data-testid="import-name"]', 'Budget 2026');
    await page.click('[data-testid="import-submit"]');
    // Nothing was left out: the document opens at once, its image a file of its own.
    await waitSynced(page);
    expect(await page.textContent('.ProseMirror h1')).toBe('Budget 2026');
    await expect.poll(() => page.$eval('.ProseMirror img', (img) => (img as HTMLImageElement).naturalWidth)).toBe(1);
    expect(await page.$$eval('.ProseMirror table th', (cells) => cells.map((c) => c.textContent))).toEqual(['Item', 'Cost']);
    expect(await page.$$eval('.ProseMirror table td', (cells) => cells.map((c) => c.textContent))).toEqual(['Venue', '1200']);

    await openDocument(bob, session.server.url, 'Budget 2026');

    await page.goto(`${session.server.url}/`);
    const row = page.locator('li.doc-row', { has: page.locator('a.doc-link[data-name="Budget 2026"]') });
    await row.hover();
    await row.locator('[data-testid="doc-delete"]').click();
    await expect.poll(() => page.locator('a.doc-link[data-name="Budget 2026"]').count()).toBe(0);
    // Bob had it open: he is told it went to the trash.
    await bob.page.waitForSelector('.toast--error');
    expect(await bob.page.textContent('.toast--error')).toMatch(/moved to the trash/);

    await page.click('[data-testid="tab-trash"]');
    const trashed = page.locator('[data-testid="trash-row"][data-name="Budget 2026"]');
    await trashed.waitFor();
    expect(await trashed.textContent()).toMatch(/Deleted .* kept until/);
    await trashed.locator('[data-testid="restore"]').click();
    await trashed.locator('text=Restored').waitFor();
    await page.click('[data-testid="tab-documents"]');
    await page.locator('a.doc-link[data-name="Budget 2026"]').waitFor();

    await page.click('a.doc-link[data-name="Budget 2026"]');
    await waitSynced(page);
    expect(await page.textContent('.ProseMirror h1')).toBe('Budget 2026');
    expect(await page.$$eval('.ProseMirror table td', (cells) => cells.map((c) => c.textContent))).toEqual(['Venue', '1200']);

    // Export → Word downloads a .docx that imports back with its table.
    await page.click('[data-testid="export-menu"]');
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('[role="menuitem"]:has-text("Word")')]);
    expect(file.suggestedFilename()).toBe('Budget 2026.docx');
    const again = await fetch(`${session.server.url}/api/docs/${encodeURIComponent('Budget copy')}/import?format=docx`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: await readFile(await file.path()),
      signal: AbortSignal.timeout(30_000),
    });
    expect(again.status).toBe(201);
    const copy = await fetch(`${session.server.url}/api/docs/${encodeURIComponent('Budget copy')}/export?format=text`, { signal: AbortSignal.timeout(30_000) });
    expect(await copy.text()).toBe('Budget 2026\n\nItem\tCost\nVenue\t1200\n');
  });

  it('shows the image of a document restored under another name', async () => {
    const [ada] = users as [User];
    const { page } = ada;
    const api = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${session.server.url}/api/docs/${encodeURIComponent('Budget 2026')}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
    expect((await api('', { method: 'DELETE' })).status).toBe(200);
    // A new document takes the name: the deleted one's content names it, but it has no such file.
    const fresh = await api('/import?format=markdown', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: '# Budget 2027\n' });
    expect(fresh.status).toBe(201);

    await page.goto(`${session.server.url}/`);
    await page.click('[data-testid="tab-trash"]');
    const trashed = page.locator('[data-testid="trash-row"][data-name="Budget 2026"]');
    await trashed.locator('[data-testid="restore"]').click();
    expect(await trashed.locator('[data-testid="restore-as-name"]').inputValue()).toBe('Budget 2026 (restored)');
    await trashed.locator('[data-testid="restore-as"]').click();
    await trashed.locator('text=Restored').waitFor();
    // The first attempt, into the name a document holds, was refused (409), as it must be.
    ada.errors.splice(0, ada.errors.length, ...ada.errors.filter((e) => !/status of 409/.test(e)));

    await openDocument(ada, session.server.url, 'Budget 2026 (restored)');
    expect(await page.textContent('.ProseMirror h1')).toBe('Budget 2026');
    await expect.poll(() => page.$eval('.ProseMirror img', (img) => (img as HTMLImageElement).naturalWidth)).toBe(1);
    expect(await page.$eval('.ProseMirror img', (img) => new URL((img as HTMLImageElement).src).pathname)).toMatch(/^\/api\/docs\/Budget%202026%20\(restored\)\/files\/[0-9a-f]{64}$/);
    expect(await page.isVisible('.image__note')).toBe(false);
  });
});
