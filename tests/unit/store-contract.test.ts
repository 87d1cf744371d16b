/**
 * The Store contract (persistence/store.ts), run against every store.
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
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { DEADLINE_MS } from '../helpers/wait.js';

interface Backend {
  name: string;
  /** Appends wait for a disk or a database (the memory store's never wait). */
  durable: boolean;
  create(): Store | Promise<Store>;
}

const dirs: string[] = [];
const stores: Store[] = [];
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
  { name: 'MemoryStore', durable: false, create: () => new MemoryStore() },
  {
    name: 'FileStore',
    durable: true,
    create: () => {
      const dir = mkdtempSync(join(tmpdir(), 'tandem-contract-'));
      dirs.push(dir);
      return new FileStore(dir, { checkpointEvery: 7 });
    },
  },
  {
    name: 'PostgresStore',
    durable: true,
    create: async () => {
      if (!cluster) throw new Error('no PostgreSQL cluster');
      return new PostgresStore(await cluster.createDatabase('contract'), { checkpointEvery: 7 });
    },
  },
];

for (const backend of backends) {
  describe(`Store contract: ${backend.name}`, () => {
    const make = async (): Promise<Store> => {
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
  });
}
