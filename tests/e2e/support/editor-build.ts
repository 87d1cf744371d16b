/**
 * Builds the editor into dist/editor (what `tandem serve` serves) once per change of its
 * sources (editor/, the document-schema/ it bundles, SHARED_SOURCES). Test files run in parallel workers,
 * so the build is guarded by a lock directory and skipped when a stamp of the sources' hash
 * says the output is current.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths.js';

const run = promisify(execFile);
const STAMP = join(repoRoot, 'dist', 'editor', '.build-stamp');
const LOCK = join(repoRoot, 'dist', '.editor-build.lock');
const LOCK_STALE_MS = 120_000;
/** Modules outside editor/ that the editor bundles (the timeslider reads history as the server does). */
const SHARED_SOURCES = [
  'sync-server/doc-name.ts',
  'persistence/replay.ts',
  'persistence/shared-types.ts',
  'persistence/author.ts',
  'persistence/attribution.ts',
  'persistence/clock-runs.ts',
  'persistence/sorted-search.ts',
  'persistence/diff/diff-walk.ts',
  'persistence/diff/point-view.ts',
  'persistence/timeline/timeline-format.ts',
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))));
  return nested.flat().sort();
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = [
    ...(await filesUnder(join(repoRoot, 'editor'))),
    ...(await filesUnder(join(repoRoot, 'document-schema'))),
    ...SHARED_SOURCES.map((f) => join(repoRoot, f)),
    join(repoRoot, 'package-lock.json'),
  ];
  for (const file of files) {
    hash.update(relative(repoRoot, file));
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

async function acquireLock(timeoutMs: number): Promise<void> {
  await mkdir(join(repoRoot, 'dist'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed run must not block every later run.
      const age = Date.now() - (await stat(LOCK).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > LOCK_STALE_MS) await rm(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the editor build lock ${LOCK}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export async function ensureEditorBuilt(timeoutMs = 120_000): Promise<void> {
  const wanted = await sourceHash();
  await acquireLock(timeoutMs);
  try {
    const current = await readFile(STAMP, 'utf8').catch(() => '');
    if (current === wanted) return;
    await run(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'editor/vite.config.ts', '--logLevel', 'warn'], {
      cwd: repoRoot,
      // Vitest sets NODE_ENV=test, which would make Vite build in development mode.
      env: { ...process.env, NODE_ENV: 'production' },
      timeout: timeoutMs,
    });
    await writeFile(STAMP, wanted);
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}
