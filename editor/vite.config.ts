import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  build: {
    outDir: fileURLToPath(new URL('../dist/editor', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    // `npm run dev` proxies the API and the WebSocket rooms to a running `tandem serve`.
    proxy: {
      '/api': 'http://127.0.0.1:1234',
    },
  },
});
