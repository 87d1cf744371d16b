/**
 * The servers compared, and how each is started. Every one runs as its own Node process and
 * prints a line carrying its URL once it accepts connections. Tandem runs as built (`dist/`,
 * what `npm start` runs; bench/run.ts builds it first); the peers through small TypeScript
 * wrappers (`node --import tsx …`) around their published JavaScript.
 */
import type { WireProtocol } from '../load/wire.js';

/** Compared by default, in this order. */
export const SERVER_IDS = ['tandem', 'tandem-postgres', 'tandem-memory', 'y-websocket-server', 'hocuspocus', 'raw-relay'] as const;
/** Selectable with --servers, for diagnosis. */
export const EXTRA_SERVER_IDS = ['tandem-sync-only', 'tandem-no-journal', 'tandem-ram-disk', 'tandem-baseline', 'tandem-postgres-baseline'] as const;
export type ServerId = (typeof SERVER_IDS)[number] | (typeof EXTRA_SERVER_IDS)[number];

export interface ServerKind {
  id: ServerId;
  label: string;
  protocol: WireProtocol;
  /** Tandem needs a data directory; the peers keep everything in memory. */
  usesDataDir: boolean;
  /** Where the data directory is made (default: the OS's temp dir). */
  dataDirParent?: string;
  /** Keeps documents in PostgreSQL (a fresh database per run). */
  usesDatabase?: boolean;
  /** Started through tsx (its transform also wraps every closure to keep its name, which costs memory). */
  typescript: boolean;
  /** Node arguments (after any profiling flags). */
  args(dataDir: string, databaseUrl: string): string[];
  ready: RegExp;
}

/**
 * Tandem with its admission limits lifted: every simulated client comes from 127.0.0.1, and the
 * per-address and flood limits exist for the open internet, not for a load generator. The
 * limits are still checked on every message, so their cost is measured.
 */
export const BENCH_LIMIT_ARGS = [
  '--max-connections', '100000',
  '--max-connections-per-room', '100000',
  '--max-connections-per-ip', '100000',
  '--messages-per-second', '1000000',
  '--message-burst', '1000000',
];

const tandemArgs = (durable: boolean, journal = true, entry = 'dist/bin/tandem.js') => (dataDir: string, databaseUrl = ''): string[] => [
  entry, 'serve',
  '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir,
  ...(databaseUrl ? ['--database-url', databaseUrl] : []),
  '--durable', String(durable),
  '--journal', String(journal),
  ...BENCH_LIMIT_ARGS,
];

/** Another build of Tandem, for before/after comparisons in one run (see `tandem-baseline`). */
const BASELINE_ENTRY = process.env.TANDEM_BASELINE_DIST ?? 'bench/results/baseline-dist/bin/tandem.js';

export const TANDEM_READY = /Tandem is running at (http:\/\/[^\s/]+)/;
const PEER_READY = /^ready (http:\/\/\S+)$/m;

export const SERVER_KINDS: Record<ServerId, ServerKind> = {
  tandem: {
    id: 'tandem', label: 'Tandem (durable)', protocol: 'y-websocket', usesDataDir: true, typescript: false,
    args: tandemArgs(true), ready: TANDEM_READY,
  },
  'tandem-postgres': {
    id: 'tandem-postgres', label: 'Tandem (PostgreSQL 15)', protocol: 'y-websocket', usesDataDir: true, usesDatabase: true, typescript: false,
    args: tandemArgs(true), ready: TANDEM_READY,
  },
  'tandem-memory': {
    id: 'tandem-memory', label: 'Tandem (--durable false)', protocol: 'y-websocket', usesDataDir: true, typescript: false,
    args: tandemArgs(false), ready: TANDEM_READY,
  },
  'y-websocket-server': {
    id: 'y-websocket-server', label: '@y/websocket-server 0.1.1', protocol: 'y-websocket', usesDataDir: false, typescript: true,
    args: () => ['bench/peers/y-websocket-server.ts'], ready: PEER_READY,
  },
  hocuspocus: {
    id: 'hocuspocus', label: '@hocuspocus/server 4.7.0', protocol: 'hocuspocus', usesDataDir: false, typescript: true,
    args: () => ['bench/peers/hocuspocus-server.ts'], ready: PEER_READY,
  },
  'tandem-no-journal': {
    id: 'tandem-no-journal', label: 'Tandem (durable, --journal false)', protocol: 'y-websocket', usesDataDir: true, typescript: false,
    args: tandemArgs(true, false), ready: TANDEM_READY,
  },
  // Durable Tandem, everything as `tandem`, but its data dir on a RAM file system, where a
  // commit (an O_DSYNC write) costs a copy into memory: what is left is every cost of the
  // durable path but the disk's. Not durable, so for diagnosis only.
  'tandem-ram-disk': {
    id: 'tandem-ram-disk', label: 'Tandem (durable, data dir on tmpfs)', protocol: 'y-websocket', usesDataDir: true, dataDirParent: '/dev/shm', typescript: false,
    args: tandemArgs(true), ready: TANDEM_READY,
  },
  'tandem-sync-only': {
    id: 'tandem-sync-only', label: 'Tandem sync layer, in-memory store', protocol: 'y-websocket', usesDataDir: false, typescript: true,
    args: () => ['bench/peers/tandem-sync-only.ts'], ready: PEER_READY,
  },
  // Another build of Tandem, durable, for before/after comparisons in one run: `cp -r dist
  // bench/results/baseline-dist` before a change, then `--servers tandem,tandem-baseline`.
  'tandem-baseline': {
    id: 'tandem-baseline', label: 'Tandem (durable), baseline build', protocol: 'y-websocket', usesDataDir: true, typescript: false,
    args: tandemArgs(true, true, BASELINE_ENTRY), ready: TANDEM_READY,
  },
  // The same baseline build on PostgreSQL: `--servers tandem-postgres,tandem-postgres-baseline`.
  'tandem-postgres-baseline': {
    id: 'tandem-postgres-baseline', label: 'Tandem (PostgreSQL 15), baseline build', protocol: 'y-websocket', usesDataDir: true, usesDatabase: true, typescript: false,
    args: tandemArgs(true, true, BASELINE_ENTRY), ready: TANDEM_READY,
  },
  'raw-relay': {
    id: 'raw-relay', label: 'raw ws relay', protocol: 'relay', usesDataDir: false, typescript: true,
    args: () => ['bench/peers/raw-relay.ts'], ready: PEER_READY,
  },
};

export function isServerId(value: string): value is ServerId {
  return (SERVER_IDS as readonly string[]).includes(value) || (EXTRA_SERVER_IDS as readonly string[]).includes(value);
}
