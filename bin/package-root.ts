import { existsSync } from 'node:fs';
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
