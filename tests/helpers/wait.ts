/**
 * How long a test waits for something that normally takes milliseconds: generous, because the
 * suite must pass on a loaded 2-core machine (another process busy on one core, two test
 * workers and Chromium on the other). A deadline only turns a hang into a clear failure; tests
 * never assert how long something took.
 */
export const DEADLINE_MS = 30_000;

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = DEADLINE_MS, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `waitFor` with a check that must ask something (a metric, an HTTP endpoint). */
export async function waitForAsync(check: () => Promise<boolean>, what: string, timeoutMs = DEADLINE_MS, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
