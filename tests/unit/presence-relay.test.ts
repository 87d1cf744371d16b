import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as decoding from 'lib0/decoding';
import { PresenceRelay } from '../../sync-server/rooms/presence-relay.js';
import { decodeClientMessage } from '../../sync-server/protocol.js';
import type { RoomPeer } from '../../sync-server/rooms/room-peer.js';

const peer = (): RoomPeer => ({ send: () => undefined, author: null });

function setup(intervalMs: number, roomSize = 10) {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awareness.setLocalState(null);
  const sent: Array<{ message: Uint8Array; except: RoomPeer | null }> = [];
  const relay = new PresenceRelay(awareness, intervalMs, () => roomSize, (message, except) => sent.push({ message, except }));
  /** Applies a remote client's state as a peer's message would, and tells the relay. */
  const move = (sender: RoomPeer, clientId: number, clock: number, state: Record<string, unknown>): Uint8Array => {
    const other = new awarenessProtocol.Awareness(new Y.Doc());
    other.clientID = clientId;
    other.meta.set(clientId, { clock: clock - 1, lastUpdated: 0 });
    other.setLocalState(state);
    const update = awarenessProtocol.encodeAwarenessUpdate(other, [clientId]);
    other.destroy();
    awarenessProtocol.applyAwarenessUpdate(awareness, update, sender);
    relay.noteChanges([clientId], sender);
    const raw = new Uint8Array([1, ...encodeLength(update.length), ...update]);
    relay.noteMessage(raw, sender);
    return raw;
  };
  return { awareness, relay, sent, move };
}

function encodeLength(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** The entries of a relayed awareness message: client id → state (null = removed). */
function entriesIn(message: Uint8Array): Map<number, unknown> {
  const decoded = decodeClientMessage(message);
  if (decoded.type !== 'awareness') throw new Error('not an awareness message');
  const decoder = decoding.createDecoder(decoded.update);
  const entries = new Map<number, unknown>();
  for (let count = decoding.readVarUint(decoder); count > 0; count--) {
    const id = decoding.readVarUint(decoder);
    decoding.readVarUint(decoder); // clock
    entries.set(id, JSON.parse(decoding.readVarString(decoder)) as unknown);
  }
  return entries;
}

const idsIn = (message: Uint8Array): number[] => [...entriesIn(message).keys()].sort((a, b) => a - b);

afterEach(() => {
  vi.useRealTimers();
});

/** Two moves in a row: the second goes out merged `ms` after the first, not a millisecond sooner. */
function expectInterval(minIntervalMs: number, roomSize: number, ms: number): void {
  const { relay, sent, move } = setup(minIntervalMs, roomSize);
  move(peer(), 11, 1, { cursor: 1 });
  move(peer(), 12, 1, { cursor: 2 });
  vi.advanceTimersByTime(ms - 1);
  expect(sent).toHaveLength(1);
  vi.advanceTimersByTime(1);
  expect(sent).toHaveLength(2);
  relay.destroy();
}

describe('presence relay', () => {
  it('relays the first change after a quiet period at once, as received, to everyone but its sender', () => {
    vi.useFakeTimers();
    const { relay, sent, move } = setup(50);
    const alice = peer();
    const raw = move(alice, 11, 1, { cursor: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.message).toBe(raw);
    expect(sent[0]!.except).toBe(alice);
    relay.destroy();
  });

  it('leaves no timer behind a lone message, and merges what follows within the interval', () => {
    vi.useFakeTimers();
    const { relay, sent, move } = setup(50);
    const awarenessTimers = vi.getTimerCount(); // the Awareness's own check
    move(peer(), 11, 1, { cursor: 1 });
    expect(sent).toHaveLength(1);
    // Nothing waits to be sent: nothing may wake the server.
    expect(vi.getTimerCount()).toBe(awarenessTimers);
    vi.advanceTimersByTime(20);
    move(peer(), 12, 1, { cursor: 2 });
    expect(sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(awarenessTimers + 1);
    vi.advanceTimersByTime(29);
    expect(sent).toHaveLength(1); // the interval runs from the first message: 50 ms
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(2);
    expect(idsIn(sent[1]!.message)).toEqual([12]);
    expect(vi.getTimerCount()).toBe(awarenessTimers);
    vi.advanceTimersByTime(50); // quiet again: the next one goes at once
    move(peer(), 13, 1, { cursor: 3 });
    expect(sent).toHaveLength(3);
    relay.destroy();
  });

  it('merges the changes of one interval into one message with every changed state', () => {
    vi.useFakeTimers();
    const { relay, sent, move } = setup(50);
    const alice = peer();
    const bob = peer();
    move(alice, 11, 1, { cursor: 1 });
    move(bob, 22, 1, { cursor: 2 });
    move(alice, 11, 2, { cursor: 3 });
    move(bob, 33, 1, { cursor: 4 });
    expect(sent).toHaveLength(1); // only the leading one so far
    vi.advanceTimersByTime(50);
    expect(sent).toHaveLength(2);
    expect(idsIn(sent[1]!.message)).toEqual([11, 22, 33]);
    vi.advanceTimersByTime(200); // nothing more to say: the relay goes quiet
    expect(sent).toHaveLength(2);
    move(alice, 11, 3, { cursor: 5 });
    expect(sent).toHaveLength(3);
    relay.destroy();
  });

  it('sends removals made by the server', () => {
    vi.useFakeTimers();
    const { awareness, relay, sent, move } = setup(50);
    const alice = peer();
    move(alice, 11, 1, { cursor: 1 });
    awarenessProtocol.removeAwarenessStates(awareness, [11], 'server');
    relay.noteChanges([11], null);
    relay.noteServerChanges();
    vi.advanceTimersByTime(50);
    expect(sent).toHaveLength(2);
    expect(entriesIn(sent[1]!.message)).toEqual(new Map([[11, null]])); // a removal
    relay.destroy();
  });

  it('relays every message when the interval is 0', () => {
    const { relay, sent, move } = setup(0);
    const alice = peer();
    move(alice, 11, 1, { a: 1 });
    move(alice, 11, 2, { a: 2 });
    move(alice, 11, 3, { a: 3 });
    expect(sent).toHaveLength(3);
    relay.destroy();
  });

  it('lengthens the interval with the room size: a quarter of a millisecond per other person', () => {
    vi.useFakeTimers();
    expectInterval(10, 201, 50); // 200 others
    expectInterval(10, 401, 100);
  });

  it('keeps the configured minimum in small rooms and 250 ms in the largest', () => {
    vi.useFakeTimers();
    expectInterval(10, 4, 10);
    expectInterval(10, 5000, 250);
  });
});
