/**
 * Backups under continuous writes, for tests: clients typing, a copy fetched from a server, and
 * checks that every update a client had seen, an image uploaded and a document deleted before,
 * are in a copy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { expect } from 'vitest';
import * as Y from 'yjs';
import { DirectoryBackup } from '../../persistence/file/backup.js';
import { readBackupStream } from '../../persistence/file/backup-stream.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { FileStore } from '../../persistence/file/file-store.js';
import type { CliResult } from './cli.js';
import { synced, yClient, type YClient } from './clients.js';
import { png } from './images.js';
import { DEADLINE_MS, waitFor } from './wait.js';

/** What a client had seen of a document: its state vector and text (field `t`). */
export interface Seen {
  name: string;
  vector: Uint8Array;
  text: string;
}

/** Every update `seen` holds is in `copy`: no client's clock is behind. */
export function contains(copy: Uint8Array, seen: Uint8Array): boolean {
  const have = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(copy));
  for (const [client, clock] of Y.decodeStateVector(seen)) if ((have.get(client) ?? 0) < clock) return false;
  return true;
}

/** The data dir `dir` holds everything in `seen`. */
export async function expectCopyHas(dir: string, seen: readonly Seen[]): Promise<void> {
  const copy = new FileStore(dir);
  try {
    for (const { name, vector, text } of seen) {
      const state = (await copy.load(name)).state;
      expect(contains(state, vector), `${name}: an acknowledged update is missing from the copy in ${dir}`).toBe(true);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, state);
      expect(doc.getText('t').toString().startsWith(text)).toBe(true);
      doc.destroy();
    }
  } finally {
    await copy.close();
  }
}

/** `GET /api/backup` from the server at `httpUrl`, written into the new data dir `dir`. */
export async function fetchBackup(httpUrl: string, dir: string): Promise<void> {
  const res = await fetch(`${httpUrl}/api/backup`, { signal: AbortSignal.timeout(120_000) });
  expect(res.status).toBe(200);
  const target = new DirectoryBackup(dir);
  await readBackupStream(Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>) as AsyncIterable<Uint8Array>, target);
  await target.finish();
}

/** Writers typing into documents, each watched by a reader: acknowledged writes that go on. */
export interface Typing {
  /** What each reader has seen: acknowledged, since only what is durable is relayed. */
  acknowledged(): Seen[];
  /** Characters each reader has seen so far. */
  relayed(): number[];
  /** Stops typing; resolves when every writer has. */
  stop(): Promise<void>;
}

/**
 * One writer and one reader per document on the server at `wsUrl` (added to `clients` for the
 * caller to destroy); each writer appends a letter every few milliseconds (bounded in count)
 * until `stop`. Resolves once every reader has seen `atLeast` characters.
 */
export async function startTyping(wsUrl: string, names: readonly string[], clients: YClient[], atLeast: number): Promise<Typing> {
  const pairs: { name: string; writer: YClient; reader: YClient }[] = [];
  for (const name of names) {
    const writer = yClient(wsUrl, name);
    const reader = yClient(wsUrl, name);
    clients.push(writer, reader);
    await Promise.all([synced(writer), synced(reader)]);
    pairs.push({ name, writer, reader });
  }
  let writing = true;
  const typing = pairs.map(async ({ writer }, w) => {
    const text = writer.doc.getText('t');
    for (let i = 0; writing && i < 20_000; i += 1) {
      text.insert(text.length, String.fromCharCode(97 + ((i + w) % 26)));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  });
  await waitFor(() => pairs.every((p) => p.reader.doc.getText('t').length >= atLeast), 'some edits to be relayed', 2 * DEADLINE_MS);
  return {
    acknowledged: () => pairs.map((p) => ({ name: p.name, vector: Y.encodeStateVector(p.reader.doc), text: p.reader.doc.getText('t').toString() })),
    relayed: () => pairs.map((p) => p.reader.doc.getText('t').length),
    stop: async () => {
      writing = false;
      await Promise.all(typing);
    },
  };
}

/** Where the two copies went, what the readers had seen before the second, and how it ended. */
export interface CopiesWhileTyping {
  fromApi: string;
  dest: string;
  seen: Seen[];
  result: CliResult;
}

/** Uploads a small PNG to `doc` on the server at `httpUrl`: where a copy holds it, and its bytes. */
async function uploadImage(httpUrl: string, doc: string): Promise<{ path: string; bytes: Buffer }> {
  const bytes = png(6, 4, [20, 90, 200]);
  const res = await fetch(`${httpUrl}/api/docs/${encodeURIComponent(doc)}/files`, {
    method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(bytes), signal: AbortSignal.timeout(DEADLINE_MS),
  });
  expect(res.status).toBe(201);
  const { sha256 } = (await res.json()) as { sha256: string };
  return { path: join('docs', docDirName(doc), 'files', sha256), bytes };
}

/** A document written on the server and then deleted: in its trash, holding `text`. */
async function trashDocument(server: { wsUrl: string; httpUrl: string }): Promise<{ name: string; text: string }> {
  const name = 'old notes';
  const text = 'kept in the trash';
  const writer = yClient(server.wsUrl, name);
  const reader = yClient(server.wsUrl, name);
  try {
    await Promise.all([synced(writer), synced(reader)]);
    writer.doc.getText('t').insert(0, text);
    await waitFor(() => reader.doc.getText('t').toString() === text, 'the text to be relayed');
  } finally {
    // Gone before the delete: a client still connected would bring the text back into a new document.
    writer.destroy();
    reader.destroy();
  }
  const res = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(name)}`, { method: 'DELETE', signal: AbortSignal.timeout(DEADLINE_MS) });
  expect(res.status).toBe(200);
  return { name, text };
}

/** The copy in `dir` holds `trashed` in its trash; with `restore`, it is restored there and read back. */
async function expectTrashHas(dir: string, trashed: { name: string; text: string }, restore: boolean): Promise<void> {
  const copy = new FileStore(dir);
  try {
    const entry = (await copy.listTrash()).find((d) => d.name === trashed.name);
    expect(entry, `${trashed.name} in the trash of ${dir}`).toBeDefined();
    if (!entry || !restore) return;
    await copy.restoreDoc(entry.id);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, (await copy.load(trashed.name)).state);
    expect(doc.getText('t').toString()).toBe(trashed.text);
    doc.destroy();
  } finally {
    await copy.close();
  }
}

/**
 * While `typing` goes on: an image uploaded to the first document and another document deleted,
 * then a copy through the server's `GET /api/backup` into `<work>/api-copy`, then one made by
 * `backup(<work>/copy)` (the command line). Each holds the image, the deleted document in its
 * trash (the first copy restores it from there) and everything acknowledged before it began,
 * the command succeeded, and the writers did not pause for it. Stops typing.
 */
export async function copyWhileTyping(typing: Typing, server: { wsUrl: string; httpUrl: string }, work: string, backup: (dest: string) => Promise<CliResult>): Promise<CopiesWhileTyping> {
  const { httpUrl } = server;
  const image = await uploadImage(httpUrl, typing.acknowledged()[0]?.name ?? '?');
  const trashed = await trashDocument(server);
  const beforeApi = typing.acknowledged();
  const fromApi = join(work, 'api-copy');
  await fetchBackup(httpUrl, fromApi);
  await expectCopyHas(fromApi, beforeApi);

  const seen = typing.acknowledged();
  const dest = join(work, 'copy');
  const result = await backup(dest);
  const relayedDuring = typing.relayed();
  await typing.stop();
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(relayedDuring.every((length, i) => length > (seen[i]?.text.length ?? 0)), 'the writers went on during the backup').toBe(true);
  await expectCopyHas(dest, seen);
  for (const copy of [fromApi, dest]) expect(readFileSync(join(copy, image.path)).equals(image.bytes), `the image in ${copy}`).toBe(true);
  await expectTrashHas(dest, trashed, false);
  await expectTrashHas(fromApi, trashed, true);
  return { fromApi, dest, seen, result };
}
