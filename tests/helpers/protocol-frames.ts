/**
 * Frames of the y-websocket protocol built and read with lib0 and y-protocols, independently of
 * the server's own codec: for raw-socket tests that check what the server sends, in what order.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;

const frame = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

export const frames = {
  syncStep1: (stateVector: Uint8Array): Uint8Array =>
    frame((e) => {
      encoding.writeVarUint(e, MESSAGE_SYNC);
      encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1);
      encoding.writeVarUint8Array(e, stateVector);
    }),
  update: (update: Uint8Array): Uint8Array =>
    frame((e) => {
      encoding.writeVarUint(e, MESSAGE_SYNC);
      syncProtocol.writeUpdate(e, update);
    }),
  awareness: (awarenessUpdate: Uint8Array): Uint8Array =>
    frame((e) => {
      encoding.writeVarUint(e, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(e, awarenessUpdate);
    }),
  queryAwareness: (): Uint8Array => frame((e) => encoding.writeVarUint(e, MESSAGE_QUERY_AWARENESS)),
};

export type ServerMessage =
  | { kind: 'sync-step1' | 'sync-step2' | 'update' | 'awareness'; payload: Uint8Array }
  | { kind: 'permission-denied'; reason: string };

export function readServerMessage(bytes: Uint8Array): ServerMessage {
  const d = decoding.createDecoder(bytes);
  const type = decoding.readVarUint(d);
  if (type === MESSAGE_AWARENESS) return { kind: 'awareness', payload: decoding.readVarUint8Array(d) };
  if (type === MESSAGE_AUTH) {
    decoding.readVarUint(d);
    return { kind: 'permission-denied', reason: decoding.readVarString(d) };
  }
  if (type !== MESSAGE_SYNC) throw new Error(`unexpected message type ${type}`);
  const sync = decoding.readVarUint(d);
  const payload = decoding.readVarUint8Array(d);
  if (sync === syncProtocol.messageYjsSyncStep1) return { kind: 'sync-step1', payload };
  if (sync === syncProtocol.messageYjsSyncStep2) return { kind: 'sync-step2', payload };
  if (sync === syncProtocol.messageYjsUpdate) return { kind: 'update', payload };
  throw new Error(`unexpected sync message type ${sync}`);
}

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** null removes the client's presence. */
  state: unknown;
}

/** An awareness update with exactly these entries (any client id, any clock). */
export function awarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, entries.length);
    for (const entry of entries) {
      encoding.writeVarUint(e, entry.clientId);
      encoding.writeVarUint(e, entry.clock);
      encoding.writeVarString(e, JSON.stringify(entry.state));
    }
  });
}

/** The entries of an awareness update. */
export function awarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const d = decoding.createDecoder(update);
  const entries: AwarenessEntry[] = [];
  for (let count = decoding.readVarUint(d); count > 0; count -= 1) {
    const clientId = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    entries.push({ clientId, clock, state: JSON.parse(decoding.readVarString(d)) as unknown });
  }
  return entries;
}
