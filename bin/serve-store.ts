/**
 * The store `tandem serve` runs on: the data dir (one server per data dir, held by its lock
 * file) or, with `--database-url`, PostgreSQL (any number of servers; each lists itself in the
 * database so `tandem restore` can find one). A database that cannot be reached yet — started
 * alongside the server by systemd or compose — is waited for, up to `--database-wait-ms`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ServerConfig } from '../sync-server/config.js';
import { carriedOverName } from '../sync-server/doc-name.js';
import type { ApiStore } from '../sync-server/http/api-routes.js';
import type { SharedLog, Store } from '../persistence/store.js';
import type { BlobStore } from '../persistence/blobs.js';
import { FileBlobs } from '../persistence/file/file-blobs.js';
import { PostgresBlobs } from '../persistence/postgres/pg-blobs.js';
import type { DocTrash } from '../persistence/trash.js';
import { DataDirLock, DataDirLockedError } from '../persistence/file/data-dir-lock.js';
import { FileStore } from '../persistence/file/file-store.js';
import { carryOverNames, type NameRefusal } from '../persistence/file/name-carry-over.js';
import { Database, isUnreachable } from '../persistence/postgres/database.js';
import { PostgresStore } from '../persistence/postgres/postgres-store.js';
import { ServerRegistration } from '../persistence/postgres/server-registry.js';

/** The store cannot be used as configured: the message is for the user. */
export class StoreStartError extends Error {
  readonly code = 'ERR_STORE_START';
}

export interface ServeStore {
  store: Store & ApiStore & DocTrash;
  /** The store as the nodes of a cluster share it (PostgreSQL); null for a data dir. */
  sharedLog: SharedLog | null;
  /** Documents' files, in the same data dir or database. */
  blobs: BlobStore;
  /** What the "serving" log line says about where documents are kept. */
  where: Record<string, string>;
  /** Makes the store usable (recovery, migrations); rejects with a message for the user. */
  ready(): Promise<void>;
  /** The server listens at `url`: tell commands that look for it. */
  announce(url: string): Promise<void>;
  /** After the server (and its store) closed. */
  release(): Promise<void>;
}

/** A store for the configuration, or a message saying why there can be none. */
export async function openServeStore(config: ServerConfig, logger: Logger): Promise<ServeStore | { refused: string }> {
  const checkpointing = { checkpointEvery: config.checkpointRecords, checkpointBytes: config.checkpointBytes, logger };
  if (config.databaseUrl !== null) {
    const databaseUrl = config.databaseUrl;
    const store = new PostgresStore(databaseUrl, { ...checkpointing, poolSize: config.databasePoolSize, timeoutMs: config.databaseTimeoutMs });
    // Its own connection: the registration outlives the store's pool at shutdown.
    const registryDb = new Database(databaseUrl, { logger, poolSize: 1, timeoutMs: config.databaseTimeoutMs });
    let registration: ServerRegistration | null = null;
    return {
      store,
      sharedLog: store,
      blobs: new PostgresBlobs(store.db),
      where: { database: store.db.label },
      ready: () => readyWhenReachable(store, config.databaseWaitMs, logger),
      announce: async (url) => {
        registration = await ServerRegistration.register(registryDb, url, (error) =>
          logger.warn({ database: store.db.label, err: store.db.describe(error) }, 'could not refresh this server\'s entry in the database'));
      },
      release: async () => {
        await registration?.unregister().catch(() => undefined);
        await registryDb.close();
      },
    };
  }
  // One process per data dir: a second server (or an offline restore) would interleave writes.
  let lock: DataDirLock;
  try {
    lock = await DataDirLock.acquire(config.dataDir, 'serve');
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    return { refused: error.message };
  }
  // Documents stored under names an earlier version gave them get the names clients now
  // reach them by, before anyone connects.
  let refusals: NameRefusal[];
  try {
    ({ refusals } = await carryOverNames(config.dataDir, carriedOverName, logger));
  } catch (error) {
    await lock.release();
    throw error;
  }
  if (refusals.length > 0) {
    await lock.release();
    return { refused: nameRefusalMessage(config.dataDir, refusals) };
  }
  const store = new FileStore(config.dataDir, { ...checkpointing, fsync: config.durable, journal: config.journal });
  return {
    store,
    sharedLog: null,
    blobs: new FileBlobs(config.dataDir, undefined, { fsync: config.durable }),
    where: { dataDir: config.dataDir },
    // Copies what a crash left in the journal into the logs before anyone connects.
    ready: () => store.ready(),
    announce: (url) => lock.setUrl(url),
    release: () => lock.release(),
  };
}

/** Why a data dir's names cannot be carried over, and what to do: for `serve` and `migrate`. */
export function nameRefusalMessage(dataDir: string, refusals: NameRefusal[]): string {
  return [
    `documents in ${dataDir} have names from an earlier version that cannot be carried over to this one's, so nothing was changed:`,
    ...refusals.map((r) => `  ${JSON.stringify(r.name)} in ${r.dir}: ${r.reason}`),
    'Documents are never merged. Move each of these directories into a data dir of its own (under its docs/),',
    'where `tandem serve --data-dir <that dir>` carries it over by itself, then try again.',
  ].join('\n');
}

/** Waits between attempts to reach the database at startup: doubling from the first to the last. */
const WAIT_FIRST_MS = 250;
const WAIT_MAX_MS = 5000;

/**
 * `store.ready()`, tried again with backoff while the database cannot be reached, for up to
 * `waitMs`; each failed attempt is logged. Anything else (a wrong password, no such database,
 * a setting to change) fails at once: waiting would not help.
 */
async function readyWhenReachable(store: PostgresStore, waitMs: number, logger: Logger): Promise<void> {
  const { label } = store.db;
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await store.ready();
      if (attempt > 1) logger.info({ database: label, attempts: attempt }, 'database reachable');
      return;
    } catch (error) {
      const reason = store.db.describe(error);
      if (!isUnreachable(error)) throw new StoreStartError(`cannot use the database ${label}: ${reason}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        const waited = waitMs > 0 ? ` within ${waitMs / 1000} s (${attempt} attempts)` : '';
        throw new StoreStartError(`cannot reach the database ${label}${waited}: ${reason}. Start it, or wait longer for it with --database-wait-ms`);
      }
      const retryInMs = Math.min(left, WAIT_MAX_MS, WAIT_FIRST_MS * 2 ** (attempt - 1));
      logger.warn({ database: label, attempt, err: reason, retryInMs }, 'database not reachable yet; waiting for it');
      await sleep(retryInMs);
    }
  }
}
