import { defineConfig, loadEnv, type Plugin } from 'vite';
import { fileURLToPath } from 'node:url';

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

export default defineConfig(({ command, mode }) => ({
  root,
  plugins: [connectSources(loadEnv(mode, root, 'VITE_')['VITE_TANDEM_SYNC_URL'])],
  // Only the dev server gets the prefix; a build always talks to rooms on its own origin.
  define: command === 'serve' ? { 'import.meta.env.VITE_TANDEM_SYNC_PREFIX': JSON.stringify(DEV_SYNC_PREFIX) } : {},
  build: {
    outDir: fileURLToPath(new URL('../dist/editor', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The document page (Tiptap + Yjs) is loaded lazily, ~648 kB (~205 kB gzip; of that, tables
    // ~14 kB, comments ~8 kB and images ~5.6 kB: docs/document-format.md) in two files — the
    // ProseMirror core is shared with the parts the page itself loads on demand (author colours,
    // compare: docs/authorship.md); the home page is tiny.
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
