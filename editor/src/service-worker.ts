/**
 * The offline shell: lets the editor open with no network at all, so documents kept in
 * IndexedDB can be read and edited offline and merged later. Built to `/sw.js`.
 *
 * - `/assets/*` are content-hashed and immutable: served from the cache once seen.
 * - Page navigations go to the network first (a new deploy shows at once) and fall back to
 *   the last app shell seen; every page of the app is the same `index.html`.
 * - A document's images (`/api/docs/<doc>/files/<sha256>`) are named by their content and
 *   never change: served from a cache of their own once seen, so a document reopened offline
 *   shows them too.
 * - Nothing else is touched: the rest of the API, health and metrics, and WebSockets always go live.
 *
 * The page tells the worker which assets it loaded (see offline-shell.ts), because the lazily
 * loaded document page is not named in index.html and was fetched before the worker existed.
 */

/** The parts of the service worker scope used here (the WebWorker lib clashes with DOM's). */
interface FetchEventLike extends Event {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface MessageEventLike extends ExtendableEventLike {
  readonly data: unknown;
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEventLike) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  readonly location: Location;
}

const worker = self as unknown as WorkerScope;
const CACHE = 'tandem-shell-v1';
const FILES_CACHE = 'tandem-files-v1';
const SHELL_KEY = '/';

function isAsset(url: URL): boolean {
  return url.origin === worker.location.origin && url.pathname.startsWith('/assets/');
}

function isDocumentFile(url: URL): boolean {
  return url.origin === worker.location.origin && /^\/api\/docs\/[^/]+\/files\/[0-9a-f]{64}$/.test(url.pathname);
}

async function cacheFirst(request: Request, name = CACHE): Promise<Response> {
  const cache = await caches.open(name);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirstShell(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && type.startsWith('text/html')) await cache.put(SHELL_KEY, response.clone());
    return response;
  } catch (error) {
    const shell = await cache.match(SHELL_KEY);
    if (shell) return shell;
    throw error;
  }
}

worker.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add(SHELL_KEY)).then(() => worker.skipWaiting()));
});

worker.addEventListener('activate', (event) => {
  // Old shells and their assets go; a new worker starts from the current deploy.
  const cleanup = caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE && k !== FILES_CACHE).map((k) => caches.delete(k))));
  event.waitUntil(cleanup.then(() => worker.clients.claim()));
});

worker.addEventListener('message', (event) => {
  const { data } = event;
  if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== 'cache-assets') return;
  const urls = (data as { urls?: unknown }).urls;
  if (!Array.isArray(urls)) return;
  const assets = urls.filter((u): u is string => typeof u === 'string').filter((u) => isAsset(new URL(u, worker.location.origin)));
  event.waitUntil(Promise.all(assets.map((u) => cacheFirst(new Request(u)).catch(() => undefined))));
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (isAsset(url)) event.respondWith(cacheFirst(request));
  else if (isDocumentFile(url)) event.respondWith(cacheFirst(request, FILES_CACHE));
  else if (request.mode === 'navigate' && url.origin === worker.location.origin) event.respondWith(networkFirstShell(request));
});
