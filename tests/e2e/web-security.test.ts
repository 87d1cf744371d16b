/**
 * Web security in a real browser: a page on another origin that a Tandem user visits cannot
 * make their browser restore a document on an open Tandem (form posts of every kind, simple
 * fetches, a JSON fetch that needs a preflight), while the editor's own origin can; and the
 * Content-Security-Policy watch that every e2e test runs under does catch a violation.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/session.js';
import { takeViolations } from './support/csp-watch.js';
import { contentText, focusEnd, newUser, openDocument, waitSaved, type User } from './support/browser.js';

const session = useServerAndBrowser();
const DOC = 'cross-site target';
const restorePath = `/api/docs/${encodeURIComponent(DOC)}/restore`;

/** The forms a hostile page can post without a preflight, each asking to restore seq 1. */
const FORMS: Record<string, { enctype: string; fields: string }> = {
  'text/plain': {
    enctype: 'text/plain',
    // Sent as {"at":1,"pad":"="}: a body that is JSON, under a type a form may send.
    fields: `<input name='{"at":1,"pad":"' value='"}'>`,
  },
  urlencoded: { enctype: 'application/x-www-form-urlencoded', fields: '<input name="at" value="1">' },
  multipart: { enctype: 'multipart/form-data', fields: '<input name="at" value="1">' },
};

/** The hostile site: a plain HTTP server on its own loopback port, serving auto-submitting forms. */
function startHostileSite(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const kind = new URL(req.url ?? '/', 'http://x').searchParams.get('form');
    const form = kind === null ? undefined : FORMS[kind];
    const body = form
      ? `<form method="POST" action="${target}${restorePath}" enctype="${form.enctype}">${form.fields}</form><script>document.forms[0].submit()</script>`
      : '<p>Nothing to see here.</p>';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Win a prize</title>${body}`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function records(): Promise<number> {
  const res = await fetch(`${session.server.url}/api/docs/${encodeURIComponent(DOC)}/history`, { signal: AbortSignal.timeout(20_000) });
  return ((await res.json()) as { records: number }).records;
}

/** API requests the server has refused with 403, from its metrics. */
async function refusedCount(): Promise<number> {
  const res = await fetch(`${session.server.url}/metrics`, { signal: AbortSignal.timeout(20_000) });
  const line = (await res.text()).split('\n').find((l) => l.startsWith('tandem_api_requests_refused_total{status="403"}'));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** Navigates `page` to the hostile form and returns Tandem's answer to the post it makes. */
async function postForm(page: Page, siteUrl: string, kind: string): Promise<{ status: number; body: string }> {
  const answer = page.waitForResponse((r) => r.url().endsWith(restorePath) && r.request().method() === 'POST', { timeout: 20_000 });
  await page.goto(`${siteUrl}/?form=${encodeURIComponent(kind)}`);
  const response = await answer;
  return { status: response.status(), body: await response.text() };
}

let hostile: Server;
let alice: User;
let visitor: User;
let before: { records: number; text: string };

beforeAll(async () => {
  hostile = await startHostileSite(session.server.url);
  alice = await newUser(session.browser, 'Alice', '#c62828');
  await openDocument(alice, session.server.url, DOC);
  await focusEnd(alice.page);
  await alice.page.keyboard.type('First draft.');
  await waitSaved(alice.page);
  await alice.page.keyboard.type(' Final words.');
  await waitSaved(alice.page);
  before = { records: await records(), text: await contentText(alice.page) };
  // The person who is lured to the hostile site: the same browser, another profile.
  visitor = await newUser(session.browser, 'Visitor', '#1565c0');
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => hostile?.close(resolve));
});

describe('a page on another origin', () => {
  const port = (): number => (hostile.address() as AddressInfo).port;
  // localhost and 127.0.0.1 are different sites; another port on 127.0.0.1 is the same site.
  const sites = (): [string, string][] => [
    ['another site', `http://localhost:${port()}`],
    ['another port of the same host', `http://127.0.0.1:${port()}`],
  ];

  for (const kind of Object.keys(FORMS)) {
    it(`cannot restore a document with a ${kind} form post`, async () => {
      for (const [label, url] of sites()) {
        const answer = await postForm(visitor.page, url, kind);
        expect(answer.status, label).toBe(403);
        expect(JSON.parse(answer.body), label).toEqual({ error: expect.stringMatching(/^origin http:\/\/(localhost|127\.0\.0\.1):\d+ may not change data here/) as unknown });
      }
      expect(await records()).toBe(before.records);
    });
  }

  it('cannot restore with a fetch, simple or preflighted', async () => {
    await visitor.page.goto(`http://localhost:${port()}/`);
    const target = `${session.server.url}${restorePath}`;
    // The answers are opaque to the page (and blocked by Cross-Origin-Resource-Policy): the
    // server's refusal counter says the requests arrived and were refused.
    const refusedBefore = await refusedCount();
    const outcomes = await visitor.page.evaluate(async (url) => {
      const attempt = (init: RequestInit): Promise<string> =>
        fetch(url, { method: 'POST', ...init }).then(
          () => 'answered',
          (error: unknown) => (error as Error).name,
        );
      return [
        await attempt({ mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"at":1}' }),
        // A typeless body: the other way around the content-type rule.
        await attempt({ mode: 'no-cors', body: new Blob(['{"at":1}']) }),
        // JSON needs a preflight, which Tandem never grants: this POST is never sent.
        await attempt({ headers: { 'content-type': 'application/json' }, body: '{"at":1}' }),
      ];
    }, target);
    expect(outcomes[2]).toBe('TypeError');
    expect(await refusedCount()).toBe(refusedBefore + 2);
    expect(await records()).toBe(before.records);
    expect(await contentText(alice.page)).toBe(before.text);
  });
});

describe("the editor's own origin", () => {
  it('restores, as the editor does (the refusals above were the origin rule at work)', async () => {
    const status = await alice.page.evaluate(async (path) => {
      const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"at":1}' });
      return res.status;
    }, restorePath);
    expect(status).toBe(200);
    expect(await records()).toBe(before.records + 1);
    await expect.poll(() => contentText(alice.page), { timeout: 20_000 }).not.toBe(before.text);
    expect('First draft.'.startsWith(await contentText(alice.page))).toBe(true);
  });

  it('runs the editor under the policy, and the watch catches what breaks it', async () => {
    // An inline <style> is what the policy refuses; the watch must report it.
    await alice.page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body { outline: 0 }';
      document.head.append(style);
    });
    let seen = '';
    await expect.poll(() => (seen += takeViolations().join('\n')), { timeout: 20_000 }).toMatch(/style-src/);
    expect(alice.errors.filter((e) => !/Content Security Policy|csp-violation/.test(e))).toEqual([]);
  });
});
