/**
 * A store that keeps documents in process memory: nothing survives a restart. Used by tests
 * that exercise the sync server alone and as the "durability off" reference in benchmarks.
 */
import * as Y from 'yjs';
import type { AppendMeta, LoadedDoc, PendingWrite, Store, StoreHealth } from './store.js';
import { byPoint, checkNewVersion, docNotFound, renamedIn, versionNotFound, type NamedVersion, type NamedVersions, type NewNamedVersion } from './named-versions.js';

interface MemoryDoc {
  updates: Uint8Array[];
  seq: number;
  versions: NamedVersion[];
}

export class MemoryStore implements Store, NamedVersions {
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
      doc = { updates: [], seq: 0, versions: [] };
      this.docs.set(name, doc);
    }
    doc.updates.push(update);
    doc.seq += 1;
    return doc.seq;
  }

  async listVersions(name: string): Promise<NamedVersion[]> {
    return [...(this.docs.get(name)?.versions ?? [])].sort(byPoint);
  }

  async addVersion(name: string, input: NewNamedVersion): Promise<NamedVersion> {
    const doc = this.docs.get(name);
    if (!doc || doc.seq === 0) throw docNotFound(name);
    const version = checkNewVersion(name, doc.versions, doc.seq, input);
    doc.versions.push(version);
    return version;
  }

  async renameVersion(name: string, id: string, newName: string): Promise<NamedVersion> {
    const doc = this.docs.get(name);
    if (!doc) throw versionNotFound(name, id);
    const { versions, renamed } = renamedIn(name, doc.versions, id, newName);
    doc.versions = versions;
    return renamed;
  }

  async removeVersion(name: string, id: string): Promise<NamedVersion> {
    const doc = this.docs.get(name);
    const found = doc?.versions.find((v) => v.id === id);
    if (!doc || !found) throw versionNotFound(name, id);
    doc.versions = doc.versions.filter((v) => v !== found);
    return found;
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
