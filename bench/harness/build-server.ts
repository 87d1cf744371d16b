/**
 * Tandem is benchmarked as users run it: the compiled `dist/` of `npm start`, not the sources
 * through a TypeScript loader. This rebuilds `dist/` first, so the run measures the checkout.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export function buildServer(repoRoot: string): void {
  const tsc = createRequire(path.join(repoRoot, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
}
