/**
 * The workloads of issue 6 (and the memory figures of issue 2), each in a full and a quick size.
 * Rates are per client; the tables in BENCHMARKS.md are generated from these descriptions.
 */
import type { Scenario, TrafficScenario } from '../load/scenario.js';
import type { ServerId } from './server-kinds.js';

export interface Workload {
  id: string;
  title: string;
  describe(quick: boolean): string;
  scenario(quick: boolean): Scenario;
  /** Servers that cannot run it (the relay holds no document to join). */
  excludes?: ServerId[];
  /** Upper bound for one run, generator included. */
  timeoutMs: number;
}

const traffic = (base: Omit<TrafficScenario, 'kind' | 'applyRemote' | 'warmupMs' | 'windowMs' | 'drainMs'>, quick: boolean): TrafficScenario => ({
  kind: 'traffic',
  applyRemote: true,
  warmupMs: quick ? 500 : 1000,
  windowMs: quick ? 1500 : 3000,
  drainMs: 2000,
  ...base,
});

const size = (quick: boolean, full: number, small: number): number => (quick ? small : full);

/**
 * People typing: every client on its own clock at 2 edits/s, a cursor move after every 5th
 * edit, 15 s windows (issue 10's black-box measurement, which these reproduce).
 */
const typists = (rooms: number, clientsPerRoom: number, quick: boolean): TrafficScenario => ({
  ...traffic({ rooms, clientsPerRoom, writersPerRoom: clientsPerRoom, editsPerSecondPerWriter: 2, cursorMovers: 'none', cursorsPerSecondPerMover: 0, presence: 'all', typists: { cursorEveryNthEdit: 5 } }, quick),
  warmupMs: quick ? 1000 : 2000,
  windowMs: quick ? 5000 : 15_000,
});

export const WORKLOADS: Workload[] = [
  {
    id: 'paced-100x4',
    title: '100 rooms × 4 people typing',
    describe: (q) => `${size(q, 100, 20)} rooms × 4 clients, each typing 2 edits/s on its own clock (random phase) and moving its cursor after every 5th edit; ${q ? 5 : 15} s window; CPU per edit = server CPU / edits sent.`,
    scenario: (q) => typists(size(q, 100, 20), 4, q),
    timeoutMs: 90_000,
  },
  {
    id: 'paced-1x50',
    title: '1 room × 50 people typing',
    describe: (q) => `1 room × ${size(q, 50, 20)} clients, each typing 2 edits/s on its own clock and moving its cursor after every 5th edit; ${q ? 5 : 15} s window.`,
    scenario: (q) => typists(1, size(q, 50, 20), q),
    timeoutMs: 90_000,
  },
  {
    id: 'rooms-100x4',
    title: '100 rooms × 4 clients typing',
    describe: (q) => `${size(q, 100, 20)} rooms × 4 clients, every client types 5 edits/s, presence set at join; CPU per edit = server CPU / edits sent.`,
    scenario: (q) => traffic({ rooms: size(q, 100, 20), clientsPerRoom: 4, writersPerRoom: 4, editsPerSecondPerWriter: 5, cursorMovers: 'none', cursorsPerSecondPerMover: 0, presence: 'all' }, q),
    timeoutMs: 60_000,
  },
  {
    id: 'typing-1x50',
    title: '1 room × 50 clients typing',
    describe: (q) => `1 room × ${size(q, 50, 20)} clients, each types 4 edits/s and moves its cursor once a second.`,
    scenario: (q) => traffic({ rooms: 1, clientsPerRoom: size(q, 50, 20), writersPerRoom: size(q, 50, 20), editsPerSecondPerWriter: 4, cursorMovers: 'all', cursorsPerSecondPerMover: 1, presence: 'all' }, q),
    timeoutMs: 60_000,
  },
  {
    id: 'broadcast-1x500',
    title: '1 writer → 500 observers',
    describe: (q) => `1 room: 1 writer (10 edits/s, cursor once a second) and ${size(q, 500, 100)} observers without presence.`,
    scenario: (q) => traffic({ rooms: 1, clientsPerRoom: size(q, 501, 101), writersPerRoom: 1, editsPerSecondPerWriter: 10, cursorMovers: 'writers', cursorsPerSecondPerMover: 1, presence: 'writers' }, q),
    // Nothing here waits for the disk: the durable Tandem alone stands for Tandem.
    excludes: ['tandem-memory'],
    timeoutMs: 90_000,
  },
  {
    id: 'cursors-200',
    title: '200 clients moving cursors',
    describe: (q) => `1 room × ${size(q, 200, 50)} clients with presence, each moves its cursor once a second, no edits; CPU per cursor move = server CPU / moves sent.`,
    scenario: (q) => traffic({ rooms: 1, clientsPerRoom: size(q, 200, 50), writersPerRoom: 0, editsPerSecondPerWriter: 0, cursorMovers: 'all', cursorsPerSecondPerMover: 1, presence: 'all' }, q),
    // Nothing here waits for the disk: the durable Tandem alone stands for Tandem.
    excludes: ['tandem-memory'],
    timeoutMs: 90_000,
  },
  {
    id: 'idle-2000',
    title: 'Idle connections and empty rooms (memory)',
    describe: (q) =>
      `After ${size(q, 2000, 400)} idle clients joined another room and stayed (so V8's young generation has grown), ${size(q, 2000, 400)} idle clients in one room (the first ${size(q, 200, 50)} not counted), then ${size(q, 1000, 200)} rooms with one idle client each; differences of RSS and of V8 heap (used + external), each read after a full GC in the server.`,
    scenario: (q) => ({ kind: 'memory', warmConnections: size(q, 200, 50), roomConnections: size(q, 2000, 400), singleRooms: size(q, 1000, 200), settleMs: q ? 600 : 1000 }),
    // Nothing here waits for the disk: the durable Tandem alone stands for Tandem.
    excludes: ['tandem-memory'],
    timeoutMs: 120_000,
  },
  {
    id: 'join-large',
    title: '20 clients joining a large document at once',
    describe: (q) => `A ~${size(q, 2, 0.5)} MB Tiptap-shaped document; ${size(q, 20, 10)} fresh clients connect at once; time until the last has the whole state.`,
    scenario: (q) => ({ kind: 'join', docBytes: size(q, 2_000_000, 500_000), joiners: size(q, 20, 10) }),
    excludes: ['raw-relay'],
    timeoutMs: 120_000,
  },
  {
    id: 'sweep-100x4',
    title: 'Rate sweep to saturation (100 rooms × 4)',
    describe: (q) =>
      `${size(q, 100, 20)} rooms × 4 writers; windows at rising edit rates until the median latency exceeds max(20 ms, 10× the first step's) or fewer than 90% of expected deliveries arrive within the window (a step disturbed by other processes is redone). Receivers count arrivals without applying them, so the generator stays cheaper than the servers.`,
    scenario: (q) => ({
      ...traffic({ rooms: size(q, 100, 20), clientsPerRoom: 4, writersPerRoom: 4, editsPerSecondPerWriter: 2.5, cursorMovers: 'none', cursorsPerSecondPerMover: 0, presence: 'none' }, q),
      applyRemote: false,
      // The sweep's own steps are what counts; the first window only warms up.
      warmupMs: 500,
      windowMs: 500,
      sweep: {
        editsPerSecondPerWriter: q ? [5, 20, 60] : [10, 20, 30, 45, 60, 80],
        stepWarmupMs: 300,
        stepWindowMs: q ? 1000 : 1200,
        stepDrainMs: 800,
        maxP50Ms: 20,
        minDeliveredShare: 0.9,
        noisyWaitShare: 0.25,
      },
    }),
    timeoutMs: 120_000,
  },
];

export function findWorkload(id: string): Workload | undefined {
  return WORKLOADS.find((w) => w.id === id);
}
