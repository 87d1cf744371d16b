/** Backup copies for tests: one fetched from a server, and checks that every update a client had seen is in it. */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { expect } from 'vitest';
import * as Y from 'yjs';
import { DirectoryBackup } from '../../persistence/file/backup.js';
import { readBackupStream } from '../../persistence/file/backup-stream.js';
import { FileStore } from '../../persistence/file/file-store.js';

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
