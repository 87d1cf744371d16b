/**
 * Who may change which presence (awareness) entry of a room: the peer whose message first set a
 * client id owns it, and only the owner may change or remove that id's state. An id is freed
 * when its owner leaves or its state times out, and may then be claimed again. In a cluster,
 * the entries of another node's clients are owned by that node, so no peer here changes them.
 *
 *   awarenessUpdate := varUint(count) • { varUint(clientId) • varUint(clock) • varString(stateJSON) }{count}
 *
 * Screening reads only ids, clocks and string lengths (no JSON), and allocates nothing when the
 * sender owns every id it names — the case of every message a well-behaved client sends about
 * itself. Stock y-websocket clients also send other clients' states back (their provider
 * re-broadcasts every awareness change it applies), with clocks the room already has: such
 * echoes are dropped without a word, since applying them would change nothing either.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Awareness } from 'y-protocols/awareness';

/** A peer of the room, or (in a cluster) another node, for the entries its clients set. */
export type PresenceOwner = object;

export interface ScreenedPresence {
  /** The entries the sender may apply: `update` itself when that is all of them, null when none. */
  update: Uint8Array | null;
  /** A dropped entry would have changed or removed another peer's presence (not a mere echo). */
  spoofed: boolean;
}

/** "null" as JSON: the state of an entry that removes its client id. */
const NULL_JSON = [0x6e, 0x75, 0x6c, 0x6c];

export class PresenceOwners {
  private readonly ownerOf = new Map<number, PresenceOwner>();
  /** The ids each peer owns (only peers that own some). */
  private readonly idsOf = new Map<PresenceOwner, Set<number>>();

  /** The part of `update` that `sender` may apply. Throws on a malformed update. */
  screen(update: Uint8Array, sender: PresenceOwner, awareness: Awareness): ScreenedPresence {
    if (!this.namesForeignId(update, sender)) return { update, spoofed: false };
    const d = decoding.createDecoder(update);
    const count = decoding.readVarUint(d);
    const kept = encoding.createEncoder();
    let keptCount = 0;
    let spoofed = false;
    const body = encoding.createEncoder();
    for (let i = 0; i < count; i += 1) {
      const start = d.pos;
      const entry = readEntry(d);
      const owner = this.ownerOf.get(entry.id);
      if (owner === undefined || owner === sender) {
        encoding.writeUint8Array(body, update.subarray(start, d.pos));
        keptCount += 1;
      } else if (!spoofed) {
        spoofed = wouldChange(awareness, entry.id, entry.clock, update.subarray(entry.stateStart, d.pos));
      }
    }
    if (keptCount === 0) return { update: null, spoofed };
    encoding.writeVarUint(kept, keptCount);
    encoding.writeUint8Array(kept, encoding.toUint8Array(body));
    return { update: encoding.toUint8Array(kept), spoofed };
  }

  /** `peer` changed these ids: the ones nobody owns become its own. */
  claim(peer: PresenceOwner, ids: readonly number[]): void {
    for (const id of ids) {
      if (this.ownerOf.has(id)) continue;
      this.ownerOf.set(id, peer);
      let owned = this.idsOf.get(peer);
      if (!owned) {
        owned = new Set();
        this.idsOf.set(peer, owned);
      }
      owned.add(id);
    }
  }

  /** Frees every id `peer` owns (it left); returns them. */
  release(peer: PresenceOwner): number[] {
    const owned = this.idsOf.get(peer);
    if (!owned) return [];
    this.idsOf.delete(peer);
    for (const id of owned) this.ownerOf.delete(id);
    return [...owned];
  }

  /** Frees ids whose state went away without their owner (timed out). */
  free(ids: readonly number[]): void {
    for (const id of ids) {
      const owner = this.ownerOf.get(id);
      if (owner === undefined) continue;
      this.ownerOf.delete(id);
      const owned = this.idsOf.get(owner);
      owned?.delete(id);
      if (owned?.size === 0) this.idsOf.delete(owner);
    }
  }

  clear(): void {
    this.ownerOf.clear();
    this.idsOf.clear();
  }

  /** True when some entry of `update` names an id another peer owns. */
  private namesForeignId(update: Uint8Array, sender: PresenceOwner): boolean {
    const d = decoding.createDecoder(update);
    const count = decoding.readVarUint(d);
    for (let i = 0; i < count; i += 1) {
      const owner = this.ownerOf.get(decoding.readVarUint(d));
      decoding.readVarUint(d);
      skipState(d);
      if (owner !== undefined && owner !== sender) return true;
    }
    return false;
  }
}

/** Skips an entry's state (a varString) and returns where its bytes start. */
function skipState(d: decoding.Decoder): number {
  const length = decoding.readVarUint(d);
  const start = d.pos;
  if (length > d.arr.length - start) throw new RangeError('awareness entry runs past the end of the update');
  d.pos += length;
  return start;
}

/** Reads one entry's id and clock and skips its state, leaving the decoder after it. */
function readEntry(d: decoding.Decoder): { id: number; clock: number; stateStart: number } {
  const id = decoding.readVarUint(d);
  const clock = decoding.readVarUint(d);
  return { id, clock, stateStart: skipState(d) };
}

/** Whether applying this entry would change the room's awareness (as y-protocols decides). */
function wouldChange(awareness: Awareness, id: number, clock: number, stateJson: Uint8Array): boolean {
  const current = awareness.meta.get(id)?.clock ?? 0;
  if (clock > current) return true;
  const removes = stateJson.length === NULL_JSON.length && NULL_JSON.every((byte, i) => stateJson[i] === byte);
  return clock === current && removes && awareness.states.has(id);
}
