/**
 * Content-Security-Policy violations in every page of every browser the e2e tests launch, so
 * each test also checks that the editor runs under Tandem's policy (session.ts fails a test
 * that caused any). A violation shows in two ways, both caught: the `securitypolicyviolation`
 * event (reported from an init script) and Chromium's own console error.
 */
import type { Browser, BrowserContext } from 'playwright-core';

const REPORT_PREFIX = '[csp-violation]';
const violations: string[] = [];

function isViolation(text: string): boolean {
  return text.startsWith(REPORT_PREFIX) || /Content Security Policy/i.test(text);
}

export async function watchContext(context: BrowserContext): Promise<void> {
  context.on('console', (message) => {
    if (isViolation(message.text())) violations.push(`${message.page()?.url() ?? '?'}: ${message.text()}`);
  });
  await context.addInitScript((prefix) => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`${prefix} ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`);
    });
  }, REPORT_PREFIX);
}

/**
 * Watches every context `browser` makes from now on, including the one `browser.newPage()`
 * makes for itself (playwright builds it through `newContext`).
 */
export function watchBrowser(browser: Browser): Browser {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await watchContext(context);
    return context;
  };
  return browser;
}

/** The violations seen since the last call, which forgets them. */
export function takeViolations(): string[] {
  return violations.splice(0);
}
