/**
 * What the nodes of a cluster say to each other about one document, on its channel.
 *
 *   message   := varUint(VERSION) • varUint(kind) • varString(node) • varString(doc) • body
 *   record    := varUint(seq) • varUint8Array(update)      a committed update and its seq
 *   recordRef := varUint(seq)                              one too large to carry: read it from the database
 *   presence  := varUint8Array(awarenessUpdate)            the sender's clients' presence changed
 *   hello     := varUint(head) • varUint8Array(awareness)  "I opened it": every other node answers `here`
 *   here      := varUint(head) • varUint8Array(awareness)  the sender's newest seq and its clients' presence
 *   bye       := ε                                         "I closed it": forget my clients
 *   close     := varUint(code) • varString(reason)         "it was deleted (or replaced)": close
 *                                                          your clients of it with that code
 *
 * `doc` is the document's full name: channels are named by a hash of it, and a message whose
 * name is not the channel's document is ignored. A message that does not decode, or comes
 * from a newer version, is dropped (and counted).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

const VERSION = 1;

export const Kind = { record: 0, recordRef: 1, presence: 2, hello: 3, here: 4, bye: 5, close: 6 } as const;

export type BusMessage =
  | { kind: 'record'; node: string; doc: string; seq: number; update: Uint8Array }
  | { kind: 'recordRef'; node: string; doc: string; seq: number }
  | { kind: 'presence'; node: string; doc: string; awareness: Uint8Array }
  | { kind: 'hello' | 'here'; node: string; doc: string; head: number; awareness: Uint8Array }
  | { kind: 'bye'; node: string; doc: string }
  | { kind: 'close'; node: string; doc: string; code: number; reason: string };

export type BusMessageKind = BusMessage['kind'];

export function encodeBusMessage(message: BusMessage): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, VERSION);
  encoding.writeVarUint(e, Kind[message.kind]);
  encoding.writeVarString(e, message.node);
  encoding.writeVarString(e, message.doc);
  switch (message.kind) {
    case 'record':
      encoding.writeVarUint(e, message.seq);
      encoding.writeVarUint8Array(e, message.update);
      break;
    case 'recordRef':
      encoding.writeVarUint(e, message.seq);
      break;
    case 'presence':
      encoding.writeVarUint8Array(e, message.awareness);
      break;
    case 'hello':
    case 'here':
      encoding.writeVarUint(e, message.head);
      encoding.writeVarUint8Array(e, message.awareness);
      break;
    case 'bye':
      break;
    case 'close':
      encoding.writeVarUint(e, message.code);
      encoding.writeVarString(e, message.reason);
      break;
  }
  return encoding.toUint8Array(e);
}

/** The message, or null for bytes that are not one (truncated, unknown kind, newer version). */
export function decodeBusMessage(bytes: Uint8Array): BusMessage | null {
  try {
    const d = decoding.createDecoder(bytes);
    if (decoding.readVarUint(d) !== VERSION) return null;
    const kind = decoding.readVarUint(d);
    const node = decoding.readVarString(d);
    const doc = decoding.readVarString(d);
    switch (kind) {
      case Kind.record:
        return { kind: 'record', node, doc, seq: decoding.readVarUint(d), update: decoding.readVarUint8Array(d) };
      case Kind.recordRef:
        return { kind: 'recordRef', node, doc, seq: decoding.readVarUint(d) };
      case Kind.presence:
        return { kind: 'presence', node, doc, awareness: decoding.readVarUint8Array(d) };
      case Kind.hello:
      case Kind.here:
        return { kind: kind === Kind.hello ? 'hello' : 'here', node, doc, head: decoding.readVarUint(d), awareness: decoding.readVarUint8Array(d) };
      case Kind.bye:
        return { kind: 'bye', node, doc };
      case Kind.close:
        return { kind: 'close', node, doc, code: decoding.readVarUint(d), reason: decoding.readVarString(d) };
      default:
        return null;
    }
  } catch {
    return null;
  }
}
