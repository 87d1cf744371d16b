/**
 * `npm run bench:bundle` (`node --import tsx bench/bundle-size.ts`): what the editor's build
 * sends to browsers, and what each part of it costs.
 *
 * Builds the editor with its own Vite config (editor/vite.config.ts) into a temporary
 * directory and reads rolldown's output bundle (every chunk with the modules it holds):
 *
 * - each file, raw, gzip (level 9) and brotli (quality 11) — as `tandem serve` sends them;
 * - the loads: the home page (index.html, its entry chunk and what that imports statically,
 *   its CSS), the document page on top of it (the lazily imported `document-page` chunk and
 *   its own imports), and what the document page loads on demand later;
 * - that the home page holds no module of Tiptap, ProseMirror or Yjs (exits 1 if it does:
 *   the document page must stay lazily loaded);
 * - the document page's JavaScript by part (bench/harness/bundle-parts.ts): each part's
 *   modules minified on their own (whitespace and local names, as the build does; the build
 *   also compresses, so these run a little above the real files), and what the part adds to
 *   the page's gzip: the gzip of every module minus the gzip of every module but the part's.
 *   Parts share compression dictionaries, so what they add sums to less than their own gzips.
 *
 * Results go to stdout (Markdown tables) and bench/results/bundle-size.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build, minifySync, type Plugin } from 'vite';
import { repoRoot } from '../tests/e2e/support/paths.js';
import { BUNDLE_PARTS, OTHER_PART, partOf } from './harness/bundle-parts.js';

interface OutFile {
  fileName: string;
  bytes: Uint8Array;
  chunk: { name: string; isDynamicEntry: boolean; imports: string[]; dynamicImports: string[]; css: string[]; modules: { id: string; code: string }[] } | null;
}

interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

const gzip = (data: Uint8Array): number => gzipSync(data, { level: 9 }).byteLength;
const sizes = (data: Uint8Array): Sizes => ({
  raw: data.byteLength,
  gzip: gzip(data),
  brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).byteLength,
});
const kB = (bytes: number): string => (bytes / 1000).toFixed(1);
const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** Builds the editor into `outDir`, keeping what rolldown wrote. */
async function buildEditor(outDir: string): Promise<Map<string, OutFile>> {
  const files = new Map<string, OutFile>();
  const collect: Plugin = {
    name: 'tandem-bundle-size',
    enforce: 'post',
    writeBundle(_options, bundle) {
      for (const [fileName, item] of Object.entries(bundle)) {
        if (item.type === 'asset') {
          files.set(fileName, { fileName, bytes: typeof item.source === 'string' ? utf8(item.source) : item.source, chunk: null });
          continue;
        }
        const css = [...((item as { viteMetadata?: { importedCss: Set<string> } }).viteMetadata?.importedCss ?? [])];
        const modules = Object.entries(item.modules).map(([id, m]) => ({ id: relative(repoRoot, id.replace(/^\0/, '')), code: m.code ?? '' }));
        files.set(fileName, { fileName, bytes: utf8(item.code), chunk: { name: item.name, isDynamicEntry: item.isDynamicEntry, imports: item.imports, dynamicImports: item.dynamicImports, css, modules } });
      }
    },
  };
  await build({ configFile: join(repoRoot, 'editor', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true }, plugins: [collect] });
  return files;
}

/** `start` and every chunk it imports statically, with their CSS, in load order. */
function closure(files: Map<string, OutFile>, start: string, loaded: ReadonlySet<string> = new Set()): string[] {
  const found: string[] = [];
  const visit = (name: string): void => {
    if (loaded.has(name) || found.includes(name)) return;
    found.push(name);
    const chunk = files.get(name)?.chunk;
    for (const next of [...(chunk?.imports ?? []), ...(chunk?.css ?? [])]) visit(next);
  };
  visit(start);
  return found;
}

function total(files: Map<string, OutFile>, names: readonly string[]): Sizes {
  const each = names.map((n) => sizes(files.get(n)?.bytes ?? new Uint8Array()));
  return each.reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli }), { raw: 0, gzip: 0, brotli: 0 });
}

function chunkNamed(files: Map<string, OutFile>, name: string): OutFile {
  const found = [...files.values()].find((f) => f.chunk?.name === name);
  if (!found) throw new Error(`the build has no chunk named ${name}`);
  return found;
}

const EDITOR_MODULES = /node_modules\/(?:@tiptap|prosemirror-[a-z-]+|yjs|y-websocket|y-indexeddb|y-protocols)\//;

interface PartCost {
  part: string;
  modules: number;
  minified: number;
  gzipAlone: number;
  gzipAdded: number;
}

/** Each part's size in the modules of `chunks`, and what it adds to their gzip. */
function partCosts(files: Map<string, OutFile>, chunks: readonly string[]): { parts: PartCost[]; estimated: number } {
  const modules = chunks.flatMap((name) => files.get(name)?.chunk?.modules ?? []).filter((m) => m.code !== '');
  const minified = modules.map((m) => ({ part: partOf(m.id), code: minifySync(m.id, m.code, { module: false, compress: false, mangle: { toplevel: false } }).code }));
  const gzipOf = (keep: (part: string) => boolean): number => gzip(utf8(minified.filter((m) => keep(m.part)).map((m) => m.code).join('\n')));
  const estimated = gzipOf(() => true);
  const parts = [...BUNDLE_PARTS.map((p) => p.name), OTHER_PART]
    .map((part) => {
      const own = minified.filter((m) => m.part === part);
      return { part, modules: own.length, minified: own.reduce((sum, m) => sum + utf8(m.code).byteLength, 0), gzipAlone: own.length === 0 ? 0 : gzipOf((p) => p === part), gzipAdded: own.length === 0 ? 0 : estimated - gzipOf((p) => p !== part) };
    })
    .filter((p) => p.modules > 0);
  return { parts, estimated };
}

const outDir = await mkdtemp(join(tmpdir(), 'tandem-bundle-'));
try {
  const files = await buildEditor(outDir);
  const home = ['index.html', ...closure(files, chunkNamed(files, 'main').fileName)];
  const docPage = closure(files, chunkNamed(files, 'document-page').fileName, new Set(home));
  const loaded = new Set([...home, ...docPage]);
  const later = [...new Set(docPage.flatMap((name) => files.get(name)?.chunk?.dynamicImports ?? []))].map((start) => ({ start, files: closure(files, start, loaded) }));

  const homeModules = home.flatMap((name) => files.get(name)?.chunk?.modules ?? []).map((m) => m.id);
  const leaked = homeModules.filter((id) => EDITOR_MODULES.test(id));
  const docJs = docPage.filter((name) => files.get(name)?.chunk);
  const { parts, estimated } = partCosts(files, docJs);
  const docJsSizes = total(files, docJs);

  const out: string[] = [];
  const line = (text = ''): number => out.push(text);
  line('### Files');
  line();
  line('| file | raw kB | gzip kB | brotli kB |');
  line('|---|--:|--:|--:|');
  for (const file of [...files.values()].sort((a, b) => b.bytes.byteLength - a.bytes.byteLength)) {
    const s = sizes(file.bytes);
    line(`| \`${file.fileName.replace(/-[A-Za-z0-9_-]{8}\./, '-[hash].')}\` | ${kB(s.raw)} | ${kB(s.gzip)} | ${kB(s.brotli)} |`);
  }
  line();
  line('### What each page loads');
  line();
  line('| load | files | raw kB | gzip kB | brotli kB |');
  line('|---|---|--:|--:|--:|');
  const loadRow = (what: string, names: readonly string[]): void => {
    const s = total(files, names);
    line(`| ${what} | ${names.map((n) => `\`${n.replace(/^assets\//, '').replace(/-[A-Za-z0-9_-]{8}\./, '.')}\``).join(', ')} | ${kB(s.raw)} | ${kB(s.gzip)} | ${kB(s.brotli)} |`);
  };
  loadRow('home page (documents list)', home);
  loadRow('document page, on top of it', docPage);
  for (const extra of later) loadRow(`later, on demand: ${extra.start.replace(/^assets\//, '').replace(/-[A-Za-z0-9_-]{8}\.js$/, '')}`, extra.files);
  line();
  line(leaked.length === 0 ? `The home page holds ${homeModules.length} modules, none of Tiptap, ProseMirror or Yjs: the document page is loaded lazily.` : `FAIL: the home page holds editor modules: ${leaked.join(', ')}`);
  line();
  line(`### The document page's JavaScript by part (${kB(docJsSizes.raw)} kB, ${kB(docJsSizes.gzip)} kB gzip in ${docJs.length} files)`);
  line();
  line('| part | modules | minified kB | gzip alone kB | adds to the gzip, kB | share |');
  line('|---|--:|--:|--:|--:|--:|');
  for (const p of [...parts].sort((a, b) => b.gzipAdded - a.gzipAdded)) {
    line(`| ${p.part} | ${p.modules} | ${kB(p.minified)} | ${kB(p.gzipAlone)} | ${kB(p.gzipAdded)} | ${((100 * p.gzipAdded) / estimated).toFixed(0)}% |`);
  }
  line();
  line(`Estimated from the modules minified one by one: ${kB(estimated)} kB gzip in all (the build's files: ${kB(docJsSizes.gzip)} kB).`);
  process.stdout.write(`${out.join('\n')}\n`);

  const dir = join(repoRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const fileSizes = Object.fromEntries([...files.values()].map((f) => [f.fileName, sizes(f.bytes)]));
  const result = { files: fileSizes, loads: { home: { files: home, ...total(files, home) }, documentPage: { files: docPage, ...total(files, docPage) }, later: later.map((l) => ({ ...l, ...total(files, l.files) })) }, parts, estimatedGzip: estimated, homeEditorModules: leaked };
  await writeFile(join(dir, 'bundle-size.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (leaked.length > 0) process.exitCode = 1;
} finally {
  await rm(outDir, { recursive: true, force: true });
}
