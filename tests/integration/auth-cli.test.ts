/**
 * The command line as users run it: `tandem token` mints tokens that `tandem serve` (configured
 * by flag, environment or key file) accepts; bad input gets a clear usage error; listening on a
 * public address without auth prints a warning.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { DEADLINE_MS, waitFor } from '../helpers/wait.js';
import { SECRET, mint, upgradeStatus } from './auth-fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tandem-auth-cli-'));
const children: ChildServer[] = [];

afterAll(async () => {
  for (const child of children) {
    child.process.kill('SIGTERM');
    await child.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

function tandem(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/tandem.ts', ...args],
      { cwd: root, env: { ...process.env, TANDEM_AUTH_SECRET: '', ...env }, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let servers = 0;
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  // One data dir per server: a data dir belongs to one process.
  const dataDir = join(dir, `data-${(servers += 1)}`);
  const child = await startChildServer(['--data-dir', dataDir, ...args], { TANDEM_AUTH_SECRET: '', ...env });
  children.push(child);
  return child;
}

describe('tandem token and tandem serve with auth', () => {
  it('mints HS256 tokens the server accepts, with the secret from the environment', async () => {
    const env = { TANDEM_AUTH_SECRET: SECRET };
    const [server, minted, reader] = await Promise.all([
      serve([], env),
      tandem(['token', '--doc', 'team/*', '--user', 'ada', '--name', 'Ada L', '--role', 'write', '--ttl', '10m'], env),
      tandem(['token', '--doc', 'other', '--user', 'bob'], env),
    ]);
    expect(minted.code, minted.stderr).toBe(0);
    const token = minted.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'ada', name: 'Ada L', docs: ['team/*'], role: 'write' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(600);
    expect(JSON.parse(Buffer.from(reader.stdout.trim().split('.')[1] ?? '', 'base64url').toString())).toMatchObject({ role: 'read', name: 'bob' });

    expect(await upgradeStatus(`${server.wsUrl}/team/notes?token=${token}`)).toBe(101);
    expect(await upgradeStatus(`${server.wsUrl}/team/notes`)).toBe(401);
    expect(await upgradeStatus(`${server.wsUrl}/team/notes?token=${reader.stdout.trim()}`)).toBe(403);
    const list = await fetch(`${server.httpUrl}/api/docs`, { signal: AbortSignal.timeout(DEADLINE_MS) });
    expect(list.status).toBe(401);
    expect(server.output()).toContain('access tokens required');
  });

  it('mints EdDSA tokens with a private key file that a server holding the public key accepts', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = join(dir, 'tandem.pub');
    const key = join(dir, 'tandem.key');
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const [server, minted] = await Promise.all([
      serve(['--auth-public-key-file', pub]),
      tandem(['token', '--doc', 'doc', '--user', 'ada', '--role', 'write', '--private-key-file', key]),
    ]);
    expect(minted.code, minted.stderr).toBe(0);
    expect(await upgradeStatus(`${server.wsUrl}/doc?token=${minted.stdout.trim()}`)).toBe(101);
    // An HS256 token, whatever its secret, does not pass an EdDSA server.
    expect(await upgradeStatus(`${server.wsUrl}/doc?token=${await mint()}`)).toBe(401);
  });

  it('warns when listening on a public address without auth, and not otherwise', async () => {
    const [open, secured] = await Promise.all([serve(['--host', '0.0.0.0']), serve(['--host', '0.0.0.0', '--auth-secret', SECRET])]);
    // The log line goes to stdout before the "running" line; the WARNING goes to stderr, a
    // separate pipe that may be read later.
    expect(open.output()).toMatch(/"level":40,.*"msg":"listening on 0\.0\.0\.0 without authentication/);
    await waitFor(() => /WARNING: listening on 0\.0\.0\.0 without authentication/.test(open.output()), 'the warning on stderr');
    expect(secured.output()).not.toContain('without authentication');
    const local = await serve([]);
    expect(local.output()).not.toContain('without authentication');
  });

  it('refuses bad token requests and weak or conflicting keys with a usage error', async () => {
    const results = await Promise.all([
      tandem(['token', '--user', 'ada', '--auth-secret', SECRET]),
      tandem(['token', '--doc', 'doc', '--auth-secret', SECRET]),
      tandem(['token', '--doc', 'doc', '--user', 'ada', '--role', 'admin', '--auth-secret', SECRET]),
      tandem(['token', '--doc', 'doc', '--user', 'ada', '--ttl', '2y', '--auth-secret', SECRET]),
      tandem(['token', '--doc', 'doc', '--user', 'ada']),
      tandem(['token', '--doc', 'doc', '--user', 'ada', '--auth-secret', 'short']),
      tandem(['serve', '--port', '0', '--data-dir', join(dir, 'bad-1'), '--auth-secret', 'short']),
      tandem(['serve', '--port', '0', '--data-dir', join(dir, 'bad-2'), '--auth-secret', SECRET, '--auth-public-key-file', join(dir, 'x.pem')]),
      tandem(['serve', '--port', '0', '--data-dir', join(dir, 'bad-3'), '--allowed-origin', 'https://ok.example/path']),
    ]);
    const messages = ['--doc is required', '--user is required', '--role must be one of read, comment, write', '--ttl must be', 'no signing key',
      'at least 32 characters', 'at least 32 characters', 'configure one token key only', '--allowed-origin must list origins'];
    results.forEach((result, i) => {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(messages[i]);
    });
  });
});
