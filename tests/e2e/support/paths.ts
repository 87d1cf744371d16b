import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
/** Git-ignored; screenshots and measurements from the browser tests land here. */
export const artifactsDir = fileURLToPath(new URL('../../../test-results/e2e', import.meta.url));
