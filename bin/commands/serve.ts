import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_CONFIG, SERVER_OPTIONS, resolveConfig } from '../../sync-server/config.js';
import { TandemServer } from '../../sync-server/server.js';
import { MemoryStore } from '../../persistence/memory-store.js';
import { editorBuildDir } from '../package-root.js';
import type { Command } from '../command.js';

function help(): string {
  const rows = SERVER_OPTIONS.map((o) => {
    const value = o.get(DEFAULT_CONFIG);
    return `  --${o.flag.padEnd(26)} ${o.description}\n  ${''.padEnd(28)} env ${o.env}, default ${String(value)}`;
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
    const logger = pino({ level: config.logLevel, base: undefined });
    const store = new MemoryStore();
    const server = await TandemServer.start({ config, store, logger });
    logger.info({ url: server.url, dataDir: config.dataDir, editor: config.editorDir !== null }, 'serving');
    process.stdout.write(`Tandem is running at ${server.url}/\n`);

    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        logger.info({ signal }, 'shutting down');
        server.close().then(resolve, (error: unknown) => {
          logger.error({ err: (error as Error).message }, 'shutdown failed');
          resolve();
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
