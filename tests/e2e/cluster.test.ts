/**
 * Two people in two browsers, each on a different node of a cluster (one PostgreSQL database,
 * one Redis): they edit one document live, see each other's named carets and presence, and
 * when one leaves, the other's presence bar shows them gone.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildServer } from '../helpers/child-server.js';
import { useCluster } from '../helpers/cluster-node.js';
import {
  caretNames,
  contentHtml,
  focusEnd,
  launchBrowser,
  newUser,
  openDocument,
  presenceNames,
  waitConverged,
  waitSaved,
  type User,
} from './support/browser.js';
import { takeViolations } from './support/csp-watch.js';
import { ensureEditorBuilt } from './support/editor-build.js';
import { artifactsDir } from './support/paths.js';

let browser: Browser;
const users: User[] = [];

beforeAll(async () => {
  await ensureEditorBuilt();
  await mkdir(artifactsDir, { recursive: true });
});
const { nodes } = useCluster('e2e_cluster', 2);
beforeAll(async () => {
  browser = await launchBrowser();
});
afterEach(() => {
  expect(takeViolations(), 'Content-Security-Policy violations').toEqual([]);
});
afterAll(async () => {
  await browser?.close();
});

describe('two browsers on two nodes of a cluster', () => {
  const doc = 'Cluster notes';

  it('edit one document live, each through their own node', async () => {
    const alice = await newUser(browser, 'Alice Martin', '#c62828');
    const bob = await newUser(browser, 'Bob Chen', '#1565c0');
    users.push(alice, bob);
    await openDocument(alice, (nodes[0] as ChildServer).httpUrl, doc);
    await openDocument(bob, (nodes[1] as ChildServer).httpUrl, doc);

    await focusEnd(alice.page);
    await alice.page.selectOption('[data-testid="style-picker"]', 'h1');
    await alice.page.keyboard.type('Across nodes');
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.type('Alice was here.');
    await waitConverged([alice.page, bob.page]);

    await focusEnd(bob.page);
    await bob.page.keyboard.press('Enter');
    await bob.page.keyboard.type('Bob too.');
    await bob.page.keyboard.press('Control+b');
    await bob.page.keyboard.type(' Bold.');
    const html = await waitConverged([alice.page, bob.page]);
    expect(html).toBe('<h1>Across nodes</h1><p>Alice was here.</p><p>Bob too.<strong> Bold.</strong></p>');
    await Promise.all([waitSaved(alice.page), waitSaved(bob.page)]);
  });

  it('shows each the other\'s caret and presence, and a departure', async () => {
    const [alice, bob] = users as [User, User];
    await expect.poll(() => caretNames(alice.page)).toEqual(['Bob Chen']);
    await expect.poll(() => caretNames(bob.page)).toEqual(['Alice Martin']);
    await expect.poll(() => presenceNames(alice.page)).toEqual(['Alice Martin', 'Bob Chen']);

    await bob.context.close();
    await expect.poll(() => presenceNames(alice.page)).toEqual(['Alice Martin']);
    expect(await caretNames(alice.page)).toEqual([]);
    expect(await contentHtml(alice.page)).toContain('Bob too.');
  });

  it('logs no console errors', () => {
    for (const user of users) expect(user.errors, user.name).toEqual([]);
  });
});
