/**
 * Turns the configured key material into a `TokenKey`. Called from `bin/` at startup (it reads
 * the key files named in the config); the server itself only ever sees the loaded key.
 *
 * - HS256: a secret of at least 32 characters, given directly or as a file (content trimmed).
 * - EdDSA: a PEM file with an Ed25519 key. For verifying, a public key (SPKI) or a private key
 *   (PKCS#8, its public half is used) will do; for signing, the private key is needed.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigError, MIN_SECRET_LENGTH } from '../config.js';
import type { TokenKey } from './access-token.js';

export interface KeySources {
  secret: string | null;
  secretFile: string | null;
  /** Verifying: public or private key file. Signing: private key file. */
  keyFile: string | null;
}

function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

function secretKey(secret: string, origin: string): TokenKey {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`${origin} must be at least ${MIN_SECRET_LENGTH} characters (use a random string)`);
  }
  return { alg: 'HS256', key: new TextEncoder().encode(secret) };
}

function ed25519(path: string, make: (pem: string) => KeyObject, what: string): TokenKey {
  let key: KeyObject;
  try {
    key = make(readKeyFile(path, what));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${path} is not a PEM ${what}: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(`${path} holds a ${key.asymmetricKeyType ?? 'unknown'} key; Tandem tokens use Ed25519`);
  }
  return { alg: 'EdDSA', key };
}

function oneSource(sources: KeySources): void {
  const given = [sources.secret, sources.secretFile, sources.keyFile].filter((s) => s !== null);
  if (given.length > 1) throw new ConfigError('configure one token key only: a secret, a secret file or a key file');
}

/** The key that verifies tokens, or null for open access (no key configured). */
export function loadVerifyKey(sources: KeySources): TokenKey | null {
  oneSource(sources);
  if (sources.secret !== null) return secretKey(sources.secret, 'auth-secret');
  if (sources.secretFile !== null) return secretKey(readKeyFile(sources.secretFile, 'secret file').trim(), `the secret in ${sources.secretFile}`);
  if (sources.keyFile !== null) return ed25519(sources.keyFile, (pem) => createPublicKey(pem), 'Ed25519 key');
  return null;
}

/** The key that signs tokens; throws when none is configured. */
export function loadSigningKey(sources: KeySources): TokenKey {
  oneSource(sources);
  if (sources.secret !== null) return secretKey(sources.secret, 'auth-secret');
  if (sources.secretFile !== null) return secretKey(readKeyFile(sources.secretFile, 'secret file').trim(), `the secret in ${sources.secretFile}`);
  if (sources.keyFile !== null) return ed25519(sources.keyFile, (pem) => createPrivateKey(pem), 'Ed25519 private key');
  throw new ConfigError('no signing key: give --auth-secret, --auth-secret-file or --private-key-file (or their environment variables)');
}
