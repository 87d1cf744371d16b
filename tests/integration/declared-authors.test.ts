/**
 * Who the server records as the author of a connection's changes: on a server without tokens,
 * the name the connection declared (`?name=`), marked self-declared; nothing when it declared
 * none (a stock client); with tokens, always the token's user, whatever name is declared.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { declaredAuthor, describeAuthor, writerOf } from '../../persistence/author.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { RecordingStore, mint, startAuthServer, tryUpgrade } from './auth-fixtures.js';

const servers: TestServer[] = [];
const clients: YClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function typeAs(server: TestServer, params: Record<string, string>, text: string, room = 'doc'): Promise<void> {
  const client = yClient(server.wsUrl, room, { params });
  clients.push(client);
  await synced(client, 20_000);
  client.doc.getText('t').insert(0, text);
}

async function authorsOf(store: RecordingStore, count: number): Promise<(string | null)[]> {
  await waitFor(() => store.appends.length >= count, `${count} appends`, 20_000);
  return store.appends.map((a) => a.author);
}

describe('self-declared authors', () => {
  it('records the declared name of each connection, and nothing for a connection without one', async () => {
    const store = new RecordingStore();
    const server = await startTestServer({ store });
    servers.push(server);
    await typeAs(server, { name: '  Ada   Lovelace ' }, 'a');
    await authorsOf(store, 1);
    await typeAs(server, {}, 'b');
    await authorsOf(store, 2);
    await typeAs(server, { name: 'Ölaf 🙂' }, 'c');
    expect(await authorsOf(store, 3)).toEqual([declaredAuthor('Ada Lovelace'), null, declaredAuthor('Ölaf 🙂')]);
    expect(writerOf(store.appends[0]?.author ?? null)).toEqual({ person: 'name:Ada Lovelace', name: 'Ada Lovelace', declared: true, via: null });
    expect(describeAuthor(store.appends[2]?.author ?? null)).toBe('Ölaf 🙂 (self-declared)');
  });

  it('refuses a name it cannot record with 400 and a reason', async () => {
    const server = await startTestServer();
    servers.push(server);
    for (const bad of ['a'.repeat(101), '\u001b[31mred', 'bell\u0007']) {
      const outcome = await tryUpgrade(`${server.wsUrl}/doc?name=${encodeURIComponent(bad)}`);
      expect(outcome.status).toBe(400);
      expect('body' in outcome ? outcome.body : '').toMatch(/invalid name parameter/);
    }
    // An empty name is no name.
    const empty = await tryUpgrade(`${server.wsUrl}/doc?name=`);
    expect(empty.status).toBe(101);
    if ('socket' in empty) empty.socket.ws.close();
  });

  it('records the token’s user with tokens, whatever name the connection declares', async () => {
    const store = new RecordingStore();
    const server = await startAuthServer({ store });
    servers.push(server);
    const token = await mint({ sub: 'ada', name: 'Ada', docs: ['doc'] });
    await typeAs(server, { token, name: 'Mallory' }, 'x');
    expect(await authorsOf(store, 1)).toEqual(['ada']);
    // A name the server could not record is not even looked at.
    await typeAs(server, { token, name: 'x'.repeat(500) }, 'y');
    expect(await authorsOf(store, 2)).toEqual(['ada', 'ada']);
  });
});
