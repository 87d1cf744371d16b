/** The pure rules against cross-site requests and the header sets, without sockets. */
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyTypeRefusal, formBodyRefusal, parseMediaType } from '../../sync-server/http/body-type.js';
import { requestOrigin, writeOriginProblem } from '../../sync-server/access/origin-policy.js';
import { DATA_HEADERS, appHeaders } from '../../sync-server/http/security-headers.js';
import { ConfigError, DEFAULT_CONFIG, resolveConfig } from '../../sync-server/config.js';
import { editorConnectSources } from '../../bin/package-root.js';

const request = (headers: Record<string, string | string[]>, encrypted = false): IncomingMessage =>
  ({ headers, socket: { encrypted } }) as unknown as IncomingMessage;

describe('body types', () => {
  it('parses media types the way browsers do for the CORS safelist', () => {
    expect(parseMediaType(' Text/Plain ; charset=UTF-8')?.essence).toBe('text/plain');
    expect(parseMediaType('application/json;charset="utf-8"')?.params.get('charset')).toBe('utf-8');
    for (const bad of [undefined, '', 'json', 'text/plain, application/json', 'text /plain', 'a/b/c']) expect(parseMediaType(bad), String(bad)).toBeNull();
  });

  it('refuses every body a form or a simple cross-origin request can send', () => {
    const kinds = ['text/plain', 'TEXT/PLAIN; charset=utf-8', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'text/plain, application/json'];
    for (const type of kinds) expect(formBodyRefusal(request({ 'content-type': type }))?.status, type).toBe(415);
    expect(formBodyRefusal(request({}))?.message).toMatch(/without Content-Type is refused/);
    for (const type of ['application/json', 'application/octet-stream', 'image/png', 'text/markdown']) expect(formBodyRefusal(request({ 'content-type': type })), type).toBeNull();
  });

  it('takes JSON as application/json in UTF-8 only', () => {
    expect(bodyTypeRefusal(request({ 'content-type': 'application/json' }), 'json')).toBeNull();
    expect(bodyTypeRefusal(request({ 'content-type': 'Application/JSON; charset=UTF-8' }), 'json')).toBeNull();
    expect(bodyTypeRefusal(request({ 'content-type': 'application/json; charset=latin1' }), 'json')?.message).toMatch(/UTF-8/);
    expect(bodyTypeRefusal(request({ 'content-type': 'application/octet-stream' }), 'json')?.message).toBe('send application/json: got application/octet-stream');
    expect(bodyTypeRefusal(request({}), 'json')?.message).toMatch(/missing/);
  });

  it('takes an upload as its own type or octet-stream, never a form type', () => {
    for (const type of ['application/octet-stream', 'image/png', 'application/pdf']) expect(bodyTypeRefusal(request({ 'content-type': type }), 'file'), type).toBeNull();
    for (const type of ['text/plain', 'multipart/form-data; boundary=b', 'application/x-www-form-urlencoded']) {
      expect(bodyTypeRefusal(request({ 'content-type': type }), 'file')?.status, type).toBe(415);
    }
    expect(bodyTypeRefusal(request({}), 'file')?.status).toBe(415);
  });
});

describe('origins that may change data', () => {
  const own = { host: 'tandem.test:1234' };

  it('knows the origin a request was made to, behind a proxy only when trusted', () => {
    expect(requestOrigin(request(own), false)).toBe('http://tandem.test:1234');
    expect(requestOrigin(request({ host: 'Tandem.test:443' }, true), false)).toBe('https://tandem.test');
    const proxied = request({ host: '127.0.0.1:1234', 'x-forwarded-proto': 'http, https', 'x-forwarded-host': 'evil.example, docs.example.com' });
    expect(requestOrigin(proxied, false)).toBe('http://127.0.0.1:1234');
    expect(requestOrigin(proxied, true)).toBe('https://docs.example.com');
    expect(requestOrigin(request({ host: 'x.example/path' }), false)).toBeNull();
    expect(requestOrigin(request({}), false)).toBeNull();
  });

  it('lets scripts without Origin through, and refuses browsers that say they are cross-site', () => {
    expect(writeOriginProblem(request(own), [], false)).toBeNull();
    expect(writeOriginProblem(request({ ...own, 'sec-fetch-site': 'cross-site' }), [], false)).toMatch(/cross-site/);
    expect(writeOriginProblem(request({ ...own, 'sec-fetch-site': 'same-site' }), [], false)).toMatch(/same-site/);
  });

  it('takes the own origin, listed origins and what the browser marks same-origin', () => {
    expect(writeOriginProblem(request({ ...own, origin: 'http://tandem.test:1234' }), [], false)).toBeNull();
    expect(writeOriginProblem(request({ ...own, origin: 'https://docs.example.com' }), ['https://docs.example.com'], false)).toBeNull();
    expect(writeOriginProblem(request({ ...own, origin: 'https://evil.example' }), ['*'], false)).toBeNull();
    expect(writeOriginProblem(request({ ...own, origin: 'https://docs.example.com', 'sec-fetch-site': 'same-origin' }), [], false)).toBeNull();
  });

  it('refuses every other origin, opaque ones and an empty allow-list alike', () => {
    expect(writeOriginProblem(request({ ...own, origin: 'https://evil.example' }), [], false)).toBe(
      'origin https://evil.example may not change data here: only http://tandem.test:1234 and --allowed-origin may',
    );
    expect(writeOriginProblem(request({ ...own, origin: 'http://tandem.test:1235' }), ['https://docs.example.com'], false)).not.toBeNull();
    expect(writeOriginProblem(request({ ...own, origin: 'https://tandem.test:1234' }), [], false)).not.toBeNull();
    expect(writeOriginProblem(request({ ...own, origin: 'null' }), ['*'], false)).toMatch(/"null"/);
    expect(writeOriginProblem(request({ ...own, origin: ['http://tandem.test:1234', 'http://tandem.test:1234'] }), [], false)).toMatch(/several/);
  });
});

describe('security headers', () => {
  it('forbids framing by default and names the allowed framers when configured', () => {
    const closed = appHeaders({ frameAncestors: [] });
    expect(closed['X-Frame-Options']).toBe('DENY');
    expect(closed['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    const open = appHeaders({ frameAncestors: ['https://intranet.example', 'https://wiki.example'], connectSources: ['wss://sync.example'] });
    expect(open['X-Frame-Options']).toBeUndefined();
    expect(open['Content-Security-Policy']).toContain('frame-ancestors https://intranet.example https://wiki.example');
    expect(open['Content-Security-Policy']).toContain("connect-src 'self' wss://sync.example");
  });

  it('allows no inline script or style in the app, and nothing at all in data answers', () => {
    const csp = appHeaders({ frameAncestors: [] })['Content-Security-Policy'] ?? '';
    expect(csp).not.toContain('unsafe');
    expect(csp).toContain("script-src 'self';");
    expect(DATA_HEADERS['Content-Security-Policy']).toMatch(/^default-src 'none';.*sandbox$/);
    for (const headers of [appHeaders({ frameAncestors: [] }), DATA_HEADERS]) {
      expect(headers).toMatchObject({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    }
  });

  it('reads --frame-ancestors as a list of origins, never *', () => {
    expect(DEFAULT_CONFIG.frameAncestors).toEqual([]);
    expect(resolveConfig({ 'frame-ancestors': 'https://Intranet.example:443, http://localhost:8080' }, {}).frameAncestors).toEqual([
      'https://intranet.example',
      'http://localhost:8080',
    ]);
    expect(resolveConfig({}, { TANDEM_FRAME_ANCESTORS: 'https://wiki.example' }).frameAncestors).toEqual(['https://wiki.example']);
    expect(() => resolveConfig({ 'frame-ancestors': '*' }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({ 'frame-ancestors': 'https://wiki.example/page' }, {})).toThrow(ConfigError);
  });
});

describe('connect sources of an editor build', () => {
  it('reads the origins a build syncs with, and refuses anything that could alter the policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-build-'));
    try {
      expect(editorConnectSources(dir)).toEqual([]);
      expect(editorConnectSources(null)).toEqual([]);
      writeFileSync(join(dir, 'connect-sources.json'), '["wss://sync.example.com"]');
      expect(editorConnectSources(dir)).toEqual(['wss://sync.example.com']);
      for (const bad of ['["wss://x.example; script-src *"]', '["*"]', '{"a":1}', '[1]', 'not json']) {
        writeFileSync(join(dir, 'connect-sources.json'), bad);
        expect(() => editorConnectSources(dir), bad).toThrow(/connect-sources\.json must be/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
