/** Temporary data dirs for a test file, removed after each test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { FileStore } from '../../persistence/file/file-store.js';

export interface TempDataDirs {
  /** A new empty directory named `tandem-<prefix>-…`. */
  tempDir(): string;
  /**
   * Stores the test leaves open stand for crashed servers; they are closed (any error ignored)
   * after the test, before their directories go.
   */
  stores: FileStore[];
}

/** Registers the cleanup with vitest; call at the top level of a test file. */
export function useTempDataDirs(prefix: string): TempDataDirs {
  const dirs: string[] = [];
  const stores: FileStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    tempDir() {
      const dir = mkdtempSync(join(tmpdir(), `tandem-${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    stores,
  };
}
