/**
 * A connection's messages are answered in the order they came: a sync step 2 reflects every
 * update the same connection sent before its sync step 1 — with durability on and off, with the
 * update still being written, and for clients that ask for everything (the fresh-joiner
 * shortcut) as for clients that ask for a diff. Later replies never overtake an earlier one.
 * A raw client with hand-built frames, since a stock client never sends these sequences.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { MemoryStore } from '../../persistence/memory-store.js';
import type { Store } from '../../persistence/store.js';
import { rawSocket, synced, yClient, type YClient } from '../helpers/clients.js';
import { GatedStore } from '../helpers/gated-store.js';
import { frames, readServerMessage, type ServerMessage } from '../helpers/protocol-frames.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sleep, waitFor } from '../helpers/wait.js';

const DEADLINE_MS = 20_000;
let server: TestServer | undefined;
const clients: YClient[] = [];
const dirs: string[] = [];

let gated: GatedStore | undefined;

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  gated?.release();
  gated = undefined;
  await server?.close();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-sync-ordering-'));
  dirs.push(dir);
  return dir;
}

/** A raw connection: what it received, decoded, in order. */
async function rawPeer(s: TestServer, room: string): Promise<{ send(frame: Uint8Array): void; messages(): ServerMessage[]; close(): void }> {
  const raw = await rawSocket(s.wsUrl, room);
  return {
    send: (frame) => raw.ws.send(frame),
    messages: () => raw.received.map((b) => readServerMessage(b)),
    close: () => raw.ws.close(),
  };
}

/** The text of a document made of `updates` alone. */
function textOf(...updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('text').toString();
}

/** An update inserting `text`, by a client of its own. */
function ownEdit(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/** A room with some history: a stock client typed, and the edit is durable and relayed. */
async function roomWithHistory(s: TestServer, room: string): Promise<void> {
  const writer = yClient(s.wsUrl, room);
  const watcher = yClient(s.wsUrl, room);
  clients.push(writer, watcher);
  await Promise.all([synced(writer, DEADLINE_MS), synced(watcher, DEADLINE_MS)]);
  writer.doc.getText('text').insert(0, 'history ');
  await waitFor(() => watcher.doc.getText('text').toString() === 'history ', 'the edit to be relayed', DEADLINE_MS);
}

const payloadsOf = (messages: ServerMessage[], kind: ServerMessage['kind']): Uint8Array[] =>
  messages.flatMap((m) => (m.kind === kind && 'payload' in m ? [m.payload] : []));

const modes: Array<{ name: string; durable: boolean; store: () => Store }> = [
  { name: 'durable, memory store', durable: true, store: () => new MemoryStore() },
  { name: '--durable false, memory store', durable: false, store: () => new MemoryStore() },
  { name: 'durable, file store', durable: true, store: () => new FileStore(tempDir()) },
  { name: '--durable false, file store', durable: false, store: () => new FileStore(tempDir(), { fsync: false }) },
];

describe.each(modes)('replies in order ($name)', ({ durable, store }) => {
  it('answers an empty state vector after an update with a sync step 2 that holds the update', async () => {
    const s = (server = await startTestServer({ store: store(), config: { durable } }));
    await roomWithHistory(s, 'ordered');
    const peer = await rawPeer(s, 'ordered');
    const mine = ownEdit('mine ');
    peer.send(frames.update(mine));
    peer.send(frames.syncStep1(Y.encodeStateVector(new Y.Doc())));
    peer.send(frames.queryAwareness());
    await waitFor(() => peer.messages().some((m) => m.kind === 'sync-step2'), 'the sync step 2', DEADLINE_MS);
    // The reply alone (not with anything sent after it) holds the peer's own update.
    const [reply] = payloadsOf(peer.messages(), 'sync-step2');
    expect(textOf(reply ?? new Uint8Array())).toContain('mine ');
    expect(textOf(reply ?? new Uint8Array())).toContain('history ');
    // The awareness query came after the sync step 1: its answer comes after the reply.
    await waitFor(() => peer.messages().some((m) => m.kind === 'awareness'), 'the awareness reply', DEADLINE_MS);
    const kinds = peer.messages().map((m) => m.kind);
    expect(kinds.indexOf('awareness')).toBeGreaterThan(kinds.indexOf('sync-step2'));
    peer.close();
  });

  it('answers a state vector from between two updates with a diff that holds the later one', async () => {
    const s = (server = await startTestServer({ store: store(), config: { durable } }));
    await roomWithHistory(s, 'ordered');
    const peer = await rawPeer(s, 'ordered');
    const doc = new Y.Doc();
    const edit = (text: string): Uint8Array => {
      const before = Y.encodeStateVector(doc);
      doc.getText('text').insert(doc.getText('text').length, text);
      return Y.encodeStateAsUpdate(doc, before);
    };
    const first = edit('first ');
    peer.send(frames.update(first));
    const afterFirst = Y.encodeStateVector(doc);
    peer.send(frames.update(edit('second ')));
    peer.send(frames.syncStep1(afterFirst));
    peer.send(frames.syncStep1(Y.encodeStateVector(new Y.Doc())));
    await waitFor(() => payloadsOf(peer.messages(), 'sync-step2').length === 2, 'both sync step 2 replies', DEADLINE_MS);
    const [diff, everything] = payloadsOf(peer.messages(), 'sync-step2');
    // The diff completes a client that has the first update only.
    expect(textOf(first, diff ?? new Uint8Array())).toMatch(/^(history first second |first second history )$/);
    expect(textOf(everything ?? new Uint8Array())).toMatch(/^(history first second |first second history )$/);
    peer.close();
  });
});

/** A server whose appends wait for `store.release()`, and a stock client synced in room "gated". */
async function gatedRoom(): Promise<{ store: GatedStore; s: TestServer; writer: YClient }> {
  const store = (gated = new GatedStore());
  const s = (server = await startTestServer({ store }));
  const writer = yClient(s.wsUrl, 'gated');
  clients.push(writer);
  await synced(writer, DEADLINE_MS);
  return { store, s, writer };
}

it('holds the reply (and the replies after it) until the connection\'s own update is durable', async () => {
  const { store, s, writer } = await gatedRoom();
  const peer = await rawPeer(s, 'gated');
  await waitFor(() => peer.messages().some((m) => m.kind === 'sync-step1'), "the server's sync step 1", DEADLINE_MS);
  const mine = ownEdit('pending ');
  peer.send(frames.update(mine));
  await waitFor(() => store.pending === 1, 'the append to reach the store', DEADLINE_MS);
  peer.send(frames.syncStep1(Y.encodeStateVector(new Y.Doc())));
  peer.send(frames.queryAwareness());
  await sleep(300); // time enough for a premature reply to arrive
  expect(peer.messages().map((m) => m.kind)).toEqual(['sync-step1']);
  expect(writer.doc.getText('text').toString()).toBe('');

  store.release();
  await waitFor(() => peer.messages().some((m) => m.kind === 'awareness'), 'the replies after the write', DEADLINE_MS);
  const messages = peer.messages();
  expect(messages.map((m) => m.kind)).toEqual(['sync-step1', 'sync-step2', 'awareness']);
  expect(textOf(payloadsOf(messages, 'sync-step2')[0] ?? new Uint8Array())).toBe('pending ');
  await waitFor(() => writer.doc.getText('text').toString() === 'pending ', 'the relay to the writer', DEADLINE_MS);
  peer.close();
});

it('still answers a fresh client at once from the durable state while someone else\'s update is being written', async () => {
  const { store, s, writer } = await gatedRoom();
  writer.doc.getText('text').insert(0, 'not yet on disk');
  await waitFor(() => store.pending === 1, 'the append to reach the store', DEADLINE_MS);
  const peer = await rawPeer(s, 'gated');
  peer.send(frames.syncStep1(Y.encodeStateVector(new Y.Doc())));
  await waitFor(() => peer.messages().some((m) => m.kind === 'sync-step2'), 'the sync step 2', DEADLINE_MS);
  expect(textOf(...payloadsOf(peer.messages(), 'sync-step2'))).toBe('');

  store.release();
  await waitFor(() => payloadsOf(peer.messages(), 'update').length === 1, 'the update by relay', DEADLINE_MS);
  expect(textOf(...payloadsOf(peer.messages(), 'sync-step2'), ...payloadsOf(peer.messages(), 'update'))).toBe('not yet on disk');
  peer.close();
});
