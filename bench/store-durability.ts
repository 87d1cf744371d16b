/**
 * Appends/s and relay latency with durability on (fdatasync before relaying, the default)
 * and off (relay at once, no fsync): a real server in this process with the file store, real
 * y-websocket clients over loopback. Runs alternate between the two settings; medians of
 * RUNS runs and the on/off ratios are printed.
 *
 *   node --import tsx bench/store-durability.ts [runs=3] [rooms=10]
 *
 * Latency: ROOMS rooms, each with one writer typing LATENCY_RATE edits/s and one reader; the
 * time from the writer's edit to the reader's receipt, p50/p99 over all edits of a run.
 * Throughput: for SATURATE_MS every writer edits as fast as the event loop lets it (one edit
 * per turn, so the server runs in between); appends/s = all edits / time until every reader
 * has them all (so every one was written, fsync'd when durable, and relayed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { FileStore } from '../persistence/file/file-store.js';
import { DEFAULT_CONFIG, cloneConfig } from '../sync-server/config.js';
import { TandemServer } from '../sync-server/server.js';
import { fixed, median, percentile, table } from './store-stats.js';

const RUNS = Number(process.argv[2] ?? 3);
const ROOMS = Number(process.argv[3] ?? 10);
const LATENCY_RATE = 50;
const LATENCY_MS = 3000;
const SATURATE_MS = 2000;
// One provider per client adds a process 'exit' listener.
process.setMaxListeners(0);

interface Pair {
  writer: { doc: Y.Doc; provider: WebsocketProvider };
  reader: { doc: Y.Doc; provider: WebsocketProvider };
  sent: number[];
  received: number;
  latencies: number[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

function client(url: string, room: string): { doc: Y.Doc; provider: WebsocketProvider } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true });
  return { doc, provider };
}

async function run(durable: boolean): Promise<{ appendsPerSecond: number; p50: number; p99: number; recordsPerCycle: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-durability-'));
  const config = cloneConfig(DEFAULT_CONFIG);
  Object.assign(config, { port: 0, host: '127.0.0.1', durable, dataDir: dir });
  // The benchmark floods on purpose: lift the per-connection rate limit.
  Object.assign(config.limits, { messagesPerSecond: 1_000_000, messageBurst: 1_000_000 });
  const store = new FileStore(dir, { fsync: durable });
  const server = await TandemServer.start({ config, store, logger: pino({ level: 'silent' }) });
  const url = server.url.replace(/^http/, 'ws');
  const pairs: Pair[] = [];
  try {
    for (let i = 0; i < ROOMS; i += 1) {
      const pair: Pair = { writer: client(url, `room-${i}`), reader: client(url, `room-${i}`), sent: [], received: 0, latencies: [] };
      pair.reader.doc.on('update', (_update: Uint8Array, origin: unknown) => {
        if (origin !== pair.reader.provider) return;
        const sentAt = pair.sent[pair.received];
        pair.received += 1;
        if (sentAt !== undefined) pair.latencies.push(performance.now() - sentAt);
      });
      pairs.push(pair);
    }
    await waitUntil(() => pairs.every((p) => p.writer.provider.synced && p.reader.provider.synced), 'clients to sync');

    // Latency at a steady rate.
    const timers = pairs.map((pair) => setInterval(() => {
      pair.sent.push(performance.now());
      const text = pair.writer.doc.getText('t');
      text.insert(text.length, 'x');
    }, 1000 / LATENCY_RATE));
    await sleep(LATENCY_MS);
    for (const timer of timers) clearInterval(timer);
    await waitUntil(() => pairs.every((p) => p.received === p.sent.length), 'latency edits to arrive');
    const latencies = pairs.flatMap((p) => p.latencies).sort((a, b) => a - b);

    // Throughput: every writer edits once per event-loop turn for SATURATE_MS.
    for (const pair of pairs) {
      pair.sent = [];
      pair.received = 0;
      pair.latencies = [];
    }
    const before = store.stats();
    const start = performance.now();
    let stop = false;
    for (const pair of pairs) {
      const text = pair.writer.doc.getText('t');
      const edit = (): void => {
        if (stop) return;
        pair.sent.push(performance.now());
        text.insert(text.length, 'y');
        setImmediate(edit);
      };
      edit();
    }
    await sleep(SATURATE_MS);
    stop = true;
    await waitUntil(() => pairs.every((p) => p.received === p.sent.length), 'saturation edits to arrive');
    const seconds = (performance.now() - start) / 1000;
    const after = store.stats();
    const total = pairs.reduce((sum, p) => sum + p.sent.length, 0);
    return {
      appendsPerSecond: total / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      recordsPerCycle: (after.records - before.records) / Math.max(1, after.cycles - before.cycles),
    };
  } finally {
    for (const pair of pairs) {
      pair.writer.provider.destroy();
      pair.reader.provider.destroy();
    }
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Record<'on' | 'off', Awaited<ReturnType<typeof run>>[]> = { on: [], off: [] };
for (let i = 0; i < RUNS; i += 1) {
  // Alternate, so drift on a shared machine hits both settings alike.
  for (const durable of i % 2 === 0 ? [true, false] : [false, true]) {
    const result = await run(durable);
    results[durable ? 'on' : 'off'].push(result);
    process.stderr.write(`run ${i + 1} durable=${durable}: ${fixed(result.appendsPerSecond, 0)} appends/s, p50 ${fixed(result.p50)} ms, p99 ${fixed(result.p99)} ms, ${fixed(result.recordsPerCycle, 1)} records/write cycle\n`);
  }
}
const m = (key: 'appendsPerSecond' | 'p50' | 'p99' | 'recordsPerCycle', which: 'on' | 'off'): number => median(results[which].map((r) => r[key]));
console.log(`\nStore durability, ${ROOMS} rooms × (1 writer + 1 reader), medians of ${RUNS} runs (Node ${process.version})`);
console.log(table([
  ['', 'durable on (fdatasync)', 'durable off', 'on/off'],
  ['appends/s (writers at full speed)', fixed(m('appendsPerSecond', 'on'), 0), fixed(m('appendsPerSecond', 'off'), 0), fixed(m('appendsPerSecond', 'on') / m('appendsPerSecond', 'off'))],
  [`relay latency p50 (ms) at ${ROOMS * LATENCY_RATE} edits/s`, fixed(m('p50', 'on')), fixed(m('p50', 'off')), fixed(m('p50', 'on') / m('p50', 'off'))],
  [`relay latency p99 (ms) at ${ROOMS * LATENCY_RATE} edits/s`, fixed(m('p99', 'on')), fixed(m('p99', 'off')), fixed(m('p99', 'on') / m('p99', 'off'))],
  ['records per write cycle (full speed)', fixed(m('recordsPerCycle', 'on'), 1), fixed(m('recordsPerCycle', 'off'), 1), ''],
]));
process.exit(0);
