/**
 * The `comment` role through real stock y-websocket clients: a commenter's text edits never
 * reach anyone (refused once with permission-denied, the connection stays open), its comments
 * do — stored with its user as the author; every token connection writes comments only under
 * its own name; viewers see comments but cannot add any.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { MessageType, encodeUpdate } from '../../sync-server/protocol.js';
import { addReply, readThreads, setResolved } from '../../document-schema/comments/comment-threads.js';
import type { TestServer } from '../helpers/server.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { ada, bob, commentOn, paragraphs, updateOf, writeParagraphs } from '../helpers/comment-docs.js';
import { waitFor } from '../helpers/wait.js';
import { RecordingStore, mint, startAuthServer, tryUpgrade } from './auth-fixtures.js';

let server: TestServer;
let store: RecordingStore;
let writer: YClient;
const clients: YClient[] = [];

const token = (sub: string, name: string, role: string): Promise<string> => mint({ sub, name, docs: ['notes'], role });

async function client(sub: string, name: string, role: string): Promise<YClient> {
  const c = yClient(server.wsUrl, 'notes', { params: { token: await token(sub, name, role) } });
  clients.push(c);
  await synced(c);
  return c;
}

beforeAll(async () => {
  store = new RecordingStore();
  server = await startAuthServer({ store });
  writer = await client('ada', 'Ada', 'write');
  writeParagraphs(writer.doc, ['Hello brave new world', 'Second paragraph']);
  commentOn(writer.doc, 'brave', ada, 'Is this the right word?', Date.UTC(2025, 0, 1));
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server.close();
});

const roomDoc = async (): Promise<Y.Doc> => {
  const room = (await server.server.rooms.loadedRooms()).find((r) => r.name === 'notes');
  if (!room) throw new Error('room not loaded');
  await room.whenDurable();
  return room.doc;
};
const refusals = (): string[] => server.logs.filter((l) => /refused|ignored/.test(l.msg)).map((l) => `${l.msg}: ${String(l.reason)}`);

/** Sends a marker through the client's presence and waits for the writer to see it: everything sent before has been handled. */
async function handled(c: YClient, marker: string): Promise<void> {
  c.provider.awareness.setLocalStateField('marker', marker);
  await waitFor(() => writer.provider.awareness.getStates().get(c.doc.clientID)?.['marker'] === marker, `marker ${marker}`);
}

describe('a comment-role connection', () => {
  it('cannot change the text, for anyone or on disk', async () => {
    const commenter = await client('bob', 'Bob', 'comment');
    await waitFor(() => paragraphs(commenter.doc)[0] === 'Hello brave new world', 'the commenter to receive the text');
    const appendsBefore = store.appends.length;
    const text = (commenter.doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    text.insert(0, 'VANDAL ');
    await handled(commenter, 'after-vandal');
    writer.provider.awareness.setLocalStateField('marker', 'round-trip');
    await waitFor(() => commenter.provider.awareness.getStates().get(writer.doc.clientID)?.['marker'] === 'round-trip', 'a round trip');

    expect(paragraphs(writer.doc)[0]).toBe('Hello brave new world');
    expect(paragraphs(await roomDoc())[0]).toBe('Hello brave new world');
    expect(store.appends.slice(appendsBefore).filter((a) => a.author === 'bob')).toEqual([]);
    expect(refusals()).toEqual(['update from a comment-only connection refused: this connection may change comments only']);
  });

  it('adds, answers and resolves comments, stored under its user', async () => {
    const commenter = await client('bob', 'Bob', 'comment');
    await waitFor(() => readThreads(commenter.doc).length === 1, 'the commenter to receive the thread');
    const [thread] = readThreads(commenter.doc);
    const appendsBefore = store.appends.length;
    commentOn(commenter.doc, 'Second', bob, 'A comment from the commenter', Date.UTC(2025, 0, 2));
    addReply(commenter.doc, thread?.id ?? '', bob, 'Looks right to me');
    setResolved(commenter.doc, thread?.id ?? '', true, bob);
    await waitFor(() => readThreads(writer.doc).length === 2 && readThreads(writer.doc).some((t) => t.resolved), 'the writer to see the comments');

    const seen = readThreads(await roomDoc());
    expect(seen.map((t) => t.messages.map((m) => `${m.author.name}: ${m.text}`))).toEqual([
      ['Ada: Is this the right word?', 'Bob: Looks right to me'],
      ['Bob: A comment from the commenter'],
    ]);
    expect(seen[0]?.resolvedBy).toEqual(bob);
    const appended = store.appends.slice(appendsBefore);
    expect(appended.length).toBeGreaterThan(0);
    expect(new Set(appended.map((a) => a.author))).toEqual(new Set(['bob']));
  });

  it('is refused a comment in someone else’s name; the connection stays open', async () => {
    const token = await mint({ sub: 'mallory', name: 'Mallory', docs: ['notes'], role: 'comment' });
    const outcome = await tryUpgrade(`${server.wsUrl}/notes?token=${token}`);
    if (!('socket' in outcome)) throw new Error(`upgrade refused with ${outcome.status}`);
    const { ws, received } = outcome.socket;
    const forged = updateOf(await roomDoc(), (d) => commentOn(d, 'world', ada, 'Ada never wrote this'), 4242);
    ws.send(encodeUpdate(forged));
    ws.send(encodeUpdate(forged));
    const isAuth = (m: Buffer): boolean => decoding.readVarUint(decoding.createDecoder(m)) === MessageType.auth;
    await waitFor(() => received.some(isAuth), 'a permission-denied message');
    expect(received.filter(isAuth)).toHaveLength(1);
    expect(ws.readyState).toBe(ws.OPEN);
    expect(refusals().at(-1)).toMatch(/only name its own author/);
    // Mallory's own comment, sent next on the same socket, goes through.
    const own = updateOf(await roomDoc(), (d) => commentOn(d, 'world', { id: 'mallory', name: 'Mallory', kind: 'token' }, 'Mine'), 4343);
    ws.send(encodeUpdate(own));
    await waitFor(() => readThreads(writer.doc).some((t) => t.author.id === 'mallory'), 'Mallory’s own comment at the writer');
    expect(readThreads(writer.doc).some((t) => t.messages.some((m) => m.text === 'Ada never wrote this'))).toBe(false);
    ws.close();
  });
});

describe('authorship for writers', () => {
  it('refuses a writer’s comment in another name, takes its own', async () => {
    const carol = await client('carol', 'Carol', 'write');
    commentOn(carol.doc, 'paragraph', ada, 'pretending to be Ada');
    await handled(carol, 'after-forgery');
    expect(readThreads(await roomDoc()).some((t) => t.messages.some((m) => m.text === 'pretending to be Ada'))).toBe(false);
    expect(refusals().at(-1)).toMatch(/update with comments refused: a comment may only name its own author/);

    const honest = await client('carol', 'Carol', 'write');
    commentOn(honest.doc, 'paragraph', { id: 'carol', name: 'Carol', kind: 'token' }, 'as myself');
    await waitFor(() => readThreads(writer.doc).some((t) => t.author.id === 'carol'), 'Carol’s comment at the writer');
  });
});

describe('a viewer', () => {
  it('sees comments but cannot add any', async () => {
    const viewer = await client('vi', 'Vi', 'read');
    await waitFor(() => readThreads(viewer.doc).length >= 2, 'the viewer to see the threads');
    const before = readThreads(await roomDoc()).length;
    commentOn(viewer.doc, 'Hello', { id: 'vi', name: 'Vi', kind: 'token' }, 'a viewer comment');
    await handled(viewer, 'after-viewer-comment');
    expect(readThreads(await roomDoc())).toHaveLength(before);
  });
});
