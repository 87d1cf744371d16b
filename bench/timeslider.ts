/**
 * `node --import tsx bench/timeslider.ts [changes] [samples]`: the timeslider on a document with
 * 100,000 changes (default), in Chromium against a real `tandem serve`.
 *
 * The document is typed by three people in sessions (bench/load/typed-history.ts): one record
 * per change, written into the data dir through the file store (which checkpoints it as a
 * server does). Then, medians (and 95th percentiles) of `samples` runs (default 5) reported:
 * - the API: `GET /api/docs/<doc>/timeline` answered the first time after the server started
 *   (it replays the whole history once) and again (kept: nothing new to add), and its size;
 * - a link to a point (`/d/<doc>#at=<seq>`) opened in a new page: navigation → the first step
 *   laid out, the page's own load included; the first time after a start, then kept;
 * - the Timeslider button of the history panel: click → the first step laid out, with the
 *   part spent waiting for the answer; the first time after a start (the panel's history
 *   request starts the replay, and the click comes as soon as the button shows), then kept;
 * - stepping, what a person feels: from the key (or the slider's input) to the document shown
 *   and laid out — a change forward and back (→/← from the middle), a session (Page Up/Down),
 *   and jumps to random points.
 * Results go to stdout and bench/results/timeslider.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { FileStore } from '../persistence/file/file-store.js';
import { launchBrowser, newUser, openDocument } from '../tests/e2e/support/browser.js';
import { ensureEditorBuilt } from '../tests/e2e/support/editor-build.js';
import { repoRoot } from '../tests/e2e/support/paths.js';
import { startTandem } from '../tests/e2e/support/tandem-process.js';
import { typedHistory } from './load/typed-history.js';

const changes = Number(process.argv[2] ?? 100_000);
const samples = Number(process.argv[3] ?? 5);
const doc = 'Handbook';

const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
const median = (values: number[]): number => sorted(values)[Math.floor(values.length / 2)] ?? Number.NaN;
const p95 = (values: number[]): number => sorted(values)[Math.min(values.length - 1, Math.floor(values.length * 0.95))] ?? Number.NaN;
const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
const summary = (values: number[]): { medianMs: number; p95Ms: number; count: number } => ({ medianMs: round(median(values)), p95Ms: round(p95(values)), count: values.length });

async function fill(dataDir: string): Promise<{ generateMs: number; writeMs: number; bytes: number }> {
  const started = performance.now();
  const { records } = typedHistory(changes, 20_251);
  const generated = performance.now();
  const store = new FileStore(dataDir, { fsync: false });
  for (let i = 0; i < records.length; i += 5000) await store.appendRecords(doc, records.slice(i, i + 5000));
  await store.close();
  return { generateMs: generated - started, writeMs: performance.now() - generated, bytes: records.reduce((sum, r) => sum + r.update.byteLength, 0) };
}

/** One request, as a browser makes it (gzip accepted): its time, the timeline's size and what went over the wire. */
async function askTimeline(url: string): Promise<{ ms: number; bytes: number; sent: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/api/docs/${encodeURIComponent(doc)}/timeline`, { headers: { 'accept-encoding': 'gzip' } });
  if (!response.ok) throw new Error(`timeline: ${response.status} ${await response.text()}`);
  const bytes = (await response.arrayBuffer()).byteLength;
  return { ms: performance.now() - started, bytes, sent: Number(response.headers.get('content-length')) };
}

/** Clicks "Timeslider" in the history panel; the time to the first step laid out, and of it the answer's wait. */
async function open(page: Page): Promise<Opened> {
  await page.click('[data-testid="history-toggle"]');
  await page.waitForSelector('[data-testid="open-timeslider"]');
  return page.evaluate(
    () =>
      new Promise<Opened>((resolve) => {
        let clicked = 0;
        // Laid out right after the page marks the step shown.
        new PerformanceObserver((list, observer) => {
          if (!list.getEntriesByName('tandem:timeslider-shown').length) return;
          void document.body.offsetHeight;
          const shown = performance.now();
          observer.disconnect();
          const answer = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => e.name.endsWith('/timeline')).at(-1);
          resolve({ openMs: shown - clicked, answerMs: answer ? answer.responseEnd - answer.startTime : Number.NaN });
        }).observe({ entryTypes: ['mark'] });
        clicked = performance.now();
        document.querySelector<HTMLButtonElement>('[data-testid="open-timeslider"]')?.click();
      }),
  );
}

interface StepTimes {
  forward: number[];
  backward: number[];
  session: number[];
  jump: number[];
}

/** Steps through the history with the keyboard and the slider, timing each move to layout. */
async function stepThrough(page: Page, count: number): Promise<StepTimes> {
  // tsx compiles the function below with calls to its naming helper, which the page lacks.
  await page.evaluate('window.__name = (fn) => fn');
  return page.evaluate((count) => {
    const slider = document.querySelector<HTMLInputElement>('[data-testid="timeslider-slider"]');
    if (!slider) throw new Error('no slider');
    const steps = Number(slider.max);
    const timed = (act: () => void): number => {
      const start = performance.now();
      act();
      void document.body.offsetHeight;
      return performance.now() - start;
    };
    const press = (key: string): number => timed(() => slider.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true })));
    const moveTo = (position: number): number =>
      timed(() => {
        slider.value = String(position);
        slider.dispatchEvent(new Event('input', { bubbles: true }));
      });
    let seed = 42;
    const random = (): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    moveTo(Math.floor(steps / 2));
    const forward = Array.from({ length: count }, () => press('ArrowRight'));
    const backward = Array.from({ length: count }, () => press('ArrowLeft'));
    const session = [...Array.from({ length: count / 4 }, () => press('PageUp')), ...Array.from({ length: count / 4 }, () => press('PageDown'))];
    const jump = Array.from({ length: count / 2 }, () => moveTo(Math.floor(random() * (steps + 1))));
    return { forward, backward, session, jump };
  }, count);
}

/** Opens the link to a point in a new page: navigation → the first step laid out (the page marks it shown). */
async function openLink(page: Page, url: string): Promise<number> {
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('tandem:timeslider-shown').length > 0, undefined, { timeout: 120_000 });
  return page.evaluate(() => performance.getEntriesByName('tandem:timeslider-shown')[0]?.startTime ?? Number.NaN);
}

interface Opened {
  openMs: number;
  answerMs: number;
}

await ensureEditorBuilt();
const dataDir = await mkdtemp(join(tmpdir(), 'tandem-bench-timeslider-'));
const filled = await fill(dataDir);
const server = await startTandem(['--data-dir', dataDir]);
const browser = await launchBrowser();
const reader = async (i: number) => newUser(browser, `Reader ${i}`, '#37474f');
try {
  const apiCold = await askTimeline(server.url);
  const apiWarm: number[] = [];
  for (let i = 0; i < samples; i++) apiWarm.push((await askTimeline(server.url)).ms);

  // A link to a point, the first time after a start (the server replays the history), then kept.
  const link = `${server.url}/d/${doc}#at=${Math.floor(changes / 2)}`;
  await server.restart();
  const linkCold = await openLink((await reader(0)).page, link);
  const linkWarm: number[] = [];
  for (let i = 0; i < samples; i++) {
    const user = await reader(i);
    linkWarm.push(await openLink(user.page, link));
    await user.context.close();
  }

  // From the history panel: the first time after a start (the panel's request starts the
  // replay; the click comes as soon as the button shows), then kept. The last page steps.
  await server.restart();
  const panel: Opened[] = [];
  let steps: StepTimes | null = null;
  for (let i = 0; i <= samples; i++) {
    const user = await reader(i);
    await openDocument(user, server.url, doc);
    panel.push(await open(user.page));
    if (i === samples) steps = await stepThrough(user.page, 200);
    if (user.errors.length > 0) throw new Error(`console errors: ${user.errors.join('; ')}`);
    await user.context.close();
  }
  const [panelCold, ...panelWarm] = panel as [Opened, ...Opened[]];
  const moves = steps as StepTimes;
  const result = {
    changes,
    samples,
    history: { recordBytes: filled.bytes, generateMs: Math.round(filled.generateMs), writeMs: Math.round(filled.writeMs) },
    api: { bytes: apiCold.bytes, gzipBytes: apiCold.sent, coldMs: Math.round(apiCold.ms), warmMedianMs: Math.round(median(apiWarm)) },
    link: { coldMs: Math.round(linkCold), warmMedianMs: Math.round(median(linkWarm)), warmMs: linkWarm.map(Math.round) },
    panel: {
      coldMs: Math.round(panelCold.openMs),
      coldAnswerMs: Math.round(panelCold.answerMs),
      warmMedianMs: Math.round(median(panelWarm.map((o) => o.openMs))),
      warmAnswerMedianMs: Math.round(median(panelWarm.map((o) => o.answerMs))),
      warmMs: panelWarm.map((o) => Math.round(o.openMs)),
    },
    step: { forward: summary(moves.forward), backward: summary(moves.backward), session: summary(moves.session), jump: summary(moves.jump) },
  };
  const dir = join(repoRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'timeslider.json'), `${JSON.stringify(result, null, 2)}\n`);
  const st = result.step;
  console.log(
    [
      `${changes} changes (${(filled.bytes / 1e6).toFixed(1)} MB of updates); timeline ${(apiCold.bytes / 1e6).toFixed(2)} MB (${(apiCold.sent / 1e6).toFixed(2)} MB gzipped), answered in ${result.api.coldMs} ms the first time, ${result.api.warmMedianMs} ms kept`,
      `link to a point → first step laid out: ${result.link.coldMs} ms the first time after a start, ${result.link.warmMedianMs} ms kept (median of ${samples}; from navigation, the page's own load included)`,
      `Timeslider button → first step laid out: ${result.panel.coldMs} ms the first time after a start (${result.panel.coldAnswerMs} ms of it the answer), ${result.panel.warmMedianMs} ms kept (${result.panel.warmAnswerMedianMs} ms the answer; median of ${samples})`,
      `step (median / p95): change forward ${st.forward.medianMs} / ${st.forward.p95Ms} ms, back ${st.backward.medianMs} / ${st.backward.p95Ms} ms, session ${st.session.medianMs} / ${st.session.p95Ms} ms, random jump ${st.jump.medianMs} / ${st.jump.p95Ms} ms`,
    ].join('\n'),
  );
} finally {
  await browser.close();
  await server.dispose();
  await rm(dataDir, { recursive: true, force: true });
}
