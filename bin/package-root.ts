import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding Tandem's package.json, whether running from source or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the Tandem package root');
    dir = parent;
  }
  return dir;
}

/** Where `npm run build` puts the editor bundle. */
export function editorBuildDir(): string | null {
  const dir = join(packageRoot(), 'dist', 'editor');
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

/** What a connect-src source may look like: a scheme and a host, nothing that ends the directive. */
const SOURCE = /^(?:https?|wss?):\/\/[^\s;,'"]+$/;

/**
 * Origins the editor build connects to besides its own (`connect-sources.json`, written by a
 * build pointed at a sync server elsewhere); empty when there is none.
 */
export function editorConnectSources(editorDir: string | null): string[] {
  const file = editorDir === null ? null : join(editorDir, 'connect-sources.json');
  if (file === null || !existsSync(file)) return [];
  let sources: unknown;
  try {
    sources = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    sources = null;
  }
  if (!Array.isArray(sources) || !sources.every((s): s is string => typeof s === 'string' && SOURCE.test(s))) {
    throw new Error(`${file} must be a JSON list of origins such as "wss://sync.example.com"`);
  }
  return sources;
}
