/**
 * Tables, checklists, underline, highlight, alignment and horizontal lines between two writers
 * and a viewer (a server with access tokens, so the viewer is read-only): what one does the
 * others see; the viewer cannot tick boxes; the export holds the table and the checklist; the
 * page prints without its chrome.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useServerAndBrowser } from './support/session.js';
import { AUTH_SECRET, mintToken } from './support/tokens.js';
import { contentHtml, editorSelector, focusEnd, newUser, openDocument, selectBlock, waitConverged, waitSaved, type User } from './support/browser.js';

const session = useServerAndBrowser(['--auth-secret', AUTH_SECRET]);
const doc = 'plans/offsite';
let alice: User;
let bob: User;
let carol: User;

/** Rows × columns of the document's first table, and how many header cells it has. */
function tableShape(page: Page): Promise<{ rows: number; columns: number; headers: number }> {
  return page.$eval(`${editorSelector} table`, (table) => ({
    rows: table.querySelectorAll('tr').length,
    columns: table.querySelector('tr')?.children.length ?? 0,
    headers: table.querySelectorAll('th').length,
  }));
}

async function expectShape(pages: Page[], shape: { rows: number; columns: number; headers: number }): Promise<void> {
  for (const page of pages) await expect.poll(() => tableShape(page)).toEqual(shape);
}

const tool = (page: Page, id: string): Promise<void> => page.click(`[data-tool="${id}"]`);

beforeAll(async () => {
  alice = await newUser(session.browser, 'Alice', '#c62828');
  bob = await newUser(session.browser, 'Bob', '#1565c0');
  carol = await newUser(session.browser, 'Carol', '#2e7d32');
  await openDocument(alice, session.server.url, doc, `?token=${await mintToken('alice', 'Alice', 'write', ['plans/*'])}`);
  await openDocument(bob, session.server.url, doc, `?token=${await mintToken('bob', 'Bob', 'write', ['plans/*'])}`);
  await openDocument(carol, session.server.url, doc, `?token=${await mintToken('carol', 'Carol', 'read', ['plans/*'])}`);
});

describe('rich content with two writers and a viewer', () => {
  it('builds a table, adds and removes a row and a column, toggles the header row: all see the same', async () => {
    const everyone = [alice.page, bob.page, carol.page];
    await focusEnd(alice.page);
    await alice.page.keyboard.type('Budget');
    await alice.page.keyboard.press('Enter');
    // The table tools show only inside a table.
    expect(await alice.page.isVisible('[data-tool="addRowAfter"]')).toBe(false);
    await tool(alice.page, 'insertTable');
    await expect.poll(() => alice.page.isVisible('[data-tool="addRowAfter"]')).toBe(true);
    // The caret starts in the first header cell; Tab moves on, row by row.
    for (const cell of ['Item', 'Cost', 'Owner', 'Venue', '1200', 'Alice', 'Food', '800', 'Bob']) {
      await alice.page.keyboard.type(cell);
      await alice.page.keyboard.press('Tab');
    }
    // Tab in the last cell added a fourth row.
    await expectShape(everyone, { rows: 4, columns: 3, headers: 3 });
    await alice.page.keyboard.type('Travel');

    await tool(alice.page, 'deleteRow');
    await expectShape(everyone, { rows: 3, columns: 3, headers: 3 });
    const cell = (page: Page, text: string): Promise<void> => page.click(`${editorSelector} :is(td, th):has-text("${text}")`);
    await cell(alice.page, 'Venue');
    await tool(alice.page, 'addRowAfter');
    await expectShape(everyone, { rows: 4, columns: 3, headers: 3 });
    await cell(alice.page, 'Cost');
    await tool(alice.page, 'addColumnAfter');
    await expectShape(everyone, { rows: 4, columns: 4, headers: 4 });
    // The new, empty third column goes again.
    await alice.page.click(`${editorSelector} tr:nth-child(2) > :nth-child(3)`);
    await tool(alice.page, 'deleteColumn');
    await expectShape(everyone, { rows: 4, columns: 3, headers: 3 });
    await tool(alice.page, 'toggleHeaderRow');
    await expectShape(everyone, { rows: 4, columns: 3, headers: 0 });
    await expect.poll(() => alice.page.getAttribute('[data-tool="toggleHeaderRow"]', 'aria-pressed')).toBe('false');

    // Bob, in cells of his own, turns the header row back on and deletes the empty row.
    await cell(bob.page, 'Food');
    await tool(bob.page, 'toggleHeaderRow');
    await expectShape(everyone, { rows: 4, columns: 3, headers: 3 });
    await bob.page.click(`${editorSelector} tr:nth-child(3) td:first-child`);
    await tool(bob.page, 'deleteRow');
    await expectShape(everyone, { rows: 3, columns: 3, headers: 3 });
    const html = await waitConverged(everyone);
    expect(html).toContain('<th colspan="1" rowspan="1"><p>Item</p></th>');
    const cells = await alice.page.$$eval(`${editorSelector} tr`, (rows) =>
      // Without Bob's caret, whose name label sits in the text.
      rows.map((r) => [...r.children].map((c) => [...c.querySelectorAll('p')].map((p) => p.textContent?.replace(p.querySelector('.collaboration-carets__label')?.textContent ?? '', '')).join(''))),
    );
    expect(cells).toEqual([
      ['Item', 'Cost', 'Owner'],
      ['Venue', '1200', 'Alice'],
      ['Food', '800', 'Bob'],
    ]);
    expect(html).toContain('<td colspan="1" rowspan="1"><p>Food</p></td>');
  });

  it('a checklist written by one is ticked by the other; the viewer cannot tick it', async () => {
    // Out of the table: a table inserted at the end of the document has a paragraph after it.
    await alice.page.click(`${editorSelector} td:has-text("Bob")`);
    await alice.page.keyboard.press('End');
    await alice.page.keyboard.press('ArrowDown');
    expect(await alice.page.$eval(`${editorSelector} .tableWrapper + p`, (p) => p.textContent)).toBe('');
    await alice.page.keyboard.type('Book the venue');
    await tool(alice.page, 'taskList');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Send the invitations');
    const items = (page: Page): Promise<{ text: string; checked: string | null; disabled: boolean }[]> =>
      page.$$eval(`${editorSelector} ul[data-type="taskList"] > li`, (lis) =>
        lis.map((li) => ({ text: li.textContent ?? '', checked: li.getAttribute('data-checked'), disabled: li.querySelector('input')?.disabled ?? false })),
      );
    for (const page of [bob.page, carol.page]) {
      await expect
        .poll(() => items(page))
        .toEqual([
          expect.objectContaining({ text: expect.stringContaining('Book the venue') as string, checked: 'false' }),
          expect.objectContaining({ text: expect.stringContaining('Send the invitations') as string, checked: 'false' }),
        ]);
    }
    expect((await items(bob.page)).map((i) => i.disabled)).toEqual([false, false]);
    expect((await items(carol.page)).map((i) => i.disabled)).toEqual([true, true]);

    await bob.page.check(`${editorSelector} ul[data-type="taskList"] > li:first-child input[type="checkbox"]`);
    await expect.poll(async () => (await items(alice.page)).map((i) => i.checked)).toEqual(['true', 'false']);
    await expect.poll(async () => (await items(carol.page)).map((i) => i.checked)).toEqual(['true', 'false']);

    // The viewer's click changes nothing, here or for the others.
    await carol.page.click(`${editorSelector} ul[data-type="taskList"] > li:last-child input[type="checkbox"]`, { force: true });
    expect(await carol.page.isChecked(`${editorSelector} ul[data-type="taskList"] > li:last-child input[type="checkbox"]`)).toBe(false);
    await waitSaved(bob.page);
    expect((await items(bob.page)).map((i) => i.checked)).toEqual(['true', 'false']);
  });

  it('underline, highlight, centring and a horizontal line reach everyone', async () => {
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Everyone is welcome');
    await selectBlock(alice.page, 'Everyone is welcome');
    await alice.page.keyboard.press('Control+u');
    await tool(alice.page, 'highlight');
    await alice.page.keyboard.press('Control+Shift+e');
    await expect.poll(() => alice.page.getAttribute('[data-tool="align-center"]', 'aria-pressed')).toBe('true');
    await alice.page.keyboard.press('End');
    await tool(alice.page, 'horizontalRule');
    const html = await waitConverged([alice.page, bob.page]);
    // The viewer sees the same, with disabled checkboxes.
    await expect.poll(async () => (await contentHtml(carol.page)).replaceAll(' disabled=""', '')).toBe(html);
    expect(html).toContain('<p class="align-center"><u><mark>Everyone is welcome</mark></u></p><hr');
    // Rendered as a class: the page's CSP refuses style attributes (the suite fails on any violation).
    expect(await bob.page.$eval(`${editorSelector} p.align-center`, (p) => getComputedStyle(p).textAlign)).toBe('center');
  });

  it('exports the table and the checklist as HTML and Markdown', async () => {
    await waitSaved(alice.page);
    const token = await mintToken('alice', 'Alice', 'write', ['plans/*']);
    const fetchExport = async (format: string): Promise<string> => {
      const response = await fetch(`${session.server.url}/api/docs/${encodeURIComponent(doc)}/export?format=${format}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return response.text();
    };
    const html = await fetchExport('html');
    expect(html).toContain('<table><tbody><tr><th colspan="1" rowspan="1"><p>Item</p></th>');
    expect(html).toContain('<ul data-type="taskList"><li data-checked="true" data-type="taskItem">');
    expect(html).toContain('<p style="text-align: center;"><u><mark>Everyone is welcome</mark></u></p><hr>');
    const markdown = await fetchExport('markdown');
    expect(markdown).toMatch(/\| Item +\| Cost +\| Owner +\|\n\| -+ \| -+ \| -+ \|\n\| Venue +\| 1200 +\| Alice +\|\n\| Food +\| 800 +\| Bob +\|/);
    expect(markdown).toContain('- [x] Book the venue\n- [ ] Send the invitations');
    expect(markdown).toContain('<div align="center">\n\n<u><mark>Everyone is welcome</mark></u>\n\n</div>\n\n---');
  });

  it('prints the document alone, with table borders', async () => {
    await bob.page.emulateMedia({ media: 'print' });
    try {
      for (const chrome of ['.topbar', '[data-testid="toolbar"]', '.statusbar']) expect(await bob.page.isVisible(chrome), chrome).toBe(false);
      expect(await bob.page.$eval(`${editorSelector} td`, (td) => getComputedStyle(td).borderTopStyle)).toBe('solid');
      // The page flows onto paper instead of scrolling inside the viewport.
      expect(await bob.page.$eval('.canvas', (c) => getComputedStyle(c).overflowY)).toBe('visible');
    } finally {
      await bob.page.emulateMedia({ media: 'screen' });
    }
  });

  it('logs no console errors', () => {
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
    expect(carol.errors).toEqual([]);
  });
});
