/**
 * Seeded protocol fuzzing over real sockets: ~100,000 mutations of real y-websocket messages
 * (bit flips, truncations, corrupted length fields, changed message types, spliced bytes) sent
 * over several concurrent connections to a few rooms. The server must never crash, and a room
 * the fuzzers never touched must keep its exact content and stay editable.
 *
 * Most mutations end their connection (that is the server's answer to bad input), so over
 * sockets only the first few messages of each burst reach the decoder. A second stage feeds the
 * same kind of mutations straight through the codec into rooms, so that every one is examined.
 *
 * Each worker draws from its own PRNG derived from the seed, so the messages (and where each
 * burst starts and ends) replay exactly with TEST_SEED=<seed>; only the interleaving between
 * workers varies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import {
  ProtocolError,
  decodeClientMessage,
  encodeAwareness,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
} from '../../sync-server/protocol.js';
import { DEFAULT_CONFIG, cloneConfig } from '../../sync-server/config.js';
import { TandemServer } from '../../sync-server/server.js';
import type { Room } from '../../sync-server/rooms/room.js';
import type { RoomPeer } from '../../sync-server/rooms/room-peer.js';
import { MemoryStore } from '../../persistence/memory-store.js';
import { memoryLogger, type LogLine } from '../helpers/server.js';
import { synced, within, yClient, type YClient } from '../helpers/clients.js';
import { DEADLINE_MS, waitFor } from '../helpers/wait.js';
import { prng, randomInt, testSeed } from '../helpers/random.js';
import { randomTextEdit, randomXmlEdit } from '../helpers/edits.js';

const TARGET_MESSAGES = 100_000;
/** The socket stage stops here even if it has not sent TARGET_MESSAGES (slow machines). */
const WIRE_DEADLINE_MS = 60_000;
const DIRECT_DEADLINE_MS = 20_000;
/** Below this the run proves too little; above it a loaded CI machine may stop at a deadline. */
const MINIMUM_SHARE = 0.1;
const MESSAGES_PER_DIRECT_ROOM = 2_000;
const WORKERS = 8;
const FUZZ_ROOMS = ['fuzz-a', 'fuzz-b', 'fuzz-c'];

/** Real messages of a real editing session: the material every mutation starts from. */
function buildCorpus(rand: () => number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < 60; i++) (rand() < 0.5 ? randomTextEdit : randomXmlEdit)(doc, rand);
  const awareness = new awarenessProtocol.Awareness(doc);
  const presence: Uint8Array[] = [];
  awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    presence.push(awarenessProtocol.encodeAwarenessUpdate(awareness, [...added, ...updated, ...removed]));
  });
  awareness.setLocalState({ user: { name: 'Fuzz', color: '#ff00aa' }, cursor: { anchor: 3, head: 7 } });
  awareness.setLocalStateField('cursor', { anchor: 1, head: 1 });
  awareness.setLocalState(null);
  const corpus = [
    ...updates.map(encodeUpdate),
    encodeSyncStep2(Y.encodeStateAsUpdate(doc)),
    encodeSyncStep2(updates[updates.length - 1] ?? new Uint8Array([0, 0])),
    encodeSyncStep1(Y.encodeStateVector(doc)),
    encodeSyncStep1(Y.encodeStateVector(new Y.Doc())),
    ...presence.map(encodeAwareness),
    encodeQueryAwareness(),
  ];
  awareness.destroy();
  doc.destroy();
  return corpus;
}

function varUint(value: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, value);
  return encoding.toUint8Array(e);
}

/** Where the payload's length field starts: after the message type (and the sync subtype). */
const lengthFieldAt = (message: Uint8Array): number => (message[0] === 0 ? 2 : 1);

const MUTATIONS: Array<(m: Uint8Array, rand: () => number) => Uint8Array> = [
  function flipBits(m, rand) {
    const out = Uint8Array.from(m);
    for (let i = 0, n = 1 + randomInt(rand, 3); i < n && out.length > 0; i++) {
      const at = randomInt(rand, out.length);
      out[at] = (out[at] ?? 0) ^ (1 << randomInt(rand, 8));
    }
    return out;
  },
  function truncate(m, rand) {
    return m.slice(0, randomInt(rand, m.length));
  },
  function corruptLength(m, rand) {
    const at = lengthFieldAt(m);
    const choices = [0, 1, m.length, m.length * 2, 127, 128, 2 ** 31, 2 ** 53 - 1, randomInt(rand, 1 << 20)];
    const length = varUint(choices[randomInt(rand, choices.length)] ?? 0);
    const out = new Uint8Array(at + length.length + Math.max(0, m.length - at - 1));
    out.set(m.subarray(0, at));
    out.set(length, at);
    out.set(m.subarray(Math.min(m.length, at + 1)), at + length.length);
    return out;
  },
  function changeType(m, rand) {
    const out = Uint8Array.from(m.length > 0 ? m : [0]);
    const at = rand() < 0.5 || out.length < 2 ? 0 : 1;
    out[at] = rand() < 0.5 ? randomInt(rand, 5) : randomInt(rand, 256);
    return out;
  },
  function corruptPayload(m, rand) {
    // Keeps the framing valid so the bytes reach Yjs or the awareness decoder.
    const out = Uint8Array.from(m);
    const start = Math.min(out.length, lengthFieldAt(m) + 1);
    for (let i = 0, n = 1 + randomInt(rand, 4); i < n && out.length > start; i++) out[start + randomInt(rand, out.length - start)] = randomInt(rand, 256);
    return out;
  },
  function splice(m, rand) {
    const extra = Uint8Array.from({ length: 1 + randomInt(rand, 8) }, () => randomInt(rand, 256));
    const at = randomInt(rand, m.length + 1);
    return Uint8Array.from([...m.subarray(0, at), ...extra, ...m.subarray(at)]);
  },
];

function mutate(corpus: Uint8Array[], rand: () => number): Uint8Array {
  const original = corpus[randomInt(rand, corpus.length)] ?? new Uint8Array([3]);
  // Some untouched messages keep the rooms' documents and presence evolving.
  if (rand() < 0.1) return original;
  let message = original;
  for (let i = 0, n = 1 + randomInt(rand, 2); i < n; i++) message = (MUTATIONS[randomInt(rand, MUTATIONS.length)] ?? MUTATIONS[0]!)(message, rand);
  return message;
}

interface Tally {
  sent: number;
  connections: number;
  answered: number;
  closedByServer: number;
  hung: number;
}

/** One burst on a fresh connection, ended by a query-awareness whose answer proves it was all read. */
async function burst(url: string, messages: Uint8Array[], tally: Tally): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  tally.connections += 1;
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('close', () => resolve(false));
  });
  if (!opened) return;
  const done = new Promise<'answered' | 'closed'>((resolve) => {
    ws.on('message', (data: Buffer) => {
      // The reply to our final query is an awareness message (or a relay: the socket lives).
      if (data[0] === 1) resolve('answered');
    });
    ws.once('close', () => resolve('closed'));
  });
  for (const message of messages) ws.send(message);
  ws.send(encodeQueryAwareness());
  tally.sent += messages.length;
  const outcome = await Promise.race([done, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 3000))]);
  if (outcome === 'answered') tally.answered += 1;
  else if (outcome === 'closed') tally.closedByServer += 1;
  else tally.hung += 1;
  ws.terminate();
}

let server: TandemServer;
let logs: LogLine[];
let victims: YClient[] = [];
let wsUrl: string;
const seed = testSeed();
let victimBefore = { state: '', text: '' };

const sum = async (counter: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, where: (labels: Record<string, unknown>) => boolean = () => true): Promise<number> =>
  (await counter.get()).values.filter((v) => where(v.labels)).reduce((total, v) => total + v.value, 0);

async function victimRoom(): Promise<Room> {
  const room = (await server.rooms.loadedRooms()).find((r) => r.name === 'victim');
  if (!room) throw new Error('victim room not loaded');
  return room;
}

/** Runs a test body, naming the seed in any failure so it can be replayed. */
async function withSeed(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    throw new Error(`fuzz failed with seed ${seed} (replay: TEST_SEED=${seed}): ${(error as Error).message}`, { cause: error });
  }
}

beforeAll(async () => {
  const memory = memoryLogger();
  // Warnings and errors only: one info line per connection would slow thousands of them down.
  memory.logger.level = 'warn';
  logs = memory.logs;
  const config = cloneConfig(DEFAULT_CONFIG);
  Object.assign(config, { port: 0, host: '127.0.0.1' });
  // Limits high enough that the codec, not the rate limiter, sees the input.
  Object.assign(config.limits, { messagesPerSecond: 1_000_000, messageBurst: 1_000_000, maxMessageBytes: 256 * 1024, maxDocumentBytes: 4 * 1024 * 1024 });
  server = await TandemServer.start({ config, store: new MemoryStore(), logger: memory.logger });
  wsUrl = server.url.replace(/^http/, 'ws');
  victims = [yClient(wsUrl, 'victim'), yClient(wsUrl, 'victim')];
  await Promise.all(victims.map((v) => synced(v)));
  const [a, b] = victims as [YClient, YClient];
  const rand = prng(seed);
  for (let i = 0; i < 30; i++) (i % 2 ? randomXmlEdit : randomTextEdit)(a.doc, rand);
  const target = Buffer.from(Y.encodeStateVector(a.doc)).toString('base64');
  await waitFor(() => Buffer.from(Y.encodeStateVector(b.doc)).toString('base64') === target, 'the victims to sync');
  const room = await victimRoom();
  await room.whenDurable();
  victimBefore = { state: Buffer.from(Y.encodeStateAsUpdate(room.doc)).toString('base64'), text: room.doc.getText('text').toString() };
});

afterAll(async () => {
  for (const v of victims) v.destroy();
  await server.close();
});

describe('protocol fuzzing', () => {
  it(`survives ~${TARGET_MESSAGES} mutated messages sent over several connections`, () =>
    withSeed(async () => {
      const corpus = buildCorpus(prng(seed ^ 0x5eed));
      const tally: Tally = { sent: 0, connections: 0, answered: 0, closedByServer: 0, hung: 0 };
      const deadline = Date.now() + WIRE_DEADLINE_MS;
      const perWorker = Math.ceil(TARGET_MESSAGES / WORKERS);
      await Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          const rand = prng((seed + 7919 * (w + 1)) >>> 0);
          const url = `${wsUrl}/${FUZZ_ROOMS[w % FUZZ_ROOMS.length]}`;
          let mine = 0;
          while (mine < perWorker && Date.now() < deadline) {
            const messages = Array.from({ length: 1 + randomInt(rand, 40) }, () => mutate(corpus, rand));
            await burst(url, messages, tally);
            mine += messages.length;
          }
        }),
      );
      const rejected: Record<string, number> = {};
      for (const l of logs) if (l.msg === 'closing connection on bad input') rejected[String(l.errorCode)] = (rejected[String(l.errorCode)] ?? 0) + 1;
      const accepted = await sum(server.metrics.messagesIn);
      const unloadable = await sum(server.metrics.upgradesRefused, (labels) => labels.status === '503');
      console.log(`fuzz (wire) seed ${seed}: ${JSON.stringify({ ...tally, accepted, rejected, unloadable })}`);

      expect(tally.sent).toBeGreaterThanOrEqual(TARGET_MESSAGES * MINIMUM_SHARE);
      expect(tally.hung).toBe(0);
      // Every refusal was a typed protocol error, never an unexpected exception (1011).
      const errors = logs.filter((l) => l.level >= 50);
      expect(errors.slice(0, 3).map((l) => JSON.stringify(l)), `${errors.length} error lines, the first shown`).toEqual([]);
      const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(DEADLINE_MS) });
      expect(health.status).toBe(200);
    }), 240_000);

  it(`feeds ${TARGET_MESSAGES} mutated messages straight through the codec into a room`, () =>
    withSeed(async () => {
      // Over sockets most mutations end their connection, so only the first few of each burst
      // reach the decoder; here every single one does.
      const rand = prng((seed ^ 0xd1ec7) >>> 0);
      const corpus = buildCorpus(prng(seed ^ 0x5eed));
      const outcomes: Record<string, number> = {};
      const deadline = Date.now() + DIRECT_DEADLINE_MS;
      let fed = 0;
      // A fresh room every few thousand messages keeps each document small, as real rooms are.
      for (let round = 0; fed < TARGET_MESSAGES && Date.now() < deadline; round++) {
        const room = await server.rooms.acquire(`fuzz-direct-${round}`);
        const peer: RoomPeer = { send: () => {}, author: 'fuzzer' };
        room.join(peer);
        try {
          for (let i = 0; i < MESSAGES_PER_DIRECT_ROOM && fed < TARGET_MESSAGES; i++, fed++) {
            const bytes = mutate(corpus, rand);
            try {
              room.receive(peer, decodeClientMessage(bytes), bytes);
              outcomes.accepted = (outcomes.accepted ?? 0) + 1;
            } catch (error) {
              if (!(error instanceof ProtocolError)) {
                throw new Error(`message ${fed} (${Buffer.from(bytes).toString('hex')}) threw ${String(error)}`);
              }
              outcomes[error.code] = (outcomes[error.code] ?? 0) + 1;
            }
          }
        } finally {
          room.leave(peer);
          server.rooms.release(room);
        }
      }
      expect(fed).toBeGreaterThanOrEqual(TARGET_MESSAGES * MINIMUM_SHARE);
      console.log(`fuzz (direct) seed ${seed}: ${JSON.stringify({ fed, ...outcomes })}`);
      await server.rooms.settle();
    }));

  it('leaves the room nobody fuzzed exactly as it was, and editable', () =>
    withSeed(async () => {
      const [a, b] = victims as [YClient, YClient];
      const room = await victimRoom();
      expect(Buffer.from(Y.encodeStateAsUpdate(room.doc)).toString('base64')).toBe(victimBefore.state);
      expect(a.doc.getText('text').toString()).toBe(victimBefore.text);
      expect(b.doc.getText('text').toString()).toBe(victimBefore.text);
      expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);

      a.doc.getText('text').insert(0, 'after the storm ');
      const expected = `after the storm ${victimBefore.text}`;
      await waitFor(() => b.doc.getText('text').toString() === expected, 'an edit after the fuzzing');
      const late = yClient(wsUrl, 'victim');
      try {
        await synced(late);
        await within(waitFor(() => late.doc.getText('text').toString() === expected, 'the newcomer to catch up'), 6000, 'the newcomer');
      } finally {
        late.destroy();
      }
    }));
});
