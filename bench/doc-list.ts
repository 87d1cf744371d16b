/**
 * `node --import tsx bench/doc-list.ts [documents] [samples]`: the documents page with many
 * documents (default 1,000), in Chromium against a real `tandem serve`.
 *
 * The data dir is filled through the file store (one authored record per document, names
 * with accents and numbers), then, `samples` times (default 5), medians reported:
 * - listed: navigation → the list shown and searchable (the page marks `tandem:docs-listed`),
 *   and of that, the part after the `/api/docs` response arrived (building the list);
 * - keystroke: typing a query one character at a time and deleting it again, the time from
 *   the input event to the next layout, per keystroke (median and worst);
 * - sort: switching between the two orders, from the change event to the next layout.
 * Results go to stdout and bench/results/doc-list.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { FileStore } from '../persistence/file/file-store.js';
import { launchBrowser, newUser } from '../tests/e2e/support/browser.js';
import { ensureEditorBuilt } from '../tests/e2e/support/editor-build.js';
import { repoRoot } from '../tests/e2e/support/paths.js';
import { startTandem } from '../tests/e2e/support/tandem-process.js';

const count = Number(process.argv[2] ?? 1000);
const samples = Number(process.argv[3] ?? 5);
const TOPICS = ['Réunion', 'Budget', 'Meeting notes', 'Plan', 'Über uns', 'Roadmap', 'Retro', 'Café menu', 'Hiring', 'Launch'];
const AUTHORS = ['ada', 'bob', 'carol', 'dave', null];
const QUERY = 'meeting 4';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function fill(dataDir: string): Promise<void> {
  const store = new FileStore(dataDir, { fsync: false });
  for (let i = 0; i < count; i++) {
    const doc = new Y.Doc();
    doc.getXmlFragment('default').insert(0, [new Y.XmlElement('paragraph')]);
    await store.append(`${TOPICS[i % TOPICS.length]} ${i}`, Y.encodeStateAsUpdate(doc), { author: AUTHORS[i % AUTHORS.length] ?? null });
  }
  await store.close();
}

await ensureEditorBuilt();
const dataDir = await mkdtemp(join(tmpdir(), 'tandem-bench-docs-'));
await fill(dataDir);
const server = await startTandem(['--data-dir', dataDir]);
const browser = await launchBrowser();
try {
  const listed: number[] = [];
  const built: number[] = [];
  const keystrokes: number[] = [];
  const sorts: number[] = [];
  for (let i = 0; i < samples; i++) {
    const user = await newUser(browser, `Visitor ${i}`, '#37474f');
    await user.page.goto(server.url);
    await user.page.waitForFunction(() => performance.getEntriesByName('tandem:docs-listed').length > 0, undefined, { timeout: 60_000 });
    const marks = await user.page.evaluate(() => ({
      listed: performance.getEntriesByName('tandem:docs-listed')[0]?.startTime ?? Number.NaN,
      response: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => e.name.endsWith('/api/docs'))?.responseEnd ?? Number.NaN,
    }));
    listed.push(marks.listed);
    built.push(marks.listed - marks.response);
    const shown = await user.page.$$eval('[data-testid="doc-list"] a.doc-link', (links) => links.length);
    if (shown !== count) throw new Error(`the page lists ${shown} documents, not ${count}`);
    keystrokes.push(
      ...(await user.page.evaluate((query) => {
        const input = document.querySelector<HTMLInputElement>('[data-testid="doc-search"]');
        if (!input) throw new Error('no search box');
        const times: number[] = [];
        const values = [...Array.from({ length: query.length }, (_, n) => query.slice(0, n + 1)), ...Array.from({ length: query.length }, (_, n) => query.slice(0, query.length - n - 1))];
        for (const value of values) {
          const start = performance.now();
          input.value = value;
          input.dispatchEvent(new Event('input', { bubbles: true }));
          void document.body.offsetHeight;
          times.push(performance.now() - start);
        }
        return times;
      }, QUERY)),
    );
    sorts.push(
      ...(await user.page.evaluate(() => {
        const select = document.querySelector<HTMLSelectElement>('[data-testid="doc-sort"]');
        if (!select) throw new Error('no sort menu');
        const times: number[] = [];
        for (const order of ['name', 'changed', 'name', 'changed']) {
          const start = performance.now();
          select.value = order;
          select.dispatchEvent(new Event('change', { bubbles: true }));
          void document.body.offsetHeight;
          times.push(performance.now() - start);
        }
        return times;
      })),
    );
    if (user.errors.length > 0) throw new Error(`console errors: ${user.errors.join('; ')}`);
    await user.context.close();
  }
  const result = {
    documents: count,
    samples,
    listedMedianMs: Math.round(median(listed)),
    builtMedianMs: Math.round(median(built)),
    keystrokeMedianMs: Number(median(keystrokes).toFixed(1)),
    keystrokeWorstMs: Number(Math.max(...keystrokes).toFixed(1)),
    sortMedianMs: Number(median(sorts).toFixed(1)),
    listedMs: listed.map(Math.round),
  };
  const dir = join(repoRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'doc-list.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `${count} documents: listed ${result.listedMedianMs} ms after navigation (${result.builtMedianMs} ms of it building the list); a keystroke in the search ${result.keystrokeMedianMs} ms (worst ${result.keystrokeWorstMs} ms); a change of order ${result.sortMedianMs} ms (medians of ${samples})`,
  );
} finally {
  await browser.close();
  await server.dispose();
  await rm(dataDir, { recursive: true, force: true });
}
