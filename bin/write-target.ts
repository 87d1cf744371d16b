/**
 * Where a command that changes documents (restore, import, delete, undelete, compact, backup, version) does its work:
 * through the running server that uses the data dir or database — so connected clients see the
 * change at once, and the server's own writes never interleave with the command's — or, when
 * none runs, in the store itself (a data dir under its lock; a database, which allocates
 * sequence numbers itself, so a server starting meanwhile cannot collide).
 */
import { DataDirLock, DataDirLockedError, describeHolder, readLiveLock } from '../persistence/file/data-dir-lock.js';
import type { BlobStore } from '../persistence/blobs.js';
import { FileBlobs } from '../persistence/file/file-blobs.js';
import { FileStore } from '../persistence/file/file-store.js';
import { PostgresBlobs } from '../persistence/postgres/pg-blobs.js';
import type { DocArchive } from '../persistence/archive.js';
import { PostgresStore } from '../persistence/postgres/postgres-store.js';
import { liveServers } from '../persistence/postgres/server-registry.js';
import type { Store } from '../persistence/store.js';
import type { DocTrash } from '../persistence/trash.js';
import type { NamedVersions } from '../persistence/named-versions.js';
import { CommandError } from './command.js';
import { openDatabase, type StoreChoice } from './data-dir-option.js';

export type WritableStore = Store & DocArchive & DocTrash & NamedVersions;

export type WriteTarget =
  | { kind: 'server'; url: string }
  | { kind: 'store'; store: WritableStore; blobs: BlobStore; where: string; close(): Promise<void> };

/** The running server, or the store opened for writing; `CommandError` when another command holds the data dir. */
export async function writeTarget(command: string, choice: StoreChoice): Promise<WriteTarget> {
  if (choice.kind === 'database') {
    const db = await openDatabase(choice.url);
    const [server] = await liveServers(db).finally(() => db.close());
    if (server) return { kind: 'server', url: server.url };
    const store = new PostgresStore(choice.url);
    return { kind: 'store', store, blobs: new PostgresBlobs(store.db), where: store.db.label, close: () => store.close() };
  }
  const { dataDir } = choice;
  const access = await serverOrLock(dataDir, command);
  if (access.kind === 'server') return access;
  const { lock } = access;
  const store = new FileStore(dataDir);
  return {
    kind: 'store',
    store,
    blobs: new FileBlobs(dataDir),
    where: store.dataDir,
    close: async () => {
      await store.close();
      await lock.release();
    },
  };
}

/**
 * The server running on a data dir, to go through, or else the data dir's lock, taken for
 * `command`; `CommandError` when another command holds it.
 */
export async function serverOrLock(dataDir: string, command: string): Promise<{ kind: 'server'; url: string } | { kind: 'locked'; lock: DataDirLock }> {
  const live = await readLiveLock(dataDir);
  if (live?.url) return { kind: 'server', url: live.url };
  if (live) throw new CommandError(`${describeHolder(live)} holds ${dataDir}; try again when it has finished`);
  try {
    return { kind: 'locked', lock: await DataDirLock.acquire(dataDir, command) };
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    throw new CommandError(`${error.message}; try again when it has finished`);
  }
}

export interface ServerAnswer {
  status: number;
  ok: boolean;
  body: Record<string, unknown>;
}

/** Calls the server's API with the token, if any; a server that cannot be reached is a `CommandError`. */
export async function callServer(serverUrl: string, method: string, path: string, options: { token: string | null; type?: string; body?: Uint8Array | string; timeoutMs?: number }): Promise<ServerAnswer> {
  const headers: Record<string, string> = {};
  if (options.type) headers['content-type'] = options.type;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let res: Response;
  try {
    // Copied into an ArrayBuffer of its own, as fetch takes bytes.
    const body = options.body === undefined || typeof options.body === 'string' ? options.body : new Uint8Array(options.body);
    res = await fetch(`${serverUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
  } catch (error) {
    throw new CommandError(`cannot reach the server at ${serverUrl}: ${(error as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, ok: res.ok, body };
}

/** A refusal from the server, for stderr. */
export function serverRefusal(command: string, serverUrl: string, answer: ServerAnswer): string {
  return `tandem ${command}: the server at ${serverUrl} answered ${answer.status}: ${String(answer.body['error'] ?? 'no reason given')}\n`;
}

/** `--token` or TANDEM_TOKEN: the access token for a server that requires them. */
export const TOKEN_HELP = '  --token <jwt>      Access token with write access, when the server requires tokens\n                     (env TANDEM_TOKEN)';

export function tokenFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string | null {
  return flag ?? (env.TANDEM_TOKEN || null);
}
