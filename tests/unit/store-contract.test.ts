/**
 * The Store contract (persistence/store.ts), and the named versions beside it
 * (persistence/named-versions.ts), run against every store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { MemoryStore } from '../../persistence/memory-store.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import type { Store } from '../../persistence/store.js';
import { VersionError, type NamedVersions } from '../../persistence/named-versions.js';
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { DEADLINE_MS } from '../helpers/wait.js';

type ContractStore = Store & NamedVersions;

interface Backend {
  name: string;
  /** Appends wait for a disk or a database (the memory store's never wait). */
  durable: boolean;
  create(): ContractStore | Promise<ContractStore>;
  /** A new store on what `store` kept (after it closed); null for a store that keeps nothing. */
  reopen: ((store: ContractStore) => ContractStore) | null;
}

const dirs: string[] = [];
const stores: Store[] = [];
/** Where each PostgreSQL store under test keeps its documents. */
const databaseOf = new WeakMap<ContractStore, string>();
let cluster: PgCluster | null = null;

beforeAll(async () => {
  cluster = await PgCluster.start();
});
afterAll(async () => {
  await cluster?.destroy();
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const backends: Backend[] = [
  { name: 'MemoryStore', durable: false, create: () => new MemoryStore(), reopen: null },
  {
    name: 'FileStore',
    durable: true,
    create: () => {
      const dir = mkdtempSync(join(tmpdir(), 'tandem-contract-'));
      dirs.push(dir);
      return new FileStore(dir, { checkpointEvery: 7 });
    },
    reopen: (store) => new FileStore((store as FileStore).dataDir, { checkpointEvery: 7 }),
  },
  {
    name: 'PostgresStore',
    durable: true,
    create: async () => {
      if (!cluster) throw new Error('no PostgreSQL cluster');
      const url = await cluster.createDatabase('contract');
      const store = new PostgresStore(url, { checkpointEvery: 7 });
      databaseOf.set(store, url);
      return store;
    },
    reopen: (store) => new PostgresStore(databaseOf.get(store) ?? '', { checkpointEvery: 7 }),
  },
];

for (const backend of backends) {
  describe(`Store contract: ${backend.name}`, () => {
    const make = async (): Promise<ContractStore> => {
      const store = await backend.create();
      stores.push(store);
      return store;
    };

    it('loads an unknown document as empty, at seq 0', async () => {
      const store = await make();
      const loaded = await store.load('never-seen');
      expect(loaded.seq).toBe(0);
      expect(textOf(loaded.state)).toBe('');
      expect(store.health().ok).toBe(true);
    });

    it('loads a document holding an update Yjs applies but cannot merge', async () => {
      // Found by the protocol fuzz test: Y.applyUpdate keeps this update as pending structs,
      // while Y.mergeUpdates and Y.decodeUpdate throw "Unexpected case" on it. A room accepts
      // it, so a store must still load the document afterwards.
      const poison = new Uint8Array(Buffer.from('0101b3d386d5051ceab3d386d20500027a7a69', 'hex'));
      const store = await make();
      await store.append('poisoned', appendTextUpdate(new Y.Doc(), 'kept'), { author: null });
      await store.append('poisoned', poison, { author: null });
      const loaded = await store.load('poisoned');
      expect(loaded.seq).toBe(2);
      expect(textOf(loaded.state)).toBe('kept');
    });

    it('numbers appends 1, 2, 3… per document and resolves them in order', async () => {
      const store = await make();
      const a = new Y.Doc();
      const b = new Y.Doc();
      const order: string[] = [];
      const pending: Promise<number>[] = [];
      for (let i = 0; i < 20; i += 1) {
        const doc = i % 2 === 0 ? a : b;
        const name = i % 2 === 0 ? 'a' : 'b';
        pending.push(store.append(name, appendTextUpdate(doc, String(i % 10)), { author: null }).then((seq) => {
          order.push(`${name}${seq}`);
          return seq;
        }));
      }
      const seqs = await Promise.all(pending);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => Math.floor(i / 2) + 1));
      expect(order.filter((o) => o.startsWith('a'))).toEqual(Array.from({ length: 10 }, (_, i) => `a${i + 1}`));
      const loaded = await store.load('a');
      expect(loaded.seq).toBe(10);
      expect(textOf(loaded.state)).toBe('0246802468');
    });

    it('load waits for appends still in flight', async () => {
      const store = await make();
      const doc = new Y.Doc();
      const appended = store.append('x', appendTextUpdate(doc, 'hello'), { author: 'u1' });
      const loaded = await store.load('x');
      expect(textOf(loaded.state)).toBe('hello');
      expect(loaded.seq).toBe(1);
      expect(await appended).toBe(1);
    });

    it('flush resolves once everything appended is done', async () => {
      const store = await make();
      const doc = new Y.Doc();
      let resolved = 0;
      for (let i = 0; i < 30; i += 1) void store.append('f', appendTextUpdate(doc, 'z'), { author: null }).then(() => (resolved += 1));
      await store.flush('f');
      await store.flush();
      // Settled appends have run their callbacks by the time flush's continuation runs.
      await Promise.resolve();
      expect(resolved).toBe(30);
      expect(textOf((await store.load('f')).state)).toBe('z'.repeat(30));
    });

    it('keeps names apart: case, unicode, slashes, dots, long names', async () => {
      const store = await make();
      const names = ['Doc', 'doc', 'DOC', 'a/b', 'a%2Fb', '..', '.', 'ü 😀', 'x'.repeat(300), 'é'.repeat(256)];
      for (const [i, name] of names.entries()) {
        const doc = new Y.Doc();
        await store.append(name, appendTextUpdate(doc, `#${i}`), { author: null });
      }
      for (const [i, name] of names.entries()) expect(textOf((await store.load(name)).state)).toBe(`#${i}`);
    });

    it('names the records not durable yet until they are, and closes by a deadline once all are', async () => {
      const store = await make();
      const doc = new Y.Doc();
      // A document the store has not opened yet: its appends wait for that first.
      const appends = ['a', 'b', 'c'].map((t) => store.append('p', appendTextUpdate(doc, t), { author: null }));
      expect(store.pendingWrites()).toEqual(backend.durable ? [{ doc: 'p', records: 3 }] : []);
      expect(await Promise.all(appends)).toEqual([1, 2, 3]);
      expect(store.pendingWrites()).toEqual([]);
      await store.close(AbortSignal.timeout(DEADLINE_MS));
      await expect(store.append('p', appendTextUpdate(doc, 'd'), { author: null })).rejects.toThrow(/closed/);
    });

    it('close is idempotent and refuses later appends', async () => {
      const store = await make();
      await store.append('c', appendTextUpdate(new Y.Doc(), 'a'), { author: null });
      await store.close();
      await store.close();
      await expect(store.append('c', appendTextUpdate(new Y.Doc(), 'b'), { author: null })).rejects.toThrow(/closed/);
    });

    describe('named versions', () => {
      /** A store holding document `name` with `records` records. */
      const withDoc = async (name: string, records: number): Promise<ContractStore> => {
        const store = await make();
        const doc = new Y.Doc();
        for (let i = 0; i < records; i += 1) await store.append(name, appendTextUpdate(doc, String(i % 10)), { author: null });
        return store;
      };
      const refusal = async (work: Promise<unknown>): Promise<string> => {
        const error = await work.then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(VersionError);
        return (error as VersionError).reason;
      };

      it('names records of a document: listed oldest first, names trimmed, authors and times kept', async () => {
        const store = await withDoc('report', 5);
        expect(await store.listVersions('report')).toEqual([]);
        const legal = await store.addVersion('report', { name: '  Sent to legal ', seq: 4, timeMs: 2_000, author: 'ada' });
        const draft = await store.addVersion('report', { name: 'First draft', seq: 2, timeMs: 3_000, author: 'tandem:name:Bob' });
        const also = await store.addVersion('report', { name: 'v1', seq: 4, timeMs: 1_000, author: null });
        expect(legal).toMatchObject({ name: 'Sent to legal', seq: 4, timeMs: 2_000, author: 'ada' });
        expect(legal.id).not.toBe(draft.id);
        expect(await store.listVersions('report')).toEqual([draft, also, legal]);
        expect(await store.listVersions('never-seen')).toEqual([]);
      });

      it('keeps versions per document, whatever their names', async () => {
        const names = ['a/b', 'a%2Fb', 'ü 😀', 'x'.repeat(300)];
        const store = await make();
        for (const name of names) await store.append(name, appendTextUpdate(new Y.Doc(), name), { author: null });
        for (const [i, name] of names.entries()) await store.addVersion(name, { name: 'Same name', seq: 1, timeMs: i, author: null });
        for (const [i, name] of names.entries()) expect((await store.listVersions(name)).map((v) => [v.name, v.timeMs])).toEqual([['Same name', i]]);
      });

      it('refuses bad names, unknown documents, records past the end and a name the document has', async () => {
        const store = await withDoc('doc', 3);
        const add = (name: string, seq = 1, doc = 'doc') => store.addVersion(doc, { name, seq, timeMs: 1, author: null });
        expect(await refusal(add(''))).toBe('invalid');
        expect(await refusal(add('   '))).toBe('invalid');
        expect(await refusal(add('x'.repeat(101)))).toBe('invalid');
        expect(await refusal(add('two\nlines'))).toBe('invalid');
        expect((await add('😀'.repeat(100))).name).toBe('😀'.repeat(100));
        expect(await refusal(add('ok', 4))).toBe('out-of-range');
        expect(await refusal(add('ok', 0))).toBe('out-of-range');
        expect(await refusal(add('ok', 1, 'no-such-doc'))).toBe('not-found');
        await add('Final', 3);
        expect(await refusal(add(' Final ', 2))).toBe('name-taken');
        expect((await add('final', 2)).name).toBe('final');
        expect((await store.listVersions('doc')).map((v) => v.name)).toEqual(['😀'.repeat(100), 'final', 'Final']);
      });

      it('renames and removes by id; an unknown id is not found', async () => {
        const store = await withDoc('doc', 2);
        const one = await store.addVersion('doc', { name: 'One', seq: 1, timeMs: 10, author: 'ada' });
        const two = await store.addVersion('doc', { name: 'Two', seq: 2, timeMs: 20, author: null });
        expect(await store.renameVersion('doc', one.id, ' Uno ')).toEqual({ ...one, name: 'Uno' });
        expect(await refusal(store.renameVersion('doc', one.id, 'Two'))).toBe('name-taken');
        expect(await refusal(store.renameVersion('doc', one.id, ''))).toBe('invalid');
        expect(await refusal(store.renameVersion('doc', 'no-such-id', 'Three'))).toBe('not-found');
        expect(await refusal(store.renameVersion('other', one.id, 'Three'))).toBe('not-found');
        expect(await store.removeVersion('doc', two.id)).toEqual(two);
        expect(await refusal(store.removeVersion('doc', two.id))).toBe('not-found');
        expect(await store.listVersions('doc')).toEqual([{ ...one, name: 'Uno' }]);
        // The name is free again.
        expect((await store.addVersion('doc', { name: 'Two', seq: 1, timeMs: 30, author: null })).name).toBe('Two');
      });

      it('keeps the id and time a copied version comes with', async () => {
        const store = await withDoc('doc', 1);
        const copied = { id: 'b7d1c0de-0000-4000-8000-000000000001', name: 'Copied', seq: 1, timeMs: 1_700_000_000_123, author: 'tandem:name:Ada' };
        expect(await store.addVersion('doc', copied)).toEqual(copied);
        expect(await refusal(store.addVersion('doc', { ...copied, name: 'Other' }))).toBe('name-taken');
        expect(await store.listVersions('doc')).toEqual([copied]);
      });

      it('keeps named versions when the store is opened again', async () => {
        if (!backend.reopen) return;
        const store = await withDoc('kept', 3);
        const version = await store.addVersion('kept', { name: 'Kept', seq: 2, timeMs: 5, author: 'ada' });
        await store.close();
        const again = backend.reopen(store);
        stores.push(again);
        expect(await again.listVersions('kept')).toEqual([version]);
        const more = await again.addVersion('kept', { name: 'More', seq: 3, timeMs: 6, author: null });
        expect(await again.listVersions('kept')).toEqual([version, more]);
      });
    });
  });
}
