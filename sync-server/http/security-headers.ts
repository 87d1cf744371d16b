/**
 * The security headers of every HTTP response. Two sets:
 *
 *   app    the editor's pages and files: a Content-Security-Policy that lets the page run only
 *          the app's own scripts and styles and talk only to its own origin (WebSockets
 *          included); framing forbidden unless `frameAncestors` lists the sites that may
 *   data   the API, /healthz, /metrics and errors: nothing may run or load, never framed
 *
 * Both: `nosniff` (a response is only ever what its Content-Type says), `Referrer-Policy:
 * no-referrer` (links out of a document do not tell other sites its name), and
 * `Cross-Origin-Opener-Policy` / `Cross-Origin-Resource-Policy: same-origin` (no other site
 * holds a window handle to the app or embeds its responses as images or scripts).
 *
 * What the editor needs, and why nothing more is allowed:
 * - scripts: the Vite bundle from /assets and the service worker /sw.js, all files ('self');
 *   no inline script, no eval
 * - styles: the bundled CSS files ('self'). Element styles the editor sets from script
 *   (`element.style.x = …`, colours of carets and avatars) are not governed by CSP; style
 *   attributes in markup would be, and the editor writes none
 * - images: the inline SVG favicon (data:)
 * - connections: the API and the y-websocket rooms on the same origin. CSP Level 3 'self'
 *   covers ws:/wss: to the page's own host and port (Chromium, Firefox, Safari 15.4+);
 *   `connectSources` adds a separate sync server an editor build was pointed at
 */

export interface SecurityHeaderOptions {
  /** Origins allowed to frame the app; empty forbids framing. */
  frameAncestors: readonly string[];
  /** Further origins the app connects to (e.g. `wss://sync.example.com`). */
  connectSources?: readonly string[];
}

export type HeaderSet = Readonly<Record<string, string>>;

const COMMON: HeaderSet = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function policy(directives: Record<string, readonly string[]>): string {
  return Object.entries(directives).map(([name, values]) => [name, ...values].join(' ')).join('; ');
}

export function appHeaders(options: SecurityHeaderOptions): HeaderSet {
  const framed = options.frameAncestors.length > 0;
  const csp = policy({
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", ...(options.connectSources ?? [])],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': framed ? options.frameAncestors : ["'none'"],
  });
  // X-Frame-Options cannot name several origins; browsers that know frame-ancestors ignore it.
  return { ...COMMON, 'Content-Security-Policy': csp, ...(framed ? {} : { 'X-Frame-Options': 'DENY' }) };
}

export const DATA_HEADERS: HeaderSet = {
  ...COMMON,
  'Content-Security-Policy': policy({
    'default-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
    sandbox: [],
  }),
  'X-Frame-Options': 'DENY',
};
