/**
 * Structural checks on a peer's Yjs update before the room applies it.
 *
 * Yjs trusts the ids in an update: it integrates whatever a client claims. An item that points
 * forward into its own client's history — its left origin, right origin or parent is an item
 * of the same client with a clock at or after its own — cannot come from any Yjs client (an
 * item is created after every item it refers to, and a client's clock only grows), yet Yjs
 * applies it. The document then encodes to a state that no Y.Doc can load again
 * ("Cannot read properties of undefined (reading 'id')" deep in Yjs), so one such message
 * would make the document unloadable for everyone once the room is unloaded. Such updates are
 * refused at the door instead (found by tests/integration/fuzz-protocol.test.ts).
 *
 * The check decodes the update's structs (about a microsecond for a keystroke) and reads only
 * ids; it does not look at the document.
 */
import * as Y from 'yjs';

interface Id {
  client: number;
  clock: number;
}

function pointsForward(own: Id, ref: Id | null): boolean {
  return ref !== null && ref.client === own.client && ref.clock >= own.clock;
}

function isId(value: unknown): value is Id {
  return typeof value === 'object' && value !== null && 'client' in value && 'clock' in value;
}

/** Why the update cannot be applied safely, or null when it can. */
export function updateProblem(update: Uint8Array): string | null {
  let structs: ReturnType<typeof Y.decodeUpdate>['structs'];
  try {
    structs = Y.decodeUpdate(update).structs;
  } catch (error) {
    return `undecodable update: ${(error as Error).message}`;
  }
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue;
    const { id } = struct;
    if (pointsForward(id, struct.origin) || pointsForward(id, struct.rightOrigin) || (isId(struct.parent) && pointsForward(id, struct.parent))) {
      return `item ${id.client}:${id.clock} refers to a later item of its own client`;
    }
  }
  return null;
}
