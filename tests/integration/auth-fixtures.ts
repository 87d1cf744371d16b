/**
 * Shared pieces of the access-control and limits tests: token minting (including deliberately
 * broken tokens), a server with token access, and raw sockets that report the HTTP status of a
 * refused upgrade.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import { WebSocket } from 'ws';
import type { AppendMeta, LoadedDoc, PendingWrite, Store, StoreHealth } from '../../persistence/store.js';
import { MemoryStore } from '../../persistence/memory-store.js';
import type { TokenKey } from '../../sync-server/access/access-token.js';
import { createTokenAccess } from '../../sync-server/access/auth.js';
import type { ServerConfig } from '../../sync-server/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { TandemServerOptions } from '../../sync-server/server.js';
import * as Y from 'yjs';
import { synced, within, yClient, type YClient } from '../helpers/clients.js';
import { startFileApiServer, type FileApiServer } from '../helpers/file-api-server.js';
import { waitFor } from '../helpers/wait.js';

export const SECRET = 'test-secret-that-is-long-enough-0123456789';
export const hsKey: TokenKey = { alg: 'HS256', key: new TextEncoder().encode(SECRET) };

export function ed25519Pair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export interface ClaimOverrides {
  sub?: unknown;
  name?: unknown;
  docs?: unknown;
  role?: unknown;
  /** Seconds from now; negative = already expired. Null leaves `exp` out. */
  expiresIn?: number | null;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function payload(claims: ClaimOverrides): Record<string, unknown> {
  const body: Record<string, unknown> = {
    sub: 'sub' in claims ? claims.sub : 'user-1',
    name: 'name' in claims ? claims.name : 'Ada',
    docs: 'docs' in claims ? claims.docs : ['doc'],
    role: 'role' in claims ? claims.role : 'write',
    iat: nowSeconds(),
  };
  const expiresIn = claims.expiresIn === undefined ? 3600 : claims.expiresIn;
  if (expiresIn !== null) body.exp = nowSeconds() + expiresIn;
  return body;
}

/** A token signed with `key` (HS256 secret by default) using algorithm `alg`. */
export async function mint(
  claims: ClaimOverrides = {},
  options: { key?: Uint8Array | KeyObject; alg?: string } = {},
): Promise<string> {
  const key = options.key ?? hsKey.key;
  const alg = options.alg ?? (key instanceof Uint8Array ? 'HS256' : 'EdDSA');
  return new SignJWT(payload(claims)).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}

/** An unsigned token (`alg: none`), which jose will not produce for us. */
export function unsignedToken(claims: ClaimOverrides = {}): string {
  const encode = (value: unknown): string => base64url.encode(JSON.stringify(value));
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload(claims))}.`;
}

/** A server requiring tokens verified with `key` (HS256 secret by default). */
export async function startAuthServer(
  options: { key?: TokenKey; store?: Store; config?: Partial<ServerConfig>; limits?: Partial<ServerConfig['limits']>; api?: TandemServerOptions['api'] } = {},
): Promise<TestServer> {
  const access = createTokenAccess(options.key ?? hsKey);
  return startTestServer({
    authorize: access.authorize,
    authenticate: access.authenticate,
    ...(options.store ? { store: options.store } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.api ? { api: options.api } : {}),
  });
}

/**
 * A file-store API server that wants tokens, where a writer (user `ada`, granted `notes/*`) has
 * made record 1 of document `name` with `write`: for the read-access tests of a document's
 * routes. The writer goes into `clients`, for the caller to destroy; `close()` the server.
 */
export async function tokenServerWithRecord(prefix: string, name: string, write: (doc: Y.Doc) => void, clients: YClient[]): Promise<FileApiServer> {
  const access = createTokenAccess(hsKey);
  const server = await startFileApiServer(prefix, { authorize: access.authorize, authenticate: access.authenticate });
  const client = yClient(server.test.wsUrl, name, { params: { token: await mint({ sub: 'ada', docs: ['notes/*'] }) } });
  clients.push(client);
  await synced(client, 20_000);
  write(client.doc);
  await waitFor(() => server.store.assignedSeq(name) === 1, 'the record', 20_000);
  return server;
}

export interface OpenedSocket {
  ws: WebSocket;
  received: Buffer[];
  closed: Promise<{ code: number; reason: string }>;
}

export type UpgradeOutcome =
  | { status: 101; socket: OpenedSocket }
  | { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** Attempts an upgrade; resolves with the socket (101) or the refusal's status, headers and body. */
export async function tryUpgrade(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<UpgradeOutcome> {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  const received: Buffer[] = [];
  ws.on('message', (data: Buffer) => received.push(data));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
  const outcome = new Promise<UpgradeOutcome>((resolve, reject) => {
    ws.once('open', () => resolve({ status: 101, socket: { ws, received, closed } }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    ws.once('error', (error) => reject(error));
  });
  return within(outcome, timeoutMs, `upgrade of ${url}`);
}

/** The status of an upgrade attempt; an accepted socket is closed again at once. */
export async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const outcome = await tryUpgrade(url, headers);
  if ('socket' in outcome) outcome.socket.ws.close();
  return outcome.status;
}

export interface AppendRecord {
  name: string;
  update: Uint8Array;
  author: string | null;
}

/** A MemoryStore that also records every append with its author: the "disk" the tests inspect. */
export class RecordingStore implements Store {
  readonly appends: AppendRecord[] = [];
  private readonly inner: Store = new MemoryStore();

  load(name: string): Promise<LoadedDoc> {
    return this.inner.load(name);
  }

  append(name: string, update: Uint8Array, meta: AppendMeta): Promise<number> {
    this.appends.push({ name, update, author: meta.author });
    return this.inner.append(name, update, meta);
  }

  flush(name?: string): Promise<void> {
    return this.inner.flush(name);
  }

  health(): StoreHealth {
    return this.inner.health();
  }

  pendingWrites(): PendingWrite[] {
    return this.inner.pendingWrites();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
