import { afterEach, describe, expect, it, vi } from 'vitest';
import * as time from 'lib0/time';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { sweepPresenceTimeouts } from '../../sync-server/rooms/presence-timeouts.js';

/** A room's awareness as the server keeps it: no state of its own, swept by the shared timer. */
function roomAwareness(): awarenessProtocol.Awareness {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awareness.setLocalState(null);
  sweepPresenceTimeouts(awareness);
  return awareness;
}

/** A client's state applied to `awareness`, as its message would be. */
function show(awareness: awarenessProtocol.Awareness, clientId: number, clock: number): void {
  const client = new awarenessProtocol.Awareness(new Y.Doc());
  client.clientID = clientId;
  client.meta.set(clientId, { clock: clock - 1, lastUpdated: 0 });
  client.setLocalState({ cursor: clock });
  awarenessProtocol.applyAwarenessUpdate(awareness, awarenessProtocol.encodeAwarenessUpdate(client, [clientId]), 'peer');
  client.destroy();
}

afterEach(() => {
  vi.useRealTimers();
});

/** Makes a state look last renewed `ms` ago (the Awareness stamps states with lib0's clock, which fake timers leave alone). */
function age(awareness: awarenessProtocol.Awareness, clientId: number, ms: number): void {
  const meta = awareness.meta.get(clientId);
  if (meta) meta.lastUpdated = time.getUnixTime() - ms;
}

describe('presence timeouts on one timer', () => {
  it('removes, at the next sweep, a state not renewed for 30 s, with origin timeout, in every room', () => {
    vi.useFakeTimers();
    const rooms = [roomAwareness(), roomAwareness()];
    try {
      const removed: Array<{ room: number; ids: number[]; origin: unknown }> = [];
      rooms.forEach((awareness, room) => awareness.on('update', ({ removed: ids }: { removed: number[] }, origin: unknown) => {
        if (ids.length > 0) removed.push({ room, ids, origin });
      }));
      show(rooms[0]!, 7, 1);
      show(rooms[1]!, 8, 1);
      show(rooms[1]!, 9, 1);
      age(rooms[0]!, 7, 29_000);
      age(rooms[1]!, 8, 30_000);
      age(rooms[1]!, 9, 40_000);
      vi.advanceTimersByTime(2_999);
      expect(removed).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(removed).toEqual([{ room: 1, ids: [8, 9], origin: 'timeout' }]);
      expect([...rooms[1]!.getStates().keys()]).toEqual([]);
      expect([...rooms[0]!.getStates().keys()]).toEqual([7]);
      age(rooms[0]!, 7, 30_000);
      vi.advanceTimersByTime(3_000);
      expect(removed).toEqual([{ room: 1, ids: [8, 9], origin: 'timeout' }, { room: 0, ids: [7], origin: 'timeout' }]);
    } finally {
      for (const awareness of rooms) awareness.destroy();
    }
  });

  it('runs one timer for all rooms, and none once they are gone', () => {
    vi.useFakeTimers();
    const rooms = [roomAwareness(), roomAwareness(), roomAwareness()];
    expect(vi.getTimerCount()).toBe(1);
    for (const awareness of rooms) awareness.destroy();
    expect(vi.getTimerCount()).toBe(0);
  });
});
