import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError, DEFAULT_CONFIG, SERVER_OPTIONS, resolveConfig } from '../../sync-server/config.js';

describe('config', () => {
  it('has safe defaults', () => {
    const config = resolveConfig({}, {});
    expect(config.port).toBe(1234);
    expect(config.host).toBe('127.0.0.1');
    expect(config.limits.maxMessageBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(config.durable).toBe(true);
  });

  it('reads the environment, and flags win over it', () => {
    const env = { PORT: '4000', HOST: '0.0.0.0', DATA_DIR: '/tmp/x', TANDEM_MAX_MESSAGE_BYTES: '2MiB' };
    const fromEnv = resolveConfig({}, env);
    expect(fromEnv).toMatchObject({ port: 4000, host: '0.0.0.0', dataDir: '/tmp/x' });
    expect(fromEnv.limits.maxMessageBytes).toBe(2 * 1024 * 1024);
    expect(resolveConfig({ port: '5000', 'data-dir': './d' }, env)).toMatchObject({ port: 5000, dataDir: './d' });
  });

  it('takes image uploads up to 10 MiB by default, and another size when told', () => {
    expect(resolveConfig({}, {}).limits.maxFileBytes).toBe(10 * 1024 * 1024);
    expect(resolveConfig({}, { TANDEM_MAX_FILE_BYTES: '512KiB' }).limits.maxFileBytes).toBe(512 * 1024);
    expect(resolveConfig({ 'max-file-bytes': '25MiB' }, { TANDEM_MAX_FILE_BYTES: '512KiB' }).limits.maxFileBytes).toBe(25 * 1024 * 1024);
  });

  it('keeps an image at the file limit within what a document holds, by default and when either is set', () => {
    const MiB = 1024 * 1024;
    const defaults = resolveConfig({}, {}).limits;
    expect(defaults.maxFileBytes).toBeLessThan(defaults.maxDocumentBytes);
    // Anything one import accepts fits in a document too, and a joining client gets all of one.
    expect(resolveConfig({}, {}).maxImportBytes).toBeLessThan(defaults.maxDocumentBytes);
    expect(defaults.maxBufferedBytes).toBeGreaterThan(defaults.maxDocumentBytes + 1024);
    // A lower document limit takes the default file limit down to half of it...
    expect(resolveConfig({ 'max-document-bytes': '4MiB' }, {}).limits.maxFileBytes).toBe(2 * MiB);
    expect(resolveConfig({}, { TANDEM_MAX_DOCUMENT_BYTES: '12MiB' }).limits.maxFileBytes).toBe(6 * MiB);
    expect(resolveConfig({ 'max-document-bytes': '30MiB' }, {}).limits.maxFileBytes).toBe(10 * MiB);
    // ...while a file limit that is set stays as set, and must be less than the document's.
    expect(resolveConfig({ 'max-document-bytes': '4MiB', 'max-file-bytes': '3MiB' }, {}).limits.maxFileBytes).toBe(3 * MiB);
    expect(() => resolveConfig({ 'max-document-bytes': '4MiB' }, { TANDEM_MAX_FILE_BYTES: '4MiB' })).toThrow(/max-file-bytes must be less than max-document-bytes/);
  });

  it.each([
    [{ port: '70000' }],
    [{ port: 'abc' }],
    [{ 'max-message-bytes': '12' }],
    [{ 'log-level': 'loud' }],
    [{ durable: 'maybe' }],
    [{ 'max-connections': '10', 'max-connections-per-room': '11' }],
    [{ 'max-message-bytes': '8MiB', 'max-buffered-bytes': '4MiB' }],
    [{ 'max-file-bytes': '0' }],
    [{ 'max-file-bytes': '2GiB' }],
  ])('refuses %j with a clear error', (flags) => {
    expect(() => resolveConfig(flags, {})).toThrow(ConfigError);
  });

  it('makes a cluster node only with a shared database, and says so', () => {
    const database = { DATABASE_URL: 'postgres://db/tandem' };
    expect(resolveConfig({ 'redis-url': 'redis://:secret@cache:6379' }, database)).toMatchObject({ redisUrl: 'redis://:secret@cache:6379', nodeId: null });
    expect(resolveConfig({ 'node-id': 'web-1' }, { ...database, REDIS_URL: 'rediss://cache' })).toMatchObject({ redisUrl: 'rediss://cache', nodeId: 'web-1' });
    expect(() => resolveConfig({ 'redis-url': 'redis://cache:6379' }, {})).toThrow(/redis-url needs database-url/);
    for (const bad of ['cache:6379', 'http://cache', 'redis://']) {
      expect(() => resolveConfig({ 'redis-url': bad }, database)).toThrow(/--redis-url must be a URL like redis:\/\/host:6379/);
    }
    // The refusal never repeats the URL: it may hold a password.
    expect(() => resolveConfig({ 'redis-url': 'redis//:hunter2@cache' }, database)).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
    for (const bad of ['', 'a b', 'x'.repeat(65), 'nöde']) expect(() => resolveConfig({ 'node-id': bad }, database)).toThrow(ConfigError);
  });

  it('describes every option with a flag, an env variable and a default', () => {
    for (const option of SERVER_OPTIONS) {
      expect(option.flag).toMatch(/^[a-z-]+$/);
      expect(option.env).toMatch(/^[A-Z_]+$/);
      expect(option.description.length).toBeGreaterThan(10);
      expect(option.get(DEFAULT_CONFIG)).not.toBeUndefined();
    }
  });

  it('is documented in the README option table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const option of SERVER_OPTIONS) {
      expect(readme, `README lacks --${option.flag}`).toContain(`| \`--${option.flag}\` | \`${option.env}\` |`);
    }
  });
});
