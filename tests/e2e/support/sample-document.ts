/** Writes a small but rich document the way a person would, with Markdown-style shortcuts. */
import type { Page } from 'playwright-core';
import { focusEnd } from './browser.js';

export async function writeProductBrief(page: Page): Promise<void> {
  await focusEnd(page);
  const type = (text: string): Promise<void> => page.keyboard.type(text, { delay: 0 });
  const enter = (): Promise<void> => page.keyboard.press('Enter');
  await type('# Tandem launch brief');
  await enter();
  await type('Tandem lets a team write one document together, live, on a server they run themselves. ');
  await type('Every change is saved with its author, so any earlier version can be ');
  await page.keyboard.press('Control+i');
  await type('previewed');
  await page.keyboard.press('Control+i');
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
