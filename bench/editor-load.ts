/**
 * `node --import tsx bench/editor-load.ts [samples]`: how long the editor takes from navigation
 * to an editable, synced document, in Chromium against a real `tandem serve`.
 *
 * The page marks `tandem:synced` (performance.mark) when the document is synced and editable;
 * its startTime is measured from the navigation. Two kinds of visit, `samples` of each
 * (default 7), medians reported:
 * - first visit: a new browser profile, nothing cached, no local copy of the document;
 * - return visit: the same profile again, with cached assets and the IndexedDB copy.
 *
 * The document is the README's sample (a short product brief, written once by a first user).
 * Results go to stdout and bench/results/editor-load.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, newUser, openDocument, docUrl, waitSynced, type User } from '../tests/e2e/support/browser.js';
import { ensureEditorBuilt } from '../tests/e2e/support/editor-build.js';
import { repoRoot } from '../tests/e2e/support/paths.js';
import { writeProductBrief } from '../tests/e2e/support/sample-document.js';
import { startTandem } from '../tests/e2e/support/tandem-process.js';

const samples = Number(process.argv[2] ?? 7);
const doc = 'Launch brief';

const syncedAt = (user: User): Promise<number> =>
  user.page.evaluate(() => performance.getEntriesByName('tandem:synced')[0]?.startTime ?? Number.NaN);

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

await ensureEditorBuilt();
const server = await startTandem([]);
const browser = await launchBrowser();
try {
  const author = await newUser(browser, 'Alice Martin', '#c62828');
  await openDocument(author, server.url, doc);
  await writeProductBrief(author.page);
  await author.context.close();

  const fresh: number[] = [];
  const repeat: number[] = [];
  for (let i = 0; i < samples; i++) {
    const visitor = await newUser(browser, `Visitor ${i}`, '#37474f');
    await openDocument(visitor, server.url, doc);
    fresh.push(await syncedAt(visitor));
    await visitor.page.goto(docUrl(server.url, doc));
    await waitSynced(visitor.page);
    repeat.push(await syncedAt(visitor));
    if (visitor.errors.length > 0) throw new Error(`console errors: ${visitor.errors.join('; ')}`);
    await visitor.context.close();
  }
  const result = {
    samples,
    firstVisitMedianMs: Math.round(median(fresh)),
    returnVisitMedianMs: Math.round(median(repeat)),
    firstVisitMs: fresh.map(Math.round),
    returnVisitMs: repeat.map(Math.round),
  };
  const dir = join(repoRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'editor-load.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`navigation → editable, synced document (median of ${samples}): first visit ${result.firstVisitMedianMs} ms, return visit ${result.returnVisitMedianMs} ms`);
} finally {
  await browser.close();
  await server.dispose();
}
