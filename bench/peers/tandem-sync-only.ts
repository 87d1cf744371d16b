/**
 * Diagnostic peer, not in the default comparison: Tandem's sync server with the in-memory store
 * (no files at all) and the same lifted limits as the bench's `tandem serve`. Its distance from
 * `tandem-memory` is the cost of writing the log; its distance from the raw relay is the cost
 * of Yjs, the protocol codec and Tandem's own bookkeeping.
 */
import { pino } from 'pino';
import { DEFAULT_CONFIG, resolveConfig } from '../../sync-server/config.js';
import { TandemServer } from '../../sync-server/server.js';
import { MemoryStore } from '../../persistence/memory-store.js';
import { requestedPort } from './ready-line.js';

const config = resolveConfig(
  {
    port: String(requestedPort()),
    host: '127.0.0.1',
    durable: 'false',
    'max-connections': '100000',
    'max-connections-per-room': '100000',
    'max-connections-per-ip': '100000',
    'messages-per-second': '1000000',
    'message-burst': '1000000',
  },
  {},
  DEFAULT_CONFIG,
);
const logger = pino({ level: config.logLevel, base: undefined });
const server = await TandemServer.start({ config, store: new MemoryStore(), logger });
process.stdout.write(`ready ${server.url}\n`);
const stop = (): void => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
