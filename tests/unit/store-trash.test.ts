/**
 * The file store's trash on real files: what a crash can leave behind (an entry whose marker is
 * written but whose document never moved, a purge cut short) is never listed and is cleaned up;
 * a document deleted right after its records reached the journal — and then the process dies
 * without closing anything — does not come back when the data dir is opened again.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { TRASH_DIR } from '../../persistence/file/file-trash.js';
import { TrashError } from '../../persistence/trash.js';

let dataDir: string;
const stores: FileStore[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'tandem-trash-unit-'));
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function open(): FileStore {
  const store = new FileStore(dataDir, { journalFlushMs: 60_000 });
  stores.push(store);
  return store;
}

function update(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe('the file store trash', () => {
  it('deletes a document whose records are only in the journal, and a crash does not bring it back', async () => {
    const store = open();
    await store.append('doc', update('a'), { author: null });
    await store.append('doc', update('b'), { author: 'ada' });
    const deleted = await store.trashDoc('doc', 'ada', 1_000);
    expect(deleted).toMatchObject({ name: 'doc', deletedBy: 'ada', records: 2, deletedAtMs: 1_000 });
    // The process dies here: the store is never closed.
    stores.splice(0);
    const after = open();
    await after.ready();
    expect(await after.listDocs()).toEqual([]);
    expect((await after.listTrash()).map((d) => [d.name, d.records])).toEqual([['doc', 2]]);
    await after.restoreDoc(deleted?.id ?? '');
    expect((await after.readHistory('doc'))?.records.map((r) => [r.seq, r.author])).toEqual([[1, null], [2, 'ada']]);
  });

  it('keeps a new document of the same name apart, and restores under another name', async () => {
    const store = open();
    await store.append('doc', update('old'), { author: null });
    const deleted = await store.trashDoc('doc', null, 1_000);
    await store.append('doc', update('new'), { author: null });
    await expect(store.restoreDoc(deleted?.id ?? '')).rejects.toSatisfy((error: unknown) => error instanceof TrashError && error.reason === 'name-taken');
    const restored = await store.restoreDoc(deleted?.id ?? '', 'doc (old)');
    expect(restored.name).toBe('doc (old)');
    const text = async (name: string): Promise<string> => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, (await store.load(name)).state);
      return doc.getText('t').toString();
    };
    expect(await text('doc (old)')).toBe('old');
    expect(await text('doc')).toBe('new');
    await expect(store.restoreDoc('nope')).rejects.toSatisfy((error: unknown) => error instanceof TrashError && error.reason === 'not-found');
  });

  it('never lists what a crash left half done, and the next purge removes it', async () => {
    const store = open();
    await store.append('doc', update('x'), { author: null });
    await store.trashDoc('doc', null, 5_000);
    const trash = join(dataDir, TRASH_DIR);
    // A delete cut short after its marker, before the move; a purge cut short after its rename.
    mkdirSync(join(trash, '4000-0badf00d', 'docs'), { recursive: true });
    writeFileSync(join(trash, '4000-0badf00d', 'trashed.json'), JSON.stringify({ name: 'other', deletedAt: 4000, deletedBy: null }));
    mkdirSync(join(trash, '.purge-3000-deadbeef-12345678', 'docs'), { recursive: true });
    expect((await store.listTrash()).map((d) => d.name)).toEqual(['doc']);
    // Nothing is due yet; the leftovers go anyway.
    expect(await store.purgeTrash(1_000)).toEqual([]);
    expect(readdirSync(trash).sort()).toEqual([expect.stringMatching(/^5000-[0-9a-f]{8}$/)]);
    expect((await store.purgeTrash(6_000)).map((d) => d.name)).toEqual(['doc']);
    expect(readdirSync(trash)).toEqual([]);
    expect(existsSync(join(dataDir, 'docs'))).toBe(true);
  });
});
