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
