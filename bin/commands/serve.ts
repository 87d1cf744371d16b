import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_CONFIG, SERVER_OPTIONS, resolveConfig } from '../../sync-server/config.js';
import { TandemServer } from '../../sync-server/server.js';
import { createTokenAccess } from '../../sync-server/access/auth.js';
import { isLoopbackHost } from '../../sync-server/access/client-address.js';
import { loadVerifyKey } from '../../sync-server/access/token-key.js';
import { DataDirLock, DataDirLockedError } from '../../persistence/file/data-dir-lock.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { carryOverNames, type NameRefusal } from '../../persistence/file/name-carry-over.js';
import { carriedOverName } from '../../sync-server/doc-name.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { editorBuildDir, editorConnectSources } from '../package-root.js';
import type { Command } from '../command.js';

function help(): string {
  const rows = SERVER_OPTIONS.map((o) => {
    const value = o.get(DEFAULT_CONFIG);
    const shown = value === null || (Array.isArray(value) && value.length === 0) ? 'none' : String(value);
    return `  --${o.flag.padEnd(26)} ${o.description}\n  ${''.padEnd(28)} env ${o.env}, default ${shown}`;
  });
  return [
    'Usage: tandem serve [options]',
    '',
    'Runs the editor, the HTTP API and the y-websocket sync server on one port.',
    'Flags win over environment variables, which win over defaults.',
    '',
    'Options:',
    ...rows,
    '  --help                       Show this help',
  ].join('\n');
}

function refusalMessage(dataDir: string, refusals: NameRefusal[]): string {
  return [
    `tandem serve: documents in ${dataDir} have names from an earlier version that cannot be carried over to this one's, so nothing was changed:`,
    ...refusals.map((r) => `  ${JSON.stringify(r.name)} in ${r.dir}: ${r.reason}`),
    'Documents are never merged. Move each of these directories into a data dir of its own (under its docs/),',
    'where `tandem serve --data-dir <that dir>` carries it over by itself, then start this server again.',
    '',
  ].join('\n');
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the editor and sync server',
  help,
  async run(argv, env) {
    const { values } = parseArgs({
      args: argv,
      options: Object.fromEntries(SERVER_OPTIONS.map((o) => [o.flag, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    const config = resolveConfig(values as Record<string, string | undefined>, env, { ...DEFAULT_CONFIG, editorDir: editorBuildDir() });
    const logger = pino({ level: config.logLevel, base: undefined });
    // Reads the key file named in the config, if any: tokens are required from here on.
    const tokenKey = loadVerifyKey({ secret: config.authSecret, secretFile: config.authSecretFile, keyFile: config.authPublicKeyFile });
    const access = tokenKey ? createTokenAccess(tokenKey) : null;
    // One process per data dir: a second server (or an offline restore) would interleave writes.
    let lock: DataDirLock;
    try {
      lock = await DataDirLock.acquire(config.dataDir, 'serve');
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      process.stderr.write(`tandem serve: ${error.message}\n`);
      return 1;
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
      process.stderr.write(refusalMessage(config.dataDir, refusals));
      await lock.release();
      return 1;
    }
    const store = new FileStore(config.dataDir, {
      fsync: config.durable,
      journal: config.journal,
      checkpointEvery: config.checkpointRecords,
      checkpointBytes: config.checkpointBytes,
      logger,
    });
    let server: TandemServer;
    try {
      // Copies what a crash left in the journal into the logs before anyone connects.
      await store.ready();
      server = await TandemServer.start({
        config, store, logger,
        editorConnectSources: editorConnectSources(config.editorDir),
        api: (s) => createApiRoutes(s, store),
        ...(access ? { authorize: access.authorize, authenticate: access.authenticate } : {}),
      });
    } catch (error) {
      await store.close();
      await lock.release();
      throw error;
    }
    await lock.setUrl(server.url);
    if (access) {
      logger.info({ algorithm: tokenKey?.alg }, 'access tokens required');
    } else if (!isLoopbackHost(config.host)) {
      const warning = `listening on ${config.host} without authentication: anyone who can reach this address can read and change every document. Configure --auth-secret or --auth-public-key-file (see "Securing Tandem" in the README).`;
      logger.warn(warning);
      process.stderr.write(`WARNING: ${warning}\n`);
    }
    logger.info({ url: server.url, dataDir: config.dataDir, editor: config.editorDir !== null }, 'serving');
    process.stdout.write(`Tandem is running at ${server.url}/\n`);

    return new Promise<number>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        logger.info({ signal }, 'shutting down');
        server.close().then(
          () => lock.release().then(() => resolve(0), () => resolve(0)),
          (error: unknown) => {
            logger.error({ err: (error as Error).message }, 'shutdown failed');
            resolve(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
