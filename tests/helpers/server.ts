/** Starts a real Tandem server on a loopback port for a test, with an in-memory log sink. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { DEFAULT_CONFIG, cloneConfig, type ServerConfig } from '../../sync-server/config.js';
import { TandemServer, type TandemServerOptions } from '../../sync-server/server.js';
import { MemoryStore } from '../../persistence/memory-store.js';
import type { Store } from '../../persistence/store.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestServer {
  server: TandemServer;
  store: Store;
  /** `ws://127.0.0.1:port` */
  wsUrl: string;
  httpUrl: string;
  logs: LogLine[];
  close(): Promise<void>;
}

/** A pino logger that keeps every line in memory, so tests can assert on what was logged. */
export function memoryLogger(): { logger: Logger; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), logs };
}

export async function startTestServer(
  overrides: { config?: Partial<ServerConfig>; limits?: Partial<ServerConfig['limits']>; store?: Store } & Partial<Omit<TandemServerOptions, 'config' | 'store' | 'logger'>> = {},
): Promise<TestServer> {
  const config = cloneConfig(DEFAULT_CONFIG);
  Object.assign(config, { port: 0, host: '127.0.0.1' }, overrides.config);
  Object.assign(config.limits, overrides.limits);
  const store = overrides.store ?? new MemoryStore();
  const { logger, logs } = memoryLogger();
  const { config: _c, limits: _l, store: _s, ...rest } = overrides;
  const server = await TandemServer.start({ ...rest, config, store, logger });
  return {
    server,
    store,
    wsUrl: server.url.replace(/^http/, 'ws'),
    httpUrl: server.url,
    logs,
    close: () => server.close(),
  };
}
