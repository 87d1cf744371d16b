import { defineConfig, loadEnv, type Plugin } from 'vite';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const root = fileURLToPath(new URL('.', import.meta.url));

// `npm run dev` talks to a `tandem serve` already running here (override with TANDEM_URL).
const tandemUrl = process.env['TANDEM_URL'] ?? 'http://127.0.0.1:1234';
// Document rooms are arbitrary `/<name>` paths, which would clash with the dev server's own
// pages and HMR socket: in dev the editor connects to `/sync/<name>` and the proxy strips it.
const DEV_SYNC_PREFIX = '/sync';

/**
 * A build whose editor syncs with a server elsewhere (`VITE_TANDEM_SYNC_URL`) names that origin
 * in `connect-sources.json`; `tandem serve` adds it to the Content-Security-Policy's
 * connect-src, which otherwise allows the page's own origin only.
 */
function connectSources(syncUrl: string | undefined): Plugin {
  return {
    name: 'tandem-connect-sources',
    apply: 'build',
    generateBundle() {
      if (!syncUrl) return;
      this.emitFile({ type: 'asset', fileName: 'connect-sources.json', source: JSON.stringify([new URL(syncUrl).origin]) });
    },
  };
}

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Text files worth compressing: smaller ones gain less than the encoding's own overhead. */
const COMPRESSIBLE = /\.(?:js|css|html|json|svg)$/;
const MIN_COMPRESSED_BYTES = 1024;

/**
 * Writes a brotli (`.br`) and a gzip (`.gz`) copy beside each text file of the build, at the
 * highest levels (done once, at build time): `tandem serve` (sirv) sends the copy a browser
 * accepts, so the document page travels at about a third of its size with no proxy in front.
 */
function precompress(): Plugin {
  return {
    name: 'tandem-precompress',
    apply: 'build',
    enforce: 'post',
    async writeBundle(options, bundle) {
      const outDir = options.dir;
      if (!outDir) return;
      const writes = Object.values(bundle).flatMap((item) => {
        const data = Buffer.from(item.type === 'chunk' ? item.code : item.source);
        if (!COMPRESSIBLE.test(item.fileName) || data.byteLength < MIN_COMPRESSED_BYTES) return [];
        const path = join(outDir, item.fileName);
        const brotliParams = { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength };
        return [
          brotliAsync(data, { params: brotliParams }).then((packed) => writeFile(`${path}.br`, packed)),
          gzipAsync(data, { level: constants.Z_BEST_COMPRESSION }).then((packed) => writeFile(`${path}.gz`, packed)),
        ];
      });
      // In zlib's thread pool, side by side.
      await Promise.all(writes);
    },
  };
}

export default defineConfig(({ command, mode }) => ({
  root,
  plugins: [connectSources(loadEnv(mode, root, 'VITE_')['VITE_TANDEM_SYNC_URL']), precompress()],
  // Only the dev server gets the prefix; a build always talks to rooms on its own origin.
  define: command === 'serve' ? { 'import.meta.env.VITE_TANDEM_SYNC_PREFIX': JSON.stringify(DEV_SYNC_PREFIX) } : {},
  build: {
    outDir: fileURLToPath(new URL('../dist/editor', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The document page (Tiptap + Yjs) is loaded lazily, ~659 kB (~207 kB gzip) in three files —
    // the ProseMirror core and Yjs are shared with the parts the page itself loads on demand
    // (author colours, compare: docs/authorship.md; the timeslider); the home page is tiny. What each file and each part
    // costs: `npm run bench:bundle` (BENCHMARKS.md).
    chunkSizeWarningLimit: 650,
    rolldownOptions: {
      // The service worker must live at the root (its scope) under a fixed name.
      input: { main: fileURLToPath(new URL('index.html', import.meta.url)), sw: fileURLToPath(new URL('src/service-worker.ts', import.meta.url)) },
      output: { entryFileNames: (chunk: { name: string }) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: {
    proxy: {
      '/api': tandemUrl,
      [DEV_SYNC_PREFIX]: {
        target: tandemUrl.replace(/^http/, 'ws'),
        ws: true,
        rewrite: (path: string) => path.slice(DEV_SYNC_PREFIX.length) || '/',
      },
    },
  },
}));
