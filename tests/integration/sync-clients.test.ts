import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait.js';
import { contentOf, randomTextEdit, randomXmlEdit } from '../helpers/edits.js';
import { prng, testSeed } from '../helpers/random.js';

let server: TestServer;
const clients: YClient[] = [];

function client(room: string): YClient {
  const c = yClient(server.wsUrl, room);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
});

describe('stock y-websocket clients against the server', () => {
  it('five clients editing Y.Text and Y.XmlFragment concurrently converge', async () => {
    server = await startTestServer();
    const seed = testSeed();
    const rand = prng(seed);
    const five = Array.from({ length: 5 }, () => client('converge'));
    await Promise.all(five.map((c) => synced(c)));
    for (let round = 0; round < 40; round++) {
      for (const c of five) {
        if (rand() < 0.5) randomTextEdit(c.doc, rand);
        else randomXmlEdit(c.doc, rand);
      }
    }
    const first = five[0]!;
    await waitFor(() => five.every((c) => contentOf(c.doc) === contentOf(first.doc)), `convergence (seed ${seed})`);
    expect(first.doc.getText('text').length, `seed ${seed}`).toBeGreaterThan(0);
    expect(first.doc.getXmlFragment('default').length, `seed ${seed}`).toBeGreaterThan(0);
  });

  it('a late joiner receives the whole document', async () => {
    server = await startTestServer();
    const writer = client('late');
    await synced(writer);
    writer.doc.getText('text').insert(0, 'written before you came');
    writer.doc.getXmlFragment('default').insert(0, [new Y.XmlElement('paragraph')]);
    await waitFor(() => !writer.provider.ws || writer.provider.ws.bufferedAmount === 0, 'writer to send');
    const late = client('late');
    await synced(late);
    await waitFor(() => contentOf(late.doc) === contentOf(writer.doc), 'late joiner to catch up');
    expect(late.doc.getText('text').toString()).toBe('written before you came');
  });

  it('keeps rooms isolated', async () => {
    server = await startTestServer();
    const a1 = client('room-a');
    const a2 = client('room-a');
    const b1 = client('room-b');
    await Promise.all([a1, a2, b1].map((c) => synced(c)));
    a1.doc.getText('text').insert(0, 'only in a');
    b1.doc.getText('text').insert(0, 'only in b');
    await waitFor(() => a2.doc.getText('text').toString() === 'only in a', 'a2 to receive');
    // Give a stray relay time to arrive before asserting it never did.
    const probe = client('room-b');
    await synced(probe);
    await waitFor(() => probe.doc.getText('text').toString() === 'only in b', 'probe to sync room b');
    expect(b1.doc.getText('text').toString()).toBe('only in b');
    expect(a2.doc.getText('text').toString()).toBe('only in a');
  });
});
