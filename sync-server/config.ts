/**
 * Every server option in one place: its default, its flag, its environment variable and its
 * description. `bin/` turns argv + env into a `ServerConfig` with `resolveConfig`; the README
 * table and `tandem serve --help` are generated from the same list, so they cannot drift.
 */

import { ANY_ORIGIN, normalizeOrigin } from './access/origin-policy.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Limits {
  /** Largest WebSocket message accepted; larger frames are refused by ws with 1009. */
  maxMessageBytes: number;
  /** Bytes queued toward one connection before it is closed with 1013 (it resyncs later). */
  maxBufferedBytes: number;
  /** Open WebSocket connections in the whole process; more are refused with HTTP 503. */
  maxConnections: number;
  /** Open WebSocket connections in one document's room; more are refused with HTTP 503. */
  maxConnectionsPerRoom: number;
  /** Open connections (and upgrades in progress) from one client address; more get HTTP 429. */
  maxConnectionsPerIp: number;
  /** Average messages per second one connection may send (token bucket refill); above it: 1008. */
  messagesPerSecond: number;
  /** Messages one connection may send in a burst above the average (token bucket size). */
  messageBurst: number;
  /** Encoded size a document may grow to through clients' updates, its files included; a larger one closes with 4413. */
  maxDocumentBytes: number;
  /**
   * Largest file (image) one upload may add to a document; a larger one gets HTTP 413. Less
   * than maxDocumentBytes, which counts the files: unless set, at most half of it.
   */
  maxFileBytes: number;
}

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL URL: documents and their history live there instead of `dataDir`; null = the data dir. */
  databaseUrl: string | null;
  /** Connections to the database at most. */
  databasePoolSize: number;
  /** Connecting to the database and each query give up after this long (a commit is then retried). */
  databaseTimeoutMs: number;
  /** At startup, a database that cannot be reached yet is waited for this long, then the server gives up; 0 gives up at once. */
  databaseWaitMs: number;
  /** Redis URL: this server is one node of a cluster sharing `databaseUrl` (see sync-server/cluster/); null = on its own. */
  redisUrl: string | null;
  /** This node's name in a cluster (logs, /healthz, /metrics); null = generated at startup. */
  nodeId: string | null;
  logLevel: LogLevel;
  /** Interval between pings; a connection that has not answered the previous ping is dropped. */
  heartbeatMs: number;
  /** How long a stop waits for updates to become durable (a failing disk) before giving up. */
  shutdownTimeoutMs: number;
  /** When false, updates are relayed without waiting for fsync (benchmark reference only). */
  durable: boolean;
  /** Durable updates go to one shared journal (one write per batch for all documents), copied into each document's log in the background; false writes and fsyncs each document's log directly. */
  journal: boolean;
  /** Presence (cursor) changes within this interval are merged into one message per room. */
  presenceIntervalMs: number;
  /** The store writes a checkpoint of a document after this many records since the last one... */
  checkpointRecords: number;
  /** ...or after this many log bytes since the last one, whichever comes first. */
  checkpointBytes: number;
  /** Directory with the built editor; null serves no editor. */
  editorDir: string | null;
  /** HS256 secret for access tokens (at least 32 characters); null when not set. See "Securing Tandem" in the README. */
  authSecret: string | null;
  /** File whose content (trimmed) is the HS256 secret; read by bin at startup. */
  authSecretFile: string | null;
  /** PEM file with an Ed25519 public key (or private key) verifying EdDSA tokens; read by bin. */
  authPublicKeyFile: string | null;
  /** Browser origins allowed to connect and call /api; empty = any. Requests without Origin pass. Calls that change data are also allowed from the server's own origin, and only from these and it. */
  allowedOrigins: readonly string[];
  /** Behind a reverse proxy: take the client address from the last X-Forwarded-For entry, and the scheme and host browsers used from X-Forwarded-Proto / X-Forwarded-Host. */
  trustProxy: boolean;
  /** Origins allowed to show the editor in a frame; empty = none (X-Frame-Options: DENY). */
  frameAncestors: readonly string[];
  /** Deleted documents stay in the trash, restorable, this many days; then they are purged. */
  trashDays: number;
  /** Largest file `POST /api/docs/<doc>/import` accepts (Markdown, HTML, Word). */
  maxImportBytes: number;
  limits: Limits;
}

const MiB = 1024 * 1024;

export const DEFAULT_CONFIG: ServerConfig = Object.freeze({
  port: 1234,
  host: '127.0.0.1',
  dataDir: './data',
  databaseUrl: null,
  databasePoolSize: 10,
  databaseTimeoutMs: 10_000,
  databaseWaitMs: 60_000,
  redisUrl: null,
  nodeId: null,
  logLevel: 'info',
  heartbeatMs: 30_000,
  shutdownTimeoutMs: 30_000,
  durable: true,
  journal: true,
  presenceIntervalMs: 10,
  checkpointRecords: 1000,
  checkpointBytes: 4 * MiB,
  editorDir: null,
  authSecret: null,
  authSecretFile: null,
  authPublicKeyFile: null,
  allowedOrigins: Object.freeze([]),
  trustProxy: false,
  frameAncestors: Object.freeze([]),
  trashDays: 30,
  maxImportBytes: 20 * MiB,
  limits: Object.freeze({
    maxMessageBytes: 4 * MiB,
    // A joining client receives the whole document at once: more than maxDocumentBytes.
    maxBufferedBytes: 40 * MiB,
    maxConnections: 10_000,
    maxConnectionsPerRoom: 500,
    maxConnectionsPerIp: 64,
    messagesPerSecond: 100,
    messageBurst: 300,
    // Documents hold their images: one holds an imported file of maxImportBytes, or three
    // images at maxFileBytes with room for their text.
    maxDocumentBytes: 32 * MiB,
    maxFileBytes: 10 * MiB,
  }),
});

export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
}

type Parser<T> = (raw: string, name: string) => T;

const integer = (min: number, max: number): Parser<number> => (raw, name) => {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
};

const bytes = (min: number, max: number): Parser<number> => (raw, name) => {
  const match = /^\s*(\d+)\s*(b|kib|k|mib|m|gib|g)?\s*$/i.exec(raw);
  const units: Record<string, number> = { b: 1, k: 1024, kib: 1024, m: MiB, mib: MiB, g: 1024 * MiB, gib: 1024 * MiB };
  const value = match ? Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] ?? 1) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a size from ${min} to ${max} bytes (e.g. 4MiB), got "${raw}"`);
  }
  return value;
};

const boolean: Parser<boolean> = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
};

const text: Parser<string> = (raw, name) => {
  if (raw.length === 0) throw new ConfigError(`${name} must not be empty`);
  return raw;
};

/** A comma-separated list of origins such as `https://docs.example.com`, or `*` for any. */
const origins: Parser<readonly string[]> = (raw, name) =>
  raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((entry) => {
    const origin = normalizeOrigin(entry);
    if (origin === null) throw new ConfigError(`${name} must list origins like https://example.com (or *), got "${entry}"`);
    return origin;
  });

/** Like `origins`, without `*`: letting any site frame the editor invites clickjacking. */
const exactOrigins: Parser<readonly string[]> = (raw, name) => {
  const list = origins(raw, name);
  if (list.includes(ANY_ORIGIN)) throw new ConfigError(`${name} must list the origins allowed to frame the editor; * (any site) is not accepted`);
  return list;
};

/** A PostgreSQL URL, trimmed; `name` is the flag or variable it came from, for the message. */
export const parseDatabaseUrl: Parser<string> = (raw, name) => {
  if (!/^postgres(ql)?:\/\/./.test(raw.trim())) throw new ConfigError(`${name} must be a URL like postgres://user:password@host:5432/database`);
  return raw.trim();
};

/** A Redis URL (`redis://` or `rediss://` for TLS), trimmed. */
export const parseRedisUrl: Parser<string> = (raw, name) => {
  const url = raw.trim();
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || !/^rediss?:$/.test(parsed.protocol) || parsed.hostname === '') {
    throw new ConfigError(`${name} must be a URL like redis://host:6379 (rediss:// for TLS, redis://:password@host:6379 with a password)`);
  }
  return url;
};

/** A node id: letters, digits, dot, dash and underscore, 1–64 of them (it becomes a metric label). */
export const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const nodeId: Parser<string> = (raw, name) => {
  const id = raw.trim();
  if (!NODE_ID_PATTERN.test(id)) throw new ConfigError(`${name} must be 1–64 letters, digits, dots, dashes or underscores, got "${raw}"`);
  return id;
};

const logLevel: Parser<LogLevel> = (raw, name) => {
  const found = LOG_LEVELS.find((l) => l === raw.trim().toLowerCase());
  if (!found) throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return found;
};

interface OptionSpec<T> {
  flag: string;
  env: string;
  description: string;
  parse: Parser<T>;
  get(config: ServerConfig): T;
  set(config: ServerConfig, value: T): void;
  /** Boolean flags may be given without a value (`--no-durable` style is not used). */
  isSwitch?: boolean;
}

function option<T>(spec: OptionSpec<T>): OptionSpec<unknown> {
  return spec as unknown as OptionSpec<unknown>;
}

/** The option table: order here is the order of `--help` and the README. */
export const SERVER_OPTIONS: readonly OptionSpec<unknown>[] = [
  option({ flag: 'port', env: 'PORT', description: 'TCP port for HTTP and WebSocket (0 picks a free one)',
    parse: integer(0, 65535), get: (c) => c.port, set: (c, v) => { c.port = v; } }),
  option({ flag: 'host', env: 'HOST', description: 'Address to listen on (0.0.0.0 for every interface)',
    parse: text, get: (c) => c.host, set: (c, v) => { c.host = v; } }),
  option({ flag: 'data-dir', env: 'DATA_DIR', description: 'Directory holding the documents and their history',
    parse: text, get: (c) => c.dataDir, set: (c, v) => { c.dataDir = v; } }),
  option({ flag: 'database-url', env: 'DATABASE_URL', description: 'PostgreSQL URL (postgres://user:password@host:5432/db): keep documents and history there instead of the data dir',
    parse: parseDatabaseUrl, get: (c) => c.databaseUrl, set: (c, v) => { c.databaseUrl = v; } }),
  option({ flag: 'database-pool-size', env: 'TANDEM_DATABASE_POOL_SIZE', description: 'Connections to the database at most',
    parse: integer(2, 1000), get: (c) => c.databasePoolSize, set: (c, v) => { c.databasePoolSize = v; } }),
  option({ flag: 'database-timeout-ms', env: 'TANDEM_DATABASE_TIMEOUT_MS', description: 'Connecting to the database and each query give up after this long (commits are then retried)',
    parse: integer(100, 600_000), get: (c) => c.databaseTimeoutMs, set: (c, v) => { c.databaseTimeoutMs = v; } }),
  option({ flag: 'database-wait-ms', env: 'TANDEM_DATABASE_WAIT_MS', description: 'At startup, wait this long for a database that cannot be reached yet (retrying with backoff), then exit with an error; 0 exits at once',
    parse: integer(0, 86_400_000), get: (c) => c.databaseWaitMs, set: (c, v) => { c.databaseWaitMs = v; } }),
  option({ flag: 'redis-url', env: 'REDIS_URL', description: 'Redis URL (redis://host:6379): run as one node of a cluster sharing --database-url, with updates and presence carried between nodes through Redis',
    parse: parseRedisUrl, get: (c) => c.redisUrl, set: (c, v) => { c.redisUrl = v; } }),
  option({ flag: 'node-id', env: 'TANDEM_NODE_ID', description: 'This node\'s name in a cluster, shown in logs, /healthz and /metrics (default: the host name and a random suffix)',
    parse: nodeId, get: (c) => c.nodeId, set: (c, v) => { c.nodeId = v; } }),
  option({ flag: 'log-level', env: 'LOG_LEVEL', description: `Log verbosity: ${LOG_LEVELS.join(', ')}`,
    parse: logLevel, get: (c) => c.logLevel, set: (c, v) => { c.logLevel = v; } }),
  option({ flag: 'heartbeat-ms', env: 'TANDEM_HEARTBEAT_MS', description: 'Ping interval; a connection missing a pong is dropped',
    parse: integer(100, 3_600_000), get: (c) => c.heartbeatMs, set: (c, v) => { c.heartbeatMs = v; } }),
  option({ flag: 'shutdown-timeout-ms', env: 'TANDEM_SHUTDOWN_TIMEOUT_MS', description: 'On SIGINT/SIGTERM, how long to wait for updates to become durable; past it (a failing disk or database) exit 1 naming what is not',
    parse: integer(0, 86_400_000), get: (c) => c.shutdownTimeoutMs, set: (c, v) => { c.shutdownTimeoutMs = v; } }),
  option({ flag: 'durable', env: 'TANDEM_DURABLE', description: 'Relay updates only after fsync (false is for benchmarks only)',
    parse: boolean, isSwitch: true, get: (c) => c.durable, set: (c, v) => { c.durable = v; } }),
  option({ flag: 'journal', env: 'TANDEM_JOURNAL', description: 'Make updates durable in one shared journal, copied into the documents\' logs in the background (false: fsync each document\'s log)',
    parse: boolean, isSwitch: true, get: (c) => c.journal, set: (c, v) => { c.journal = v; } }),
  option({ flag: 'presence-interval-ms', env: 'TANDEM_PRESENCE_INTERVAL_MS', description: 'Presence changes within this interval are sent as one message per room (longer in rooms of more than 41 people: a quarter of a millisecond per person, up to 250 ms)',
    parse: integer(0, 10_000), get: (c) => c.presenceIntervalMs, set: (c, v) => { c.presenceIntervalMs = v; } }),
  option({ flag: 'checkpoint-records', env: 'TANDEM_CHECKPOINT_RECORDS', description: 'Checkpoint a document after this many logged updates',
    parse: integer(1, 100_000_000), get: (c) => c.checkpointRecords, set: (c, v) => { c.checkpointRecords = v; } }),
  option({ flag: 'checkpoint-bytes', env: 'TANDEM_CHECKPOINT_BYTES', description: 'Checkpoint a document after this many logged bytes',
    parse: bytes(1024, 64 * 1024 * MiB), get: (c) => c.checkpointBytes, set: (c, v) => { c.checkpointBytes = v; } }),
  option({ flag: 'max-message-bytes', env: 'TANDEM_MAX_MESSAGE_BYTES', description: 'Largest accepted message; larger closes with 1009',
    parse: bytes(1024, 1024 * MiB), get: (c) => c.limits.maxMessageBytes, set: (c, v) => { c.limits.maxMessageBytes = v; } }),
  option({ flag: 'max-buffered-bytes', env: 'TANDEM_MAX_BUFFERED_BYTES', description: 'Bytes queued toward a slow reader before it is closed with 1013',
    parse: bytes(1024, 4096 * MiB), get: (c) => c.limits.maxBufferedBytes, set: (c, v) => { c.limits.maxBufferedBytes = v; } }),
  option({ flag: 'max-connections', env: 'TANDEM_MAX_CONNECTIONS', description: 'Open connections in total; more get HTTP 503',
    parse: integer(1, 10_000_000), get: (c) => c.limits.maxConnections, set: (c, v) => { c.limits.maxConnections = v; } }),
  option({ flag: 'max-connections-per-room', env: 'TANDEM_MAX_CONNECTIONS_PER_ROOM', description: 'Open connections per document; more get HTTP 503',
    parse: integer(1, 10_000_000), get: (c) => c.limits.maxConnectionsPerRoom, set: (c, v) => { c.limits.maxConnectionsPerRoom = v; } }),
  option({ flag: 'max-connections-per-ip', env: 'TANDEM_MAX_CONNECTIONS_PER_IP', description: 'Open connections from one client address; more get HTTP 429',
    parse: integer(1, 10_000_000), get: (c) => c.limits.maxConnectionsPerIp, set: (c, v) => { c.limits.maxConnectionsPerIp = v; } }),
  option({ flag: 'messages-per-second', env: 'TANDEM_MESSAGES_PER_SECOND', description: 'Average messages per second per connection; a flood closes with 1008',
    parse: integer(1, 1_000_000), get: (c) => c.limits.messagesPerSecond, set: (c, v) => { c.limits.messagesPerSecond = v; } }),
  option({ flag: 'message-burst', env: 'TANDEM_MESSAGE_BURST', description: 'Messages per connection allowed in a burst above the average',
    parse: integer(1, 10_000_000), get: (c) => c.limits.messageBurst, set: (c, v) => { c.limits.messageBurst = v; } }),
  option({ flag: 'max-document-bytes', env: 'TANDEM_MAX_DOCUMENT_BYTES', description: 'Largest size a document may grow to, its images included; an update past it closes with 4413, an image past it gets 413',
    parse: bytes(1024, 4096 * MiB), get: (c) => c.limits.maxDocumentBytes, set: (c, v) => { c.limits.maxDocumentBytes = v; } }),
  option({ flag: 'max-file-bytes', env: 'TANDEM_MAX_FILE_BYTES', description: 'Largest image one upload may add to a document (less than max-document-bytes; unless set, at most half of it); a larger one gets HTTP 413',
    parse: bytes(1, 1024 * MiB), get: (c) => c.limits.maxFileBytes, set: (c, v) => { c.limits.maxFileBytes = v; } }),
  option({ flag: 'trash-days', env: 'TANDEM_TRASH_DAYS', description: 'Deleted documents stay in the trash, restorable, this many days; then they are deleted for good',
    parse: integer(1, 36_500), get: (c) => c.trashDays, set: (c, v) => { c.trashDays = v; } }),
  option({ flag: 'max-import-bytes', env: 'TANDEM_MAX_IMPORT_BYTES', description: 'Largest file a new document can be imported from (Markdown, HTML, Word); larger gets HTTP 413',
    parse: bytes(1024, 1024 * MiB), get: (c) => c.maxImportBytes, set: (c, v) => { c.maxImportBytes = v; } }),
  option({ flag: 'auth-secret', env: 'TANDEM_AUTH_SECRET', description: 'HS256 secret: every upgrade and /api call then needs a token',
    parse: text, get: (c) => c.authSecret, set: (c, v) => { c.authSecret = v; } }),
  option({ flag: 'auth-secret-file', env: 'TANDEM_AUTH_SECRET_FILE', description: 'File holding the HS256 secret (keeps it out of ps and the environment)',
    parse: text, get: (c) => c.authSecretFile, set: (c, v) => { c.authSecretFile = v; } }),
  option({ flag: 'auth-public-key-file', env: 'TANDEM_AUTH_PUBLIC_KEY_FILE', description: 'Ed25519 PEM key file: tokens are then EdDSA-signed',
    parse: text, get: (c) => c.authPublicKeyFile, set: (c, v) => { c.authPublicKeyFile = v; } }),
  option({ flag: 'allowed-origin', env: 'TANDEM_ALLOWED_ORIGINS', description: 'Comma-separated browser origins allowed (default: the server’s own origin without tokens, any with them); others get 403',
    parse: origins, get: (c) => c.allowedOrigins, set: (c, v) => { c.allowedOrigins = v; } }),
  option({ flag: 'trust-proxy', env: 'TANDEM_TRUST_PROXY', description: 'Client address from X-Forwarded-For, scheme and host from X-Forwarded-Proto/-Host (only behind your own proxy)',
    parse: boolean, isSwitch: true, get: (c) => c.trustProxy, set: (c, v) => { c.trustProxy = v; } }),
  option({ flag: 'frame-ancestors', env: 'TANDEM_FRAME_ANCESTORS', description: 'Comma-separated origins allowed to show the editor in a frame',
    parse: exactOrigins, get: (c) => c.frameAncestors, set: (c, v) => { c.frameAncestors = v; } }),
];

export function cloneConfig(config: ServerConfig): ServerConfig {
  return { ...config, limits: { ...config.limits } };
}

/**
 * Builds a config from defaults, then the environment, then flags (flags win).
 * `flags` maps flag names (without dashes) to their raw string values.
 */
export function resolveConfig(
  flags: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
  base: ServerConfig = DEFAULT_CONFIG,
): ServerConfig {
  const config = cloneConfig(base);
  const given = new Set<string>();
  for (const spec of SERVER_OPTIONS) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') spec.set(config, spec.parse(fromEnv, spec.env));
    const fromFlag = flags[spec.flag];
    if (fromFlag !== undefined) spec.set(config, spec.parse(fromFlag, `--${spec.flag}`));
    if ((fromEnv !== undefined && fromEnv !== '') || fromFlag !== undefined) given.add(spec.flag);
  }
  // A smaller document limit takes the default image limit down with it: a document must be
  // able to hold an image that an upload may add.
  if (!given.has('max-file-bytes')) config.limits.maxFileBytes = Math.min(config.limits.maxFileBytes, Math.floor(config.limits.maxDocumentBytes / 2));
  validateConfig(config);
  return config;
}

/** Rejects contradictory settings at startup rather than failing later under load. */
export function validateConfig(config: ServerConfig): void {
  const { limits } = config;
  if (limits.maxConnectionsPerRoom > limits.maxConnections) {
    throw new ConfigError('max-connections-per-room cannot exceed max-connections');
  }
  if (limits.maxBufferedBytes < limits.maxMessageBytes) {
    // A single legitimate reply (e.g. a large document's sync step 2) must fit in the buffer.
    throw new ConfigError('max-buffered-bytes must be at least max-message-bytes');
  }
  if (limits.maxBufferedBytes < limits.maxDocumentBytes + 1024) {
    // A joining client receives the whole document as one sync step 2 message.
    throw new ConfigError('max-buffered-bytes must exceed max-document-bytes by at least 1 KiB');
  }
  if (limits.maxFileBytes >= limits.maxDocumentBytes) {
    // A document counts its files: an image that large could never be added to one.
    throw new ConfigError('max-file-bytes must be less than max-document-bytes, which counts a document\'s images (lower --max-file-bytes, or raise --max-document-bytes)');
  }
  if (limits.messageBurst < 1 || limits.messagesPerSecond < 1) {
    throw new ConfigError('messages-per-second and message-burst must be at least 1');
  }
  if (config.redisUrl !== null && config.databaseUrl === null) {
    // Each node would keep documents in a data dir of its own: nothing to catch up from, and
    // a node's documents would be lost to the others when it stops.
    throw new ConfigError('redis-url needs database-url: the nodes of a cluster keep documents in one shared PostgreSQL database (add --database-url postgres://…)');
  }
  const keySources = [config.authSecret, config.authSecretFile, config.authPublicKeyFile].filter((k) => k !== null);
  if (keySources.length > 1) {
    throw new ConfigError('configure one token key only: auth-secret, auth-secret-file or auth-public-key-file');
  }
  if (config.authSecret !== null && config.authSecret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`auth-secret must be at least ${MIN_SECRET_LENGTH} characters (use a random string)`);
  }
}

/** HS256 secrets shorter than this are guessable offline from a single token. */
export const MIN_SECRET_LENGTH = 32;
