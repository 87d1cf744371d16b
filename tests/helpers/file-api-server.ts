/** A test server on the file store in a temp dir, with the `/api` routes: what the API tests talk to. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { FileStore } from '../../persistence/file/file-store.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import type { YClient } from './clients.js';
import { startTestServer, type TestServer } from './server.js';

export interface FileApiServer {
  dataDir: string;
  store: FileStore;
  test: TestServer;
  /** Stops the server (which closes the store) and removes the data dir. */
  close(): Promise<void>;
}

/** `options`: anything else the server takes (access control, limits). */
export async function startFileApiServer(prefix: string, options: Omit<Parameters<typeof startTestServer>[0] & object, 'store' | 'api'> = {}): Promise<FileApiServer> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const store = new FileStore(dataDir);
  const test = await startTestServer({ ...options, store, api: (server) => createApiRoutes(server, store) });
  return {
    dataDir,
    store,
    test,
    close: async () => {
      await test.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface FileApiFixture {
  /** This test's server and store (a fresh pair for every test). */
  readonly store: FileStore;
  readonly test: TestServer;
  /** Clients to destroy after each test, before its server stops. */
  readonly clients: YClient[];
}

/** Registers hooks giving every test of the file a fresh server (`startFileApiServer`). */
export function useFileApiServer(prefix: string): FileApiFixture {
  let current: FileApiServer | null = null;
  const clients: YClient[] = [];
  beforeEach(async () => {
    current = await startFileApiServer(prefix);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await current?.close();
    current = null;
  });
  const running = (): FileApiServer => {
    if (!current) throw new Error('no server outside a test');
    return current;
  };
  return {
    get store() {
      return running().store;
    },
    get test() {
      return running().test;
    },
    clients,
  };
}
