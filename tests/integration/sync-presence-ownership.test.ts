/**
 * A connection changes or removes only the awareness entries it set: another connection's
 * attempt is dropped (the rest of its message applies), never reaches anyone, and is logged
 * once per connection. Ids are freed when their owner leaves and can then be claimed again.
 * Raw clients with hand-built frames, plus stock providers to show normal use is untouched.
 */
import { afterEach, expect, it } from 'vitest';
import { rawSocket, synced, yClient, type YClient } from '../helpers/clients.js';
import { awarenessEntries, awarenessUpdate, frames, readServerMessage, type AwarenessEntry } from '../helpers/protocol-frames.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const DEADLINE_MS = 20_000;
const SPOOF_LOG = 'awareness entries set by another connection ignored (a connection changes only its own presence)';
const ALICE = 7001;
const MALLORY = 7002;

let server: TestServer | undefined;
const clients: YClient[] = [];
const sockets: Array<{ close(): void }> = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of sockets.splice(0)) s.close();
  await server?.close();
  server = undefined;
});

/** A raw connection that sends awareness entries and collects every entry the server sends it. */
async function presencePeer(s: TestServer, room: string): Promise<{ set(entries: AwarenessEntry[]): void; seen(): AwarenessEntry[]; close(): void }> {
  const raw = await rawSocket(s.wsUrl, room);
  const peer = {
    set: (entries: AwarenessEntry[]) => raw.ws.send(frames.awareness(awarenessUpdate(entries))),
    seen: () =>
      raw.received.flatMap((bytes) => {
        const message = readServerMessage(bytes);
        return message.kind === 'awareness' ? awarenessEntries(message.payload) : [];
      }),
    close: () => raw.ws.close(),
  };
  sockets.push(peer);
  return peer;
}

const statesOf = (entries: AwarenessEntry[], clientId: number): unknown[] => entries.filter((e) => e.clientId === clientId).map((e) => e.state);
const spoofLogs = (s: TestServer) => s.logs.filter((line) => line.msg === SPOOF_LOG);

it("ignores another connection's attempts to change or remove an entry, and applies the rest of its message", async () => {
  const s = (server = await startTestServer());
  const watcher = yClient(s.wsUrl, 'room');
  clients.push(watcher);
  await synced(watcher, DEADLINE_MS);
  const observer = await presencePeer(s, 'room');
  const alice = await presencePeer(s, 'room');
  const mallory = await presencePeer(s, 'room');

  alice.set([{ clientId: ALICE, clock: 1, state: { user: 'alice', cursor: 1 } }]);
  await waitFor(() => statesOf(observer.seen(), ALICE).length === 1, "alice's presence at the observer", DEADLINE_MS);

  // Mallory overwrites Alice's entry (with a newer clock) along with setting her own...
  mallory.set([
    { clientId: ALICE, clock: 5, state: { user: 'mallory', cursor: 99 } },
    { clientId: MALLORY, clock: 1, state: { user: 'mallory' } },
  ]);
  // ...then tries to remove it, alone and with a change of her own.
  mallory.set([{ clientId: ALICE, clock: 6, state: null }]);
  mallory.set([
    { clientId: ALICE, clock: 7, state: null },
    { clientId: MALLORY, clock: 2, state: { user: 'mallory', cursor: 3 } },
  ]);
  const has = (entries: AwarenessEntry[], clientId: number, state: unknown): boolean => statesOf(entries, clientId).some((seen) => JSON.stringify(seen) === JSON.stringify(state));
  await waitFor(() => has(observer.seen(), MALLORY, { user: 'mallory', cursor: 3 }), "mallory's own last change at the observer", DEADLINE_MS);

  // Alice's next move goes through with her own next clock: the spoofed clocks were never applied.
  alice.set([{ clientId: ALICE, clock: 2, state: { user: 'alice', cursor: 2 } }]);
  await waitFor(() => has(observer.seen(), ALICE, { user: 'alice', cursor: 2 }), "alice's move at the observer", DEADLINE_MS);
  await waitFor(() => (watcher.provider.awareness.getStates().get(ALICE) as { cursor?: number } | undefined)?.cursor === 2, "alice's move at the stock client", DEADLINE_MS);

  expect(statesOf(observer.seen(), ALICE)).toEqual([{ user: 'alice', cursor: 1 }, { user: 'alice', cursor: 2 }]);
  expect(statesOf(alice.seen(), ALICE).every((state) => (state as { user?: string } | null)?.user === 'alice')).toBe(true);
  expect(watcher.provider.awareness.getStates().get(MALLORY)).toEqual({ user: 'mallory', cursor: 3 });
  expect(spoofLogs(s)).toHaveLength(1);
  // Honest connections are never logged.
  alice.set([{ clientId: ALICE, clock: 3, state: null }]);
  await waitFor(() => statesOf(observer.seen(), ALICE).includes(null), "alice's own removal", DEADLINE_MS);
  expect(spoofLogs(s)).toHaveLength(1);
});

it('frees the ids of a connection that leaves, to be claimed again', async () => {
  const s = (server = await startTestServer());
  const observer = await presencePeer(s, 'room');
  const first = await presencePeer(s, 'room');
  const second = await presencePeer(s, 'room');
  first.set([{ clientId: ALICE, clock: 1, state: { user: 'first' } }]);
  await waitFor(() => statesOf(observer.seen(), ALICE).length === 1, 'the first owner at the observer', DEADLINE_MS);
  first.close();
  await waitFor(() => statesOf(observer.seen(), ALICE).includes(null), 'the removal when the owner left', DEADLINE_MS);

  // A reloaded tab keeps its client id and its clock goes on: it takes the id back.
  second.set([{ clientId: ALICE, clock: 2, state: { user: 'second' } }]);
  await waitFor(() => statesOf(observer.seen(), ALICE).length === 3, 'the new owner at the observer', DEADLINE_MS);
  expect(statesOf(observer.seen(), ALICE)).toEqual([{ user: 'first' }, null, { user: 'second' }]);
  expect(spoofLogs(s)).toHaveLength(0);
});

it('leaves stock clients alone: they see each other, move, leave, and nothing is logged', async () => {
  const s = (server = await startTestServer());
  const people = [0, 1, 2].map(() => yClient(s.wsUrl, 'stock'));
  clients.push(...people);
  await Promise.all(people.map((p) => synced(p, DEADLINE_MS)));
  people.forEach((p, i) => p.provider.awareness.setLocalStateField('user', { name: `person ${i}` }));
  const seesAll = (p: YClient): boolean => people.every((other) => p.provider.awareness.getStates().has(other.doc.clientID));
  await waitFor(() => people.every(seesAll), 'everyone to see everyone', DEADLINE_MS);
  // Each stock provider sends back the states it receives: those echoes are not spoofs.
  for (let move = 1; move <= 5; move += 1) people.forEach((p) => p.provider.awareness.setLocalStateField('cursor', move));
  const cursorOf = (p: YClient, other: YClient): unknown => (p.provider.awareness.getStates().get(other.doc.clientID) as { cursor?: number } | undefined)?.cursor;
  await waitFor(() => people.every((p) => people.every((other) => cursorOf(p, other) === 5)), 'every last cursor everywhere', DEADLINE_MS);
  const [leaver, ...stayers] = people as [YClient, YClient, YClient];
  leaver.destroy();
  await waitFor(() => stayers.every((p) => !p.provider.awareness.getStates().has(leaver.doc.clientID)), 'the leaver gone', DEADLINE_MS);
  expect(spoofLogs(s)).toHaveLength(0);
});
