/**
 * An update Yjs would apply but that leaves the document unloadable is refused at the door:
 * an item referring to a later item of its own client (no Yjs client can make one). These
 * eight updates, found by the protocol fuzz test, applied together made the document's state
 * impossible to load again once the room was unloaded — a denial of service on the document
 * by anyone allowed to write.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../sync-server/protocol.js';
import { updateProblem } from '../../sync-server/rooms/update-check.js';
import { rawSocket, synced, within, yClient, type YClient } from '../helpers/clients.js';
import { frames } from '../helpers/protocol-frames.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { randomTextEdit, randomXmlEdit } from '../helpers/edits.js';
import { prng } from '../helpers/random.js';

const fromBase64 = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

/** In the order they were sent; the fifth refers forward (its origin is clock 37 of its own client, at clock 19). */
const BEFORE = [
  'AQHLuvTbAwzEy7r02wMHy7r02wMIASAA',
  'AQHLuvTbAwZEy7r03wMABnRhbmRlbQA=',
  'AQPLuvTbAwIHAQdkZWZhdWx0AwlwYXJhZ3JhcGgHAMu69NsDAgYEAMu69NsDAwTwn5mCAA==',
  'AQPLuvTbAw9Hy7r02wMCAwlwYXJhZ3JhcGgHAMu69NsDDwYEAMu69NsDEAbljZTkvZwA',
].map(fromBase64);
const FORWARD_REFERENCE = fromBase64('AQHLuvTbAxOEy7r02wMlAQoA');
const AFTER = ['AQHLuvTbAw3Ey7r02wMLy7r02wMABPCfmYIA', 'AQHLuvTbAwAEAQR0ZXh0BuWNlOS9nAA=', 'AQHLuvTbAwZEy7r02wMABnRhbmRlbQA='].map(fromBase64);

let server: TestServer | null = null;
const clients: YClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
  server = null;
});

describe('update check', () => {
  it('passes every update real clients make, and names the forward reference', () => {
    const rand = prng(7);
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 300; i++) (i % 2 ? randomXmlEdit : randomTextEdit)(doc, rand);
    expect(updates.filter((u) => updateProblem(u) !== null)).toEqual([]);
    expect(updateProblem(Y.encodeStateAsUpdate(doc))).toBeNull();
    expect(updateProblem(FORWARD_REFERENCE)).toMatch(/refers to a later item of its own client/);
  });

  it('closes the sender with 1007 and keeps the document loadable after the room is unloaded', async () => {
    const s = await startTestServer();
    server = s;
    const first = await rawSocket(s.wsUrl, 'target');
    for (const update of [...BEFORE, FORWARD_REFERENCE]) first.ws.send(frames.update(update));
    expect((await within(first.closed, 20_000, 'the server to close the sender')).code).toBe(CloseCode.invalidPayload);
    expect(s.logs.some((l) => l.msg === 'closing connection on bad input' && l.errorCode === 'ERR_BAD_UPDATE')).toBe(true);

    // The rest arrive over another connection; then everyone leaves and the room is unloaded.
    const second = await rawSocket(s.wsUrl, 'target');
    for (const update of AFTER) second.ws.send(frames.update(update));
    const writer = yClient(s.wsUrl, 'target');
    clients.push(writer);
    await synced(writer, 20_000);
    await waitFor(() => writer.doc.getText('text').length > 0, 'the later updates to arrive', 20_000);
    second.ws.close();
    writer.destroy();
    clients.pop();
    await waitFor(() => s.server.rooms.size === 0, 'the room to be unloaded', 20_000);

    const reader = yClient(s.wsUrl, 'target');
    clients.push(reader);
    await synced(reader, 20_000);
    expect(reader.doc.getText('text').toString()).toContain('協作');
  });
});
