/**
 * A store that keeps documents in process memory: nothing survives a restart. Used by tests
 * that exercise the sync server alone and as the "durability off" reference in benchmarks.
 */
import * as Y from 'yjs';
import type { AppendMeta, LoadedDoc, PendingWrite, Store, StoreHealth } from './store.js';

interface MemoryDoc {
  updates: Uint8Array[];
  seq: number;
}

export class MemoryStore implements Store {
  private readonly docs = new Map<string, MemoryDoc>();
  private closed = false;

  async load(name: string): Promise<LoadedDoc> {
    const doc = this.docs.get(name);
    if (!doc || doc.updates.length === 0) return { state: Y.encodeStateAsUpdate(new Y.Doc()), seq: 0 };
    // Applied to one document rather than Y.mergeUpdates: merging is slow on long histories and
    // stricter than applying, so an update the room accepted could make the document unloadable.
    const ydoc = new Y.Doc();
    for (const update of doc.updates) Y.applyUpdate(ydoc, update);
    const state = Y.encodeStateAsUpdate(ydoc);
    ydoc.destroy();
    // Keep the merged form so repeated loads do not re-merge the whole history.
    doc.updates = [state];
    return { state, seq: doc.seq };
  }

  async append(name: string, update: Uint8Array, _meta: AppendMeta): Promise<number> {
    if (this.closed) throw new Error('store is closed');
    let doc = this.docs.get(name);
    if (!doc) {
      doc = { updates: [], seq: 0 };
      this.docs.set(name, doc);
    }
    doc.updates.push(update);
    doc.seq += 1;
    return doc.seq;
  }

  async flush(): Promise<void> {}

  health(): StoreHealth {
    return { ok: true };
  }

  pendingWrites(): PendingWrite[] {
    return [];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
