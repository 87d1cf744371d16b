import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_CONFIG, SERVER_OPTIONS, resolveConfig } from '../../sync-server/config.js';
import { TandemServer } from '../../sync-server/server.js';
import { createTokenAccess } from '../../sync-server/access/auth.js';
import { isLoopbackHost } from '../../sync-server/access/client-address.js';
import { loadVerifyKey } from '../../sync-server/access/token-key.js';
import { StoreStartError, openServeStore } from '../serve-store.js';
import { StoreNotDurableError } from '../../persistence/store.js';
import { createApiRoutes } from '../../sync-server/http/api-routes.js';
import { editorBuildDir, editorConnectSources } from '../package-root.js';
import type { Command } from '../command.js';
import { generateNodeId } from '../../sync-server/cluster/node-identity.js';
import type { TandemServerOptions } from '../../sync-server/server.js';

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
    // In a cluster every log line names its node.
    const nodeId = config.redisUrl !== null ? (config.nodeId ?? generateNodeId()) : null;
    const logger = pino({ level: config.logLevel, base: nodeId !== null ? { node: nodeId } : undefined });
    // Reads the key file named in the config, if any: tokens are required from here on.
    const tokenKey = loadVerifyKey({ secret: config.authSecret, secretFile: config.authSecretFile, keyFile: config.authPublicKeyFile });
    const access = tokenKey ? createTokenAccess(tokenKey) : null;
    const opened = await openServeStore(config, logger);
    if ('refused' in opened) {
      process.stderr.write(`tandem serve: ${opened.refused}\n`);
      return 1;
    }
    const { store } = opened;
    let cluster: TandemServerOptions['cluster'];
    let server: TandemServer;
    try {
      await opened.ready();
      if (config.redisUrl !== null && nodeId !== null && opened.sharedLog) {
        // Loaded only here: the Redis client is large, and every other command would pay for it.
        const { RedisBus } = await import('../../sync-server/cluster/redis-bus.js');
        const bus = new RedisBus(config.redisUrl, { clientName: `tandem:${nodeId}`, logger });
        // Serves at once: until Redis answers, this node is on its own (health says so).
        bus.start();
        cluster = { nodeId, bus, log: opened.sharedLog };
        logger.info({ redis: bus.label }, 'joining the cluster');
      }
      server = await TandemServer.start({
        config, store, logger,
        blobs: opened.blobs,
        editorConnectSources: editorConnectSources(config.editorDir),
        api: (s) => createApiRoutes(s, store),
        trash: store,
        ...(access ? { authorize: access.authorize, authenticate: access.authenticate } : {}),
        ...(cluster ? { cluster } : {}),
      });
    } catch (error) {
      await cluster?.bus.close();
      await store.close();
      await opened.release();
      if (!(error instanceof StoreStartError)) throw error;
      process.stderr.write(`tandem serve: ${error.message}\n`);
      return 1;
    }
    await opened.announce(server.url);
    if (access) {
      logger.info({ algorithm: tokenKey?.alg }, 'access tokens required');
    } else if (!isLoopbackHost(config.host)) {
      const warning = `listening on ${config.host} without authentication: anyone who can reach this address can read and change every document. Configure --auth-secret or --auth-public-key-file (see "Securing Tandem" in the README).`;
      logger.warn(warning);
      process.stderr.write(`WARNING: ${warning}\n`);
    }
    logger.info({ url: server.url, ...opened.where, editor: config.editorDir !== null }, 'serving');
    process.stdout.write(`Tandem is running at ${server.url}/${nodeId !== null ? ` (cluster node ${nodeId})` : ''}\n`);

    return new Promise<number>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        logger.info({ signal }, 'shutting down');
        const stopped = server.close().then(
          () => 0,
          (error: unknown) => {
            // A store giving up at the deadline has logged what is not durable already.
            if (!(error instanceof StoreNotDurableError)) logger.error({ err: (error as Error).message }, 'shutdown failed');
            process.stderr.write(`tandem serve: shutdown incomplete: ${(error as Error).message}\n`);
            return 1;
          },
        );
        void stopped.then((code) => opened.release().then(() => resolve(code), () => resolve(code)));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
