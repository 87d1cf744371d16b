/**
 * What every e2e file starts with: the editor built, one real Tandem server and one Chromium,
 * started before the file's tests (and before its own `beforeAll`s) and disposed after them.
 * Every test fails if a page broke the server's Content-Security-Policy while it ran.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { takeViolations } from './csp-watch.js';
import { launchBrowser } from './browser.js';
import { ensureEditorBuilt } from './editor-build.js';
import { artifactsDir } from './paths.js';
import { startTandem, type TandemProcess } from './tandem-process.js';

export interface E2eSession {
  server: TandemProcess;
  browser: Browser;
}

/** Registers the hooks; the returned object is filled in by the time the tests run. */
export function useServerAndBrowser(serverArgs: readonly string[] = []): E2eSession {
  const session = {} as E2eSession;
  beforeAll(async () => {
    await ensureEditorBuilt();
    await mkdir(artifactsDir, { recursive: true });
    session.server = await startTandem([...serverArgs]);
    session.browser = await launchBrowser();
  }, 180_000);
  afterEach(() => {
    expect(takeViolations(), 'Content-Security-Policy violations').toEqual([]);
  });
  afterAll(async () => {
    // Late reports (a page still loading when its test ended) count too.
    const late = takeViolations();
    await session.browser?.close();
    await session.server?.dispose();
    expect(late, 'Content-Security-Policy violations').toEqual([]);
  });
  return session;
}
