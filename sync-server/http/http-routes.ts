/**
 * Plain HTTP on the server's port: health, metrics, the JSON API and the built editor.
 * WebSocket upgrades never reach this handler (see upgrade.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';
import type { ServerMetrics } from '../metrics.js';
import type { StoreHealth } from '../../persistence/store.js';
import type { UpgradeRefusal } from './upgrade.js';
import { DATA_HEADERS, appHeaders, type HeaderSet, type SecurityHeaderOptions } from './security-headers.js';

/** What `/healthz` reports: the store's health, and in a cluster the node and its bus. */
export interface ServerHealth extends StoreHealth {
  serving: boolean;
  node?: string;
  bus?: { up: boolean; reason: string | null };
}

/** Handles a request and returns true, or returns false to let the next route try. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface HttpRoutesOptions {
  metrics: ServerMetrics;
  health(): ServerHealth;
  /** The `/api/...` routes, when the server has them. */
  api?: RouteHandler;
  /** Runs before every `/api` request: a refusal is sent as JSON, null lets the API answer. */
  guardApi?: (req: IncomingMessage) => Promise<UpgradeRefusal | null>;
  /** Told of every refusal `guardApi` made (for the log and metrics). */
  onApiRefused?: (req: IncomingMessage, refusal: UpgradeRefusal) => void;
  editorDir: string | null;
  /** Framing and connection sources for the app's security headers (security-headers.ts). */
  security: SecurityHeaderOptions;
}

function setHeaders(res: ServerResponse, headers: HeaderSet): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

function isDataPath(path: string): boolean {
  return path === '/healthz' || path === '/metrics' || path === '/api' || path.startsWith('/api/');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

/**
 * 200 while the node serves and its store commits; 503 otherwise. A cluster node whose bus is
 * down still answers 200 ("degraded"): it serves its own clients correctly (every update is
 * committed, and it catches up from the database when the bus is back), and a proxy checking
 * every node must not take them all out of service when only Redis is down.
 */
function sendHealth(res: ServerResponse, health: ServerHealth): void {
  const ok = health.serving && health.ok;
  const degraded = ok && health.bus !== undefined && !health.bus.up;
  sendJson(res, ok ? 200 : 503, {
    status: ok ? (degraded ? 'degraded' : 'ok') : 'unhealthy',
    serving: health.serving,
    store: health.ok ? 'ok' : health.reason ?? 'failing',
    ...(health.node !== undefined ? { node: health.node } : {}),
    ...(health.bus ? { bus: health.bus.up ? 'up' : 'down', ...(health.bus.reason ? { busError: health.bus.reason } : {}) } : {}),
  });
}

export function createHttpHandler(options: HttpRoutesOptions): (req: IncomingMessage, res: ServerResponse) => void {
  // Hashed assets are immutable; index.html is revalidated so new builds show up at once.
  const editor = options.editorDir
    ? sirv(options.editorDir, { single: true, etag: true, gzip: true, brotli: true, setHeaders: (res, pathname) => {
        res.setHeader('cache-control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      } })
    : null;

  const app = appHeaders(options.security);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    // Set before any route runs, so errors and sirv's own answers carry them too.
    setHeaders(res, isDataPath(path) ? DATA_HEADERS : app);
    if (path === '/healthz') {
      sendHealth(res, options.health());
      return;
    }
    if (path === '/metrics') {
      const body = await options.metrics.registry.metrics();
      sendText(res, 200, body, { 'content-type': options.metrics.registry.contentType });
      return;
    }
    if (path === '/api' || path.startsWith('/api/')) {
      const refusal = await options.guardApi?.(req);
      if (refusal) {
        options.onApiRefused?.(req, refusal);
        setHeaders(res, refusal.headers);
        sendJson(res, refusal.status, { error: refusal.message });
        return;
      }
      if (options.api && (await options.api(req, res))) return;
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    if (editor && (req.method === 'GET' || req.method === 'HEAD')) {
      editor(req, res, () => sendText(res, 404, 'not found'));
      return;
    }
    sendText(res, 404, editor ? 'not found' : 'Tandem sync server: no editor build is being served (run npm run build).');
  };

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error', detail: (error as Error).message });
      else res.destroy();
    });
  };
}
