/** The pure pieces of access control and the abuse limits, without sockets. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../sync-server/access/rate-limit.js';
import { addressKey, clientAddress, isLoopbackHost } from '../../sync-server/access/client-address.js';
import { normalizeOrigin, originAllowed } from '../../sync-server/access/origin-policy.js';
import { docAllowed, parseTtl, patternProblem } from '../../sync-server/access/access-token.js';
import { redactToken, tokenFromRequest } from '../../sync-server/access/auth.js';
import { DocumentSizeBudget } from '../../sync-server/rooms/document-size.js';
import { ConfigError, resolveConfig } from '../../sync-server/config.js';

const request = (headers: Record<string, string>, remoteAddress = '127.0.0.1', url = '/doc'): IncomingMessage =>
  ({ headers, url, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('TokenBucket', () => {
  it('allows a burst, then the refill rate, never more than the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);
    expect(Array.from({ length: 6 }, () => bucket.take())).toEqual([true, true, true, true, true, false]);
    now += 100; // one token
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 60_000; // refills to the burst, not beyond
    expect(Array.from({ length: 6 }, () => bucket.take()).filter(Boolean)).toHaveLength(5);
  });
});

describe('client addresses', () => {
  it('takes the last X-Forwarded-For entry only behind a trusted proxy', () => {
    const req = request({ 'x-forwarded-for': '1.1.1.1, 203.0.113.9' }, '::ffff:10.0.0.2');
    expect(clientAddress(req, false)).toBe('10.0.0.2');
    expect(clientAddress(req, true)).toBe('203.0.113.9');
    expect(clientAddress(request({ 'x-forwarded-for': 'garbage' }, '10.0.0.2'), true)).toBe('10.0.0.2');
  });

  it('counts IPv6 per /64 and IPv4 per address', () => {
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:0db8:0001:0002::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(addressKey('2001:db8:1:2::9'));
    expect(addressKey('2001:db8:1:3::9')).not.toBe(addressKey('2001:db8:1:2::9'));
    expect(addressKey('::ffff:192.0.2.1')).toBe('0000:0000:0000:0000::/64');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  });

  it('knows loopback listen addresses', () => {
    expect(['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.5', 'example.com'].some(isLoopbackHost)).toBe(false);
  });
});

describe('origins', () => {
  it('normalizes origins and refuses URLs that are not origins', () => {
    expect(normalizeOrigin('HTTPS://Docs.Example.com:443/')).toBe('https://docs.example.com');
    expect(normalizeOrigin('http://localhost:5173')).toBe('http://localhost:5173');
    expect(normalizeOrigin('*')).toBe('*');
    expect(normalizeOrigin('https://x.example/path')).toBeNull();
    expect(normalizeOrigin('ftp://x.example')).toBeNull();
    expect(normalizeOrigin('docs.example.com')).toBeNull();
  });

  it('allows listed origins and requests without one', () => {
    const list = ['https://docs.example.com'];
    expect(originAllowed('https://docs.example.com', list)).toBe(true);
    expect(originAllowed(undefined, list)).toBe(true);
    expect(originAllowed('https://evil.example', list)).toBe(false);
    expect(originAllowed('null', list)).toBe(false);
    expect(originAllowed('https://evil.example', [])).toBe(true);
    expect(originAllowed('https://evil.example', ['*'])).toBe(true);
  });
});

describe('token claims and helpers', () => {
  it('matches exact names and trailing-* prefixes', () => {
    expect(docAllowed(['team/*'], 'team/a')).toBe(true);
    expect(docAllowed(['team/*'], 'team/')).toBe(true);
    expect(docAllowed(['team/*'], 'teams')).toBe(false);
    expect(docAllowed(['notes'], 'notes2')).toBe(false);
    expect(docAllowed(['*'], 'anything')).toBe(true);
    expect(patternProblem('team/*')).toBeNull();
    expect(patternProblem('bad\u0001name')).toMatch(/control character/);
  });

  it('parses lifetimes', () => {
    expect([parseTtl('90'), parseTtl('90s'), parseTtl('15m'), parseTtl('1h'), parseTtl('7D')]).toEqual([90, 90, 900, 3600, 604_800]);
    expect([parseTtl('0'), parseTtl('1y'), parseTtl('400d'), parseTtl('-5m'), parseTtl('')]).toEqual([null, null, null, null, null]);
  });

  it('reads the token from the Bearer header first, then the query string', () => {
    expect(tokenFromRequest(request({ authorization: 'Bearer abc' }, '::1', '/d?token=xyz'))).toBe('abc');
    expect(tokenFromRequest(request({}, '::1', '/d?x=1&token=xyz'))).toBe('xyz');
    expect(tokenFromRequest(request({ authorization: 'Basic abc' }))).toBeNull();
  });

  it('redacts tokens from logged URLs', () => {
    expect(redactToken('/doc?token=abc.def.ghi&x=1')).toBe('/doc?token=[redacted]&x=1');
    expect(redactToken('/doc?x=1&TOKEN=abc')).toBe('/doc?x=1&TOKEN=[redacted]');
    expect(redactToken('/doc')).toBe('/doc');
  });
});

describe('DocumentSizeBudget', () => {
  it('measures the document only when the estimate reaches the limit', () => {
    const budget = new DocumentSizeBudget(1000, 100);
    let measured = 0;
    const measure = (): number => {
      measured += 1;
      return 300;
    };
    expect(budget.admits(new Uint8Array(800), measure)).toBe(true);
    budget.grew(800);
    expect(measured).toBe(0);
    // Estimate 900 + 200 > 1000: measure (300) and admit.
    expect(budget.admits(new Uint8Array(200), measure)).toBe(true);
    expect(measured).toBe(1);
    budget.grew(200);
    expect(budget.admits(new Uint8Array(800), () => 500)).toBe(false);
  });
});

describe('access and limit options', () => {
  it('parses the new options from flags and environment', () => {
    const config = resolveConfig(
      { 'allowed-origin': 'https://a.example, http://localhost:5173', 'messages-per-second': '20' },
      { TANDEM_AUTH_SECRET: 'x'.repeat(32), TANDEM_MAX_DOCUMENT_BYTES: '1MiB', TANDEM_TRUST_PROXY: 'true' },
    );
    expect(config.allowedOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(config.limits.messagesPerSecond).toBe(20);
    expect(config.limits.maxDocumentBytes).toBe(1024 * 1024);
    expect(config.authSecret).toBe('x'.repeat(32));
    expect(config.trustProxy).toBe(true);
  });

  it.each([
    [{ 'auth-secret': 'too-short' }],
    [{ 'auth-secret': 'x'.repeat(40), 'auth-public-key-file': '/k.pem' }],
    [{ 'allowed-origin': 'https://a.example/path' }],
    [{ 'max-document-bytes': '64MiB' }],
    [{ 'messages-per-second': '0' }],
  ])('refuses %j', (flags) => {
    expect(() => resolveConfig(flags, {})).toThrow(ConfigError);
  });
});
