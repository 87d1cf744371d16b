/**
 * Presence timeouts of every open room, on one timer.
 *
 * y-protocols' Awareness starts its own `setInterval` (every `outdatedTimeout / 10`, 3 s) to
 * renew its local state and drop states not renewed within `outdatedTimeout` (30 s). A server
 * has an Awareness per open room, so that is one timer per room waking the process: 100 open
 * rooms, 33 wake-ups a second, each costing a sleeping node more than the check it runs. Here
 * the room's interval is stopped and one sweep does the same work for every room, at the same
 * period, so a state still leaves 30–33 s after it was last renewed, as before, with origin
 * 'timeout'. The timer runs only while a room is open and never keeps the process alive.
 */
import * as time from 'lib0/time';
import * as awarenessProtocol from 'y-protocols/awareness';

const SWEEP_MS = Math.floor(awarenessProtocol.outdatedTimeout / 10);

const watched = new Set<awarenessProtocol.Awareness>();
let timer: NodeJS.Timeout | null = null;

/** What y-protocols' own interval does for one Awareness. */
function sweepOne(awareness: awarenessProtocol.Awareness, now: number): void {
  const local = awareness.getLocalState();
  const localMeta = awareness.meta.get(awareness.clientID);
  if (local !== null && localMeta && awarenessProtocol.outdatedTimeout / 2 <= now - localMeta.lastUpdated) awareness.setLocalState(local);
  const outdated: number[] = [];
  for (const [id, meta] of awareness.meta) {
    if (id !== awareness.clientID && awarenessProtocol.outdatedTimeout <= now - meta.lastUpdated && awareness.states.has(id)) outdated.push(id);
  }
  if (outdated.length > 0) awarenessProtocol.removeAwarenessStates(awareness, outdated, 'timeout');
}

function sweep(): void {
  // The clock y-protocols stamps `lastUpdated` with.
  const now = time.getUnixTime();
  for (const awareness of watched) sweepOne(awareness, now);
}

/** Takes over `awareness`'s timeouts from its own interval, until it is destroyed. */
export function sweepPresenceTimeouts(awareness: awarenessProtocol.Awareness): void {
  clearInterval(awareness._checkInterval as NodeJS.Timeout);
  watched.add(awareness);
  awareness.once('destroy', () => {
    watched.delete(awareness);
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  });
  if (!timer) {
    timer = setInterval(sweep, SWEEP_MS);
    timer.unref();
  }
}
