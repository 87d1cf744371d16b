/**
 * Hostile input: every malformed frame closes only its own connection, with the documented
 * close code and one log line, while a healthy client in another room keeps editing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawSocket, synced, within, yClient, type YClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';
import { CloseCode } from '../../sync-server/protocol.js';

let server: TestServer;
let healthyWriter: YClient;
let healthyReader: YClient;
let edits = 0;

beforeAll(async () => {
  server = await startTestServer({ limits: { maxMessageBytes: 64 * 1024, maxBufferedBytes: 1024 * 1024 } });
  healthyWriter = yClient(server.wsUrl, 'healthy');
  healthyReader = yClient(server.wsUrl, 'healthy');
  await Promise.all([synced(healthyWriter), synced(healthyReader)]);
});

afterAll(async () => {
  healthyWriter.destroy();
  healthyReader.destroy();
  await server.close();
});

/** The healthy room still relays an edit end to end. */
async function healthyRoomStillWorks(): Promise<void> {
  edits += 1;
  healthyWriter.doc.getText('text').insert(0, `${edits};`);
  const expected = healthyWriter.doc.getText('text').toString();
  await waitFor(() => healthyReader.doc.getText('text').toString() === expected, 'the healthy room to keep relaying');
}

const bytes = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

const cases: Array<[string, Uint8Array | string, number]> = [
  ['an empty frame', new Uint8Array([]), CloseCode.protocolError],
  ['an unknown message type', new Uint8Array([9, 1, 2]), CloseCode.protocolError],
  ['an auth message from a client', new Uint8Array([2, 0, 0]), CloseCode.protocolError],
  ['an unknown sync message type', new Uint8Array([0, 7, 0]), CloseCode.protocolError],
  ['a truncated sync step 1', new Uint8Array([0, 0]), CloseCode.protocolError],
  ['a length running past the end', new Uint8Array([0, 2, 50, 1, 2, 3]), CloseCode.protocolError],
  ['an overlong varUint', new Uint8Array([0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), CloseCode.protocolError],
  ['trailing bytes after a message', new Uint8Array([3, 0, 0]), CloseCode.protocolError],
  ['an update Yjs rejects', bytes((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 2); encoding.writeVarUint8Array(e, new Uint8Array([5, 200, 1, 2])); }), CloseCode.invalidPayload],
  ['a sync step 2 Yjs rejects', bytes((e) => { encoding.writeVarUint(e, 0); encoding.writeVarUint(e, 1); encoding.writeVarUint8Array(e, new Uint8Array([1, 1, 5])); }), CloseCode.invalidPayload],
  ['a malformed awareness update', bytes((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint8Array(e, new Uint8Array([1, 7, 1, 3, 0x7b, 0x7b, 0x7b])); }), CloseCode.invalidPayload],
  ['awareness JSON that does not parse', bytes((e) => {
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, 42);
    encoding.writeVarUint(inner, 1);
    encoding.writeVarString(inner, '{not json');
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  }), CloseCode.invalidPayload],
  ['a text frame', 'hello', CloseCode.unsupportedData],
  ['a message over the size limit', new Uint8Array(64 * 1024 + 1), CloseCode.messageTooBig],
];

describe('hostile frames', () => {
  it.each(cases)('closes the connection on %s', async (what, frame, expectedCode) => {
    const raw = await rawSocket(server.wsUrl, `hostile-${what}`);
    const logsBefore = server.logs.length;
    raw.ws.send(frame, { binary: typeof frame !== 'string' });
    const closed = await within(raw.closed, 5000, 'the server to close the connection');
    expect(closed.code).toBe(expectedCode);
    await healthyRoomStillWorks();
    const complaints = server.logs.slice(logsBefore).filter((l) => l.level >= 40);
    expect(complaints.length, `log lines: ${JSON.stringify(complaints)}`).toBeGreaterThanOrEqual(1);
    expect(complaints.some((l) => l.room === `hostile-${what}`)).toBe(true);
  });

  it('refuses an invalid document name with HTTP 400 before any WebSocket exists', async () => {
    // Escapes are never a reason (`/bad%00name` is the document "bad%00name"): only an empty
    // name, one over 512 bytes once read, or a path whose dot segments leave nothing.
    for (const path of [`/${'x'.repeat(513)}`, `/${'%C3%A9'.repeat(257)}`, '/', '/%2e%2E', '/a/..']) {
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${server.wsUrl}${path}`);
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => reject(new Error(`upgrade to ${path} was accepted`)));
        ws.on('error', () => undefined);
      });
      expect(status, path).toBe(400);
    }
    await healthyRoomStillWorks();
  });

  it('keeps a room usable for others after one of its clients misbehaves', async () => {
    const good = yClient(server.wsUrl, 'shared-with-a-vandal');
    const other = yClient(server.wsUrl, 'shared-with-a-vandal');
    try {
      await Promise.all([synced(good), synced(other)]);
      const raw = await rawSocket(server.wsUrl, 'shared-with-a-vandal');
      raw.ws.send(new Uint8Array([0, 2, 4, 1, 2, 3, 4]));
      expect((await within(raw.closed, 5000, 'vandal closed')).code).toBe(CloseCode.invalidPayload);
      good.doc.getText('text').insert(0, 'still fine');
      await waitFor(() => other.doc.getText('text').toString() === 'still fine', 'the room to keep working');
    } finally {
      good.destroy();
      other.destroy();
    }
  });
});
