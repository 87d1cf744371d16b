import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import {
  CloseCode,
  ProtocolError,
  decodeClientMessage,
  encodeAwareness,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  isEmptyUpdate,
} from '../../sync-server/protocol.js';

/** What the stock y-websocket client would put on the wire. */
function stockSyncStep1(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  syncProtocol.writeSyncStep1(e, doc);
  return encoding.toUint8Array(e);
}

describe('protocol codec', () => {
  it('decodes what y-protocols encodes', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hi');
    const decoded = decodeClientMessage(stockSyncStep1(doc));
    expect(decoded).toEqual({ type: 'sync-step1', stateVector: Y.encodeStateVector(doc) });
  });

  it('round-trips every client message kind', () => {
    const update = Y.encodeStateAsUpdate(new Y.Doc());
    expect(decodeClientMessage(encodeSyncStep1(new Uint8Array([0])))).toEqual({ type: 'sync-step1', stateVector: new Uint8Array([0]) });
    expect(decodeClientMessage(encodeSyncStep2(update))).toEqual({ type: 'sync-step2', update });
    expect(decodeClientMessage(encodeUpdate(update))).toEqual({ type: 'update', update });
    expect(decodeClientMessage(encodeAwareness(new Uint8Array([0])))).toEqual({ type: 'awareness', update: new Uint8Array([0]) });
    expect(decodeClientMessage(encodeQueryAwareness())).toEqual({ type: 'query-awareness' });
  });

  it('never reads past the message, even inside a larger buffer', () => {
    // A pooled buffer: the message is a view whose ArrayBuffer continues with foreign bytes.
    const pool = new Uint8Array(64).fill(7);
    pool.set([0, 2, 10, 1, 2], 0);
    const view = pool.subarray(0, 5);
    expect(() => decodeClientMessage(view)).toThrow(ProtocolError);
  });

  it.each([
    ['empty', [], CloseCode.protocolError],
    ['unknown type', [5], CloseCode.protocolError],
    ['auth from a client', [2, 0, 0], CloseCode.protocolError],
    ['unknown sync type', [0, 3, 0], CloseCode.protocolError],
    ['truncated length', [0, 0], CloseCode.protocolError],
    ['short payload', [0, 2, 3, 1], CloseCode.protocolError],
    ['trailing bytes', [0, 0, 1, 0, 9], CloseCode.protocolError],
    ['varUint too long', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], CloseCode.protocolError],
  ])('rejects %s with a close code', (_what, bytes, code) => {
    let caught: unknown;
    try {
      decodeClientMessage(new Uint8Array(bytes));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect((caught as ProtocolError).closeCode).toBe(code);
  });

  it('recognises the empty update', () => {
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(new Y.Doc()))).toBe(true);
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x');
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(doc))).toBe(false);
  });
});
