/**
 * The y-websocket wire protocol as y-protocols defines it — a pure codec, no sockets, no docs.
 *
 *   message        := varUint(messageType) • payload
 *   sync           := varUint(0) • syncMessage
 *   syncMessage    := varUint(0) • varByteArray(stateVector)      -- sync step 1
 *                   | varUint(1) • varByteArray(update)           -- sync step 2
 *                   | varUint(2) • varByteArray(update)           -- update
 *   awareness      := varUint(1) • varByteArray(awarenessUpdate)
 *   auth           := varUint(2) • varUint(0) • varString(reason) -- permission denied, server → client
 *   queryAwareness := varUint(3)
 *   varByteArray   := varUint(length) • byte{length}
 *
 * Decoding is strict: a truncated field, a length running past the end, an unknown type or
 * trailing bytes raise a `ProtocolError` carrying the close code for that connection.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

export const MessageType = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;
export const SyncType = { step1: 0, step2: 1, update: 2 } as const;

/** WebSocket close codes used by Tandem (see PROTOCOL.md). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  /** The document was replaced (restored from the trash into its name): reconnect to get it. */
  serviceRestart: 1012,
  tryAgainLater: 1013,
  unauthorized: 4401,
  forbidden: 4403,
  /** The document was moved to the trash; not retried (a new document of that name is another one). */
  documentDeleted: 4410,
  /** The document would grow past its size limit; 44xx tells y-websocket not to retry. */
  documentTooLarge: 4413,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export type ClientMessage =
  | { type: 'sync-step1'; stateVector: Uint8Array }
  | { type: 'sync-step2'; update: Uint8Array }
  | { type: 'update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'query-awareness' };

export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly closeCode: CloseCode,
    readonly code = 'ERR_PROTOCOL',
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const truncated = (what: string) => new ProtocolError(`truncated message: ${what}`, CloseCode.protocolError);

function readVarUint(decoder: decoding.Decoder, what: string): number {
  if (!decoding.hasContent(decoder)) throw truncated(what);
  try {
    return decoding.readVarUint(decoder);
  } catch {
    // lib0 throws on running past the end or on an integer wider than 53 bits.
    throw new ProtocolError(`malformed varUint: ${what}`, CloseCode.protocolError);
  }
}

function readVarByteArray(decoder: decoding.Decoder, what: string): Uint8Array {
  const length = readVarUint(decoder, `${what} length`);
  // Checked here because lib0 reads views of the underlying ArrayBuffer, which for pooled
  // Node buffers extends past the message: an oversized length would read foreign bytes.
  if (length > decoder.arr.length - decoder.pos) throw truncated(`${what} shorter than its length ${length}`);
  return decoding.readUint8Array(decoder, length);
}

function expectEnd(decoder: decoding.Decoder, what: string): void {
  if (decoding.hasContent(decoder)) {
    throw new ProtocolError(`${decoder.arr.length - decoder.pos} trailing bytes after ${what}`, CloseCode.protocolError);
  }
}

/** Decodes one client → server message. Throws `ProtocolError` on anything malformed. */
export function decodeClientMessage(bytes: Uint8Array): ClientMessage {
  const decoder = decoding.createDecoder(bytes);
  const messageType = readVarUint(decoder, 'message type');
  switch (messageType) {
    case MessageType.sync: {
      const syncType = readVarUint(decoder, 'sync message type');
      let message: ClientMessage;
      if (syncType === SyncType.step1) {
        message = { type: 'sync-step1', stateVector: readVarByteArray(decoder, 'state vector') };
      } else if (syncType === SyncType.step2) {
        message = { type: 'sync-step2', update: readVarByteArray(decoder, 'sync step 2 update') };
      } else if (syncType === SyncType.update) {
        message = { type: 'update', update: readVarByteArray(decoder, 'update') };
      } else {
        throw new ProtocolError(`unknown sync message type ${syncType}`, CloseCode.protocolError);
      }
      expectEnd(decoder, 'sync message');
      return message;
    }
    case MessageType.awareness: {
      const update = readVarByteArray(decoder, 'awareness update');
      expectEnd(decoder, 'awareness message');
      return { type: 'awareness', update };
    }
    case MessageType.queryAwareness:
      expectEnd(decoder, 'query-awareness message');
      return { type: 'query-awareness' };
    case MessageType.auth:
      throw new ProtocolError('auth messages are sent by the server only', CloseCode.protocolError);
    default:
      throw new ProtocolError(`unknown message type ${messageType}`, CloseCode.protocolError);
  }
}

function encodeWith(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

export const encodeSyncStep1 = (stateVector: Uint8Array): Uint8Array =>
  encodeWith((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, SyncType.step1);
    encoding.writeVarUint8Array(e, stateVector);
  });

export const encodeSyncStep2 = (update: Uint8Array): Uint8Array =>
  encodeWith((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, SyncType.step2);
    encoding.writeVarUint8Array(e, update);
  });

export const encodeUpdate = (update: Uint8Array): Uint8Array =>
  encodeWith((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, SyncType.update);
    encoding.writeVarUint8Array(e, update);
  });

export const encodeAwareness = (awarenessUpdate: Uint8Array): Uint8Array =>
  encodeWith((e) => {
    encoding.writeVarUint(e, MessageType.awareness);
    encoding.writeVarUint8Array(e, awarenessUpdate);
  });

export const encodeQueryAwareness = (): Uint8Array =>
  encodeWith((e) => encoding.writeVarUint(e, MessageType.queryAwareness));

export const encodePermissionDenied = (reason: string): Uint8Array =>
  encodeWith((e) => {
    encoding.writeVarUint(e, MessageType.auth);
    encoding.writeVarUint(e, 0);
    encoding.writeVarString(e, reason);
  });

/** An update that adds no structs and deletes nothing: `varUint(0) • varUint(0)`. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}
