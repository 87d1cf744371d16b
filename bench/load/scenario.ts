/**
 * What the runner asks a load generator to do, and what it gets back. Both sides import these
 * types; the job travels as a JSON file, the result comes back as one.
 */
import type { Distribution } from './sample-set.js';
import type { DeliveryStats } from './delivery-recorder.js';
import type { WireProtocol } from './wire.js';

/** R rooms × C clients; writers edit and movers move cursors at fixed rates. */
export interface TrafficScenario {
  kind: 'traffic';
  rooms: number;
  clientsPerRoom: number;
  /** The first `writersPerRoom` clients of each room edit. */
  writersPerRoom: number;
  editsPerSecondPerWriter: number;
  /** Who moves a cursor (awareness update) periodically. */
  cursorMovers: 'writers' | 'all' | 'none';
  cursorsPerSecondPerMover: number;
  /**
   * Writers type on their own clocks (see TrafficDriver's typists) instead of from one shared
   * timer, moving their cursor right after every `cursorEveryNthEdit`th edit (0: never).
   */
  typists?: { cursorEveryNthEdit: number };
  /** Who publishes a presence state when joining (an editor tab does; a bot may not). */
  presence: 'writers' | 'all' | 'none';
  /** Receivers apply what arrives to their doc and awareness (false: only count it). */
  applyRemote: boolean;
  warmupMs: number;
  windowMs: number;
  drainMs: number;
  /** Rate sweep: successive windows at these per-writer edit rates, until the server gives up. */
  sweep?: SweepPlan;
}

export interface SweepPlan {
  editsPerSecondPerWriter: number[];
  stepWarmupMs: number;
  stepWindowMs: number;
  stepDrainMs: number;
  /** A step fails when its median latency exceeds max(this, 10 × the first step's)… */
  maxP50Ms: number;
  /** …or when fewer than this share of expected deliveries arrive during the window. */
  minDeliveredShare: number;
  /** A step during which server or generator waited longer than this share for a CPU is redone. */
  noisyWaitShare: number;
}

/** Idle connections and empty rooms: resident memory per connection and per room. */
export interface MemoryScenario {
  kind: 'memory';
  /** Connected first and not counted: warms up code paths and allocator pools. */
  warmConnections: number;
  /** Idle connections in one room, the warm ones included. */
  roomConnections: number;
  /** Then this many rooms with one idle client each. */
  singleRooms: number;
  settleMs: number;
}

/** Many clients join one large document at once. */
export interface JoinScenario {
  kind: 'join';
  /** Approximate encoded size of the document (a Tiptap-shaped Y.XmlFragment). */
  docBytes: number;
  joiners: number;
}

export type Scenario = TrafficScenario | MemoryScenario | JoinScenario;

export interface GeneratorJob {
  baseUrl: string;
  protocol: WireProtocol;
  serverPid: number;
  /** Every node of a cluster: each one's CPU over the window is reported too (`TrafficResult.nodes`). */
  nodePids?: number[];
  /** A room's clients connect to these in turn (one document's clients on different nodes); absent: all to `baseUrl`. */
  memberBaseUrls?: string[];
  scenario: Scenario;
  seed: number;
  connectConcurrency: number;
  /** Where the server writes its memory usage after a full GC when sent SIGUSR2 (gc-probe.mjs). */
  memoryReportPath: string;
  resultPath: string;
}

export interface ErrorSummary {
  count: number;
  /** Distinct messages with their counts, most frequent first (at most 10). */
  top: Array<{ message: string; count: number }>;
}

export interface ConnectStats {
  clients: number;
  /** From the first connect to the last client synced. */
  wallMs: number;
  /** Per client: from opening the socket to having the server's state. */
  syncMs: Distribution;
}

export interface ServerUsage {
  cpuSeconds: number;
  /** Fraction of one core the server used over the window. */
  cpuShare: number;
  /** Share of the window the server's main thread was runnable but waiting for a CPU. */
  waitShare: number;
  rssMeanBytes: number;
  rssPeakBytes: number;
}

export interface TrafficStep {
  editsPerSecondTarget: number;
  edits: DeliveryStats;
  server: ServerUsage;
  generatorCpuShare: number;
  generatorWaitShare: number;
  /** Attempts made at this rate (a step disturbed by other processes is redone). */
  attempts: number;
  /** Why the sweep stopped at this step, if it did. */
  verdict: 'ok' | 'latency' | 'behind' | 'generator-bound';
}

export interface TrafficResult {
  kind: 'traffic';
  connect: ConnectStats;
  windowMs: number;
  /** The measured window on CLOCK_MONOTONIC in µs, the clock of V8's CPU profiles. */
  windowClockUs: { start: number; end: number };
  edits: DeliveryStats;
  cursors: DeliveryStats;
  server: ServerUsage;
  /** With `nodePids`: each node's usage over the window, in that order. */
  nodes?: ServerUsage[];
  /** Server CPU microseconds per edit sent / per cursor move sent in the window. */
  cpuPerEditUs: number | null;
  cpuPerCursorUs: number | null;
  generatorCpuShare: number;
  /** Share of the window the generator's main thread waited for a CPU. */
  generatorWaitShare: number;
  convergence: { checked: boolean; rooms: number; converged: number };
  steps: TrafficStep[];
  errors: ErrorSummary;
}

/** Resident set and V8 heap (used + external) after a full collection. */
export interface MemoryReading {
  rssBytes: number;
  heapBytes: number;
}

export interface MemoryResult {
  kind: 'memory';
  connect: ConnectStats;
  readings: { fresh: MemoryReading; warm: MemoryReading; room: MemoryReading; rooms: MemoryReading };
  /** RSS differences (the definition), after a full GC in the server. */
  bytesPerConnection: number;
  bytesPerRoom: number;
  /** The same differences on the V8 heap alone: less noisy, but blind to native memory. */
  heapBytesPerConnection: number;
  heapBytesPerRoom: number;
  cpuPerConnectionUs: number;
  errors: ErrorSummary;
}

export interface JoinResult {
  kind: 'join';
  docBytes: number;
  joiners: number;
  /** From starting all joiners to the last one holding the document. */
  allSyncedMs: number;
  syncMs: Distribution;
  /** Per joiner: from the start until its WebSocket was open (the upgrade). */
  openMs: Distribution;
  serverCpuSeconds: number;
  correct: boolean;
  errors: ErrorSummary;
}

export type ScenarioResult = TrafficResult | MemoryResult | JoinResult;
