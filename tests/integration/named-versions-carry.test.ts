/**
 * Named versions go wherever their document goes, in the data dir and in PostgreSQL alike:
 * into the trash and back (under its name or another), through a compaction (kept, seq and all),
 * into a backup (`tandem backup`'s copy, which a server then serves with them), and they go for
 * good when the document is purged. A new document under a deleted one's name starts with none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DirectoryBackup } from '../../persistence/file/backup.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import type { NamedVersion, NamedVersions } from '../../persistence/named-versions.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import type { Store } from '../../persistence/store.js';
import type { DocTrash } from '../../persistence/trash.js';
import type { ApiStore } from '../../sync-server/http/api-routes.js';
import { appendTextUpdate } from '../helpers/text-doc.js';
import { usePgTestBed } from '../helpers/pg-test-bed.js';

type FullStore = Store & ApiStore & DocTrash & NamedVersions;

const work = mkdtempSync(join(tmpdir(), 'tandem-versions-carry-'));
const bed = usePgTestBed();
const open: FullStore[] = [];
let dirs = 0;

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const newDir = (): string => join(work, `dir-${++dirs}`);

const backends: { name: string; create(): Promise<FullStore> }[] = [
  { name: 'data dir', create: async () => new FileStore(newDir()) },
  { name: 'PostgreSQL', create: async () => new PostgresStore(await bed.cluster.createDatabase('carry')) },
];

/** `store` holding `name` with `records` records and two named versions. */
async function docWithVersions(store: FullStore, name: string, records = 6): Promise<NamedVersion[]> {
  const doc = new Y.Doc();
  for (let i = 0; i < records; i += 1) await store.append(name, appendTextUpdate(doc, String(i)), { author: 'ada' });
  const early = await store.addVersion(name, { name: 'Early', seq: 2, timeMs: 1_000, author: 'ada' });
  const legal = await store.addVersion(name, { name: 'Sent to legal', seq: 5, timeMs: 2_000, author: 'tandem:name:Bob' });
  return [early, legal];
}

for (const backend of backends) {
  describe(`named versions in a ${backend.name}`, () => {
    const make = async (): Promise<FullStore> => {
      const store = await backend.create();
      open.push(store);
      return store;
    };

    it('stay with a document in the trash and come back with it, under its name or another; a new document of that name has none', async () => {
      const store = await make();
      const versions = await docWithVersions(store, 'report');
      const deleted = await store.trashDoc('report', 'ada', Date.now());
      expect(deleted).not.toBeNull();
      expect(await store.listVersions('report')).toEqual([]);
      // A new document under the name is another document.
      await store.append('report', appendTextUpdate(new Y.Doc(), 'new'), { author: null });
      expect(await store.listVersions('report')).toEqual([]);
      await store.restoreDoc(deleted?.id ?? '', 'report (restored)');
      expect(await store.listVersions('report (restored)')).toEqual(versions);

      const again = await store.trashDoc('report (restored)', null, Date.now());
      expect(await store.listVersions('report (restored)')).toEqual([]);
      await store.restoreDoc(again?.id ?? '');
      expect(await store.listVersions('report (restored)')).toEqual(versions);
    });

    it('go for good when the document is purged from the trash', async () => {
      const store = await make();
      await docWithVersions(store, 'gone');
      await store.trashDoc('gone', null, 1_000);
      expect(await store.purgeTrash(2_000)).toHaveLength(1);
      await store.append('gone', appendTextUpdate(new Y.Doc(), 'again'), { author: null });
      expect(await store.listVersions('gone')).toEqual([]);
    });

    it('are kept by a compaction, those before the cut with their seq', async () => {
      const store = await make();
      const versions = await docWithVersions(store, 'long');
      const done = await store.compact('long', { seq: 4 });
      expect(done.cut).toBe(4);
      expect(await store.listVersions('long')).toEqual(versions);
      const history = await store.readHistory('long');
      expect(history?.compacted?.seq).toBe(4);
    });

    it('are in a backup, of live and trashed documents alike, and the copy serves them', async () => {
      const store = await make();
      const live = await docWithVersions(store, 'live/doc');
      const trashed = await docWithVersions(store, 'trashed');
      await store.trashDoc('trashed', null, Date.now());
      const dest = newDir();
      const sink = new DirectoryBackup(dest);
      await store.backup(sink);
      await sink.finish();
      const verified = await verifyDataDir(dest, { live: false });
      expect(verified.ok, JSON.stringify(verified.docs.flatMap((d) => d.errors))).toBe(true);
      const copy = new FileStore(dest);
      open.push(copy);
      expect(await copy.listVersions('live/doc')).toEqual(live);
      const [entry] = await copy.listTrash();
      await copy.restoreDoc(entry?.id ?? '');
      expect(await copy.listVersions('trashed')).toEqual(trashed);
      // The copy takes new ones as any data dir does.
      expect((await copy.addVersion('live/doc', { name: 'In the copy', seq: 6, timeMs: 3_000, author: null })).name).toBe('In the copy');
    });
  });
}
