/** Writes a small but rich document the way a person would, with Markdown-style shortcuts. */
import type { Page } from 'playwright-core';
import { focusEnd } from './browser.js';

/** Typing at the end of the document, as a person would: text, Enter, and italics on and off. */
async function typist(page: Page): Promise<{ type(text: string): Promise<void>; enter(): Promise<void>; italic(): Promise<void> }> {
  await focusEnd(page);
  return {
    type: (text) => page.keyboard.type(text, { delay: 0 }),
    enter: () => page.keyboard.press('Enter'),
    italic: () => page.keyboard.press('Control+i'),
  };
}

export async function writeProductBrief(page: Page): Promise<void> {
  const { type, enter, italic } = await typist(page);
  await type('# Tandem launch brief');
  await enter();
  await type('Tandem lets a team write one document together, live, on a server they run themselves. ');
  await type('Every change is saved with its author, so any earlier version can be ');
  await italic();
  await type('previewed');
  await italic();
  await type(' and restored.');
  await enter();
  await type('## Goals');
  await enter();
  await type('- Open a link and start writing');
  await enter();
  await type('Keep working offline; merge later');
  await enter();
  await type('Never lose an edit, even on a crash');
  await enter();
  await enter();
  await type('> Writing together should feel like writing alone, with company.');
  await enter();
  await enter();
  await type('## Try it');
  await enter();
  await type('``` '); // the space ends the input rule; '```npm' would name a language
  await type('npm install && npm start');
}

/** Teams writing in Tandem each week of the beta: the chart's data. */
export const WEEKLY_TEAMS = [6, 11, 17, 26, 34, 51, 68, 93, 118, 140];

/**
 * A bar chart of WEEKLY_TEAMS as a real PNG, drawn by the page's own canvas (nothing
 * downloaded): what a person would paste from a spreadsheet.
 */
export async function drawChart(page: Page): Promise<Buffer> {
  const dataUrl = await page.evaluate((values) => {
    const width = 1120;
    const height = 380;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d');
    if (!g) throw new Error('no 2D canvas');
    const font = (size: number, weight = 400): string => `${weight} ${size}px system-ui, "DejaVu Sans", sans-serif`;
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, width, height);
    g.fillStyle = '#1f2328';
    g.font = font(30, 700);
    g.fillText('Teams writing in Tandem, per week of the beta', 40, 54);
    const left = 96;
    const right = width - 40;
    const top = 100;
    const bottom = height - 56;
    const max = 160;
    g.font = font(22);
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let v = 0; v <= max; v += 40) {
      const y = bottom - ((bottom - top) * v) / max;
      g.strokeStyle = v === 0 ? '#8c959f' : '#e6e9ed';
      g.lineWidth = 2;
      g.beginPath();
      g.moveTo(left, y);
      g.lineTo(right, y);
      g.stroke();
      g.fillStyle = '#57606a';
      g.fillText(String(v), left - 14, y);
    }
    const slot = (right - left) / values.length;
    g.textAlign = 'center';
    values.forEach((value, i) => {
      const x = left + slot * i + slot * 0.18;
      const w = slot * 0.64;
      const y = bottom - ((bottom - top) * value) / max;
      const last = i === values.length - 1;
      g.fillStyle = last ? '#1a56db' : '#9bb7ef';
      g.beginPath();
      g.roundRect(x, y, w, bottom - y, [6, 6, 0, 0]);
      g.fill();
      g.fillStyle = last ? '#1a56db' : '#57606a';
      g.font = font(22, last ? 700 : 400);
      g.textBaseline = 'bottom';
      g.fillText(String(value), x + w / 2, y - 6);
      g.fillStyle = '#57606a';
      g.font = font(22);
      g.textBaseline = 'top';
      g.fillText(`W${i + 1}`, x + w / 2, bottom + 12);
    });
    return canvas.toDataURL('image/png');
  }, WEEKLY_TEAMS);
  return Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
}

/** The README's document: a plan with a table of milestones and a chart, typed as a person would. */
export async function writeLaunchPlan(page: Page, chart: Buffer): Promise<void> {
  const { type, enter, italic } = await typist(page);
  await type('# Tandem launch plan');
  await enter();
  await type('We open Tandem to everyone on April 14. Every change is saved with its author, so the whole team can ');
  await italic();
  await type('see');
  await italic();
  await type(' how the plan got here. The goal: 1,000 teams writing together by the end of June.');
  await enter();
  await type('## Milestones');
  await enter();
  await page.click('[data-tool="insertTable"]');
  // The caret starts in the first header cell; Tab moves on, row by row.
  for (const cell of ['Milestone', 'Owner', 'When', 'Private beta', 'Alice Martin', 'March 3', 'Public launch', 'Bob Chen', 'April 14']) {
    await type(cell);
    await page.keyboard.press('Tab');
  }
  // Tab in the last cell added a row; it stays for the third milestone.
  for (const cell of ['1,000 teams', 'Carol Diaz']) {
    await type(cell);
    await page.keyboard.press('Tab');
  }
  await type('June 30');
  // Out of the table, into the paragraph after it: the chart goes there.
  await page.keyboard.press('Control+End');
  await type('## Beta so far');
  await enter();
  const chooser = page.waitForEvent('filechooser');
  await page.click('[data-tool="image"]');
  await (await chooser).setFiles({ name: 'weekly-teams.png', mimeType: 'image/png', buffer: chart });
  await page.waitForSelector('[data-testid="editor"] .ProseMirror img');
  await page.keyboard.press('Control+End');
  await type('Sign-ups have doubled every two weeks since the private beta opened.');
}
