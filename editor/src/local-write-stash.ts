/**
 * Keeps the changes IndexedDB has not yet written when the page goes away.
 *
 * y-indexeddb writes each update in its own IndexedDB transaction, a moment after it is made;
 * a tab closed within that moment takes the last keystrokes with it (offline, nowhere else
 * has them). localStorage is written synchronously and survives the close. So this keeps, in
 * memory, every update IndexedDB has not confirmed yet, and when the page is hidden or closed
 * writes them (merged) to localStorage; the next page to open the document applies them
 * before anything else, and deletes them once its own IndexedDB copy holds them.
 *
 * What "confirmed" means: IndexedDB runs a read-only transaction only after every read-write
 * transaction created before it on the same store has finished. So once a read-only probe
 * created after an update's write completes, that write is done. A write that failed instead
 * (an aborted transaction, e.g. disk quota) makes every later probe count for nothing: the
 * stash then holds everything since.
 *
 * Storage layout: one key per page, `tandem:unsaved:<page id>`, value
 * `{"doc": <name>, "update": <base64 Yjs update>}`. Several tabs on one document never
 * overwrite each other's keys.
 */
import * as Y from 'yjs';
import { fromBase64, toBase64 } from 'lib0/buffer';
import type { IndexeddbPersistence } from 'y-indexeddb';

const KEY_PREFIX = 'tandem:unsaved:';
const UPDATES_STORE = 'updates';

interface Unconfirmed {
  seq: number;
  update: Uint8Array;
  /** Made here (typed, or restored from a stash), not received from the server. */
  local: boolean;
}

export class LocalWriteStash {
  private readonly key: string;
  private unconfirmed: Unconfirmed[] = [];
  private seq = 0;
  private probing = false;
  /** An IndexedDB write failed: confirmations can no longer be trusted. */
  private writeFailed = false;
  private db: IDBDatabase | null = null;
  /** Stashes of earlier pages applied here: removed once this page has secured their content. */
  private adopted: { key: string; raw: string; seq: number }[] = [];
  /** What this page last wrote under its key, if it is there, and up to which update. */
  private written: string | null = null;
  private writtenSeq = 0;
  private destroyed = false;

  constructor(
    private readonly doc: Y.Doc,
    private readonly persistence: IndexeddbPersistence,
    /** Updates with this origin came from the server, which has them anyway. */
    private readonly serverOrigin: unknown,
    private readonly storage: Storage,
    private readonly docName: string,
  ) {
    this.key = `${KEY_PREFIX}${doc.clientID.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    doc.on('update', this.onUpdate);
    this.restore();
    window.addEventListener('pagehide', this.save);
    document.addEventListener('visibilitychange', this.onVisibility);
    void persistence.whenSynced.then(() => this.startProbing());
  }

  /** Writes what IndexedDB has not confirmed to localStorage now (synchronously). */
  readonly save = (): void => {
    if (this.destroyed || this.unconfirmed.length === 0 || (this.written !== null && this.writtenSeq === this.seq)) return;
    const all = this.unconfirmed.map((u) => u.update);
    const local = this.unconfirmed.filter((u) => u.local).map((u) => u.update);
    // Everything if it fits; else this browser's own changes, which exist nowhere else.
    if (this.write(all) || (local.length < all.length && local.length > 0 && this.write(local))) {
      // This page's stash now holds the adopted ones too.
      for (const adopted of this.adopted) this.removeIfUnchanged(adopted.key, adopted.raw);
      this.adopted = [];
      return;
    }
    console.warn(`Tandem: could not keep the last changes to “${this.docName}” in localStorage (full or unavailable); they depend on IndexedDB finishing its writes.`);
  };

  destroy(): void {
    if (this.destroyed) return;
    this.save();
    this.destroyed = true;
    this.doc.off('update', this.onUpdate);
    window.removeEventListener('pagehide', this.save);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.db?.removeEventListener('abort', this.onAbort);
  }

  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'hidden') this.save();
  };

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this.persistence) return;
    this.seq += 1;
    this.unconfirmed.push({ seq: this.seq, update, local: origin !== this.serverOrigin });
    this.probe();
  };

  private readonly onAbort = (event: Event): void => {
    if (event.target instanceof IDBTransaction && event.target.mode !== 'readonly') this.writeFailed = true;
  };

  /** Applies the stashes earlier pages left for this document. */
  private restore(): void {
    for (const { key, raw, update } of this.readStashes()) {
      try {
        // Decoding reads all of it: a damaged stash fails here, before it touches the document.
        Y.decodeUpdate(update);
        Y.applyUpdate(this.doc, update, this);
      } catch (error) {
        console.warn(`Tandem: ignoring the unreadable stash ${key}: ${(error as Error).message}`);
        continue;
      }
      // Applying it was an update like any other, so it is in `unconfirmed` from here on.
      this.adopted.push({ key, raw, seq: this.seq });
    }
  }

  private readStashes(): { key: string; raw: string; update: Uint8Array }[] {
    const found: { key: string; raw: string; update: Uint8Array }[] = [];
    try {
      for (let i = 0; i < this.storage.length; i++) {
        const key = this.storage.key(i);
        if (!key?.startsWith(KEY_PREFIX) || key === this.key) continue;
        const raw = this.storage.getItem(key);
        if (raw === null) continue;
        const stash = parseStash(raw);
        if (stash === null) console.warn(`Tandem: ignoring the unreadable stash ${key}`);
        else if (stash.doc === this.docName) found.push({ key, raw, update: stash.update });
      }
    } catch {
      // Storage unavailable: there is nothing to restore from it either.
    }
    return found;
  }

  private startProbing(): void {
    if (this.destroyed || !this.persistence.db) return;
    this.db = this.persistence.db;
    this.db.addEventListener('abort', this.onAbort);
    this.probe();
  }

  /** One probe at a time; updates made meanwhile are covered by the next one. */
  private probe(): void {
    const { db } = this;
    if (!db || this.probing || this.destroyed || (this.unconfirmed.length === 0 && this.adopted.length === 0)) return;
    const upTo = this.seq;
    let transaction: IDBTransaction;
    try {
      transaction = db.transaction([UPDATES_STORE], 'readonly');
    } catch {
      return; // Closed: the page is going away, and `save` keeps what is left.
    }
    this.probing = true;
    transaction.oncomplete = () => {
      this.probing = false;
      if (!this.writeFailed) this.confirm(upTo);
      this.probe();
    };
    transaction.onabort = () => {
      this.probing = false;
    };
  }

  /** Every update up to `seq` is in IndexedDB: forget it, and the stashes it made redundant. */
  private confirm(seq: number): void {
    this.unconfirmed = this.unconfirmed.filter((u) => u.seq > seq);
    const secured = this.adopted.filter((a) => a.seq <= seq);
    this.adopted = this.adopted.filter((a) => a.seq > seq);
    for (const adopted of secured) this.removeIfUnchanged(adopted.key, adopted.raw);
    if (this.unconfirmed.length === 0 && this.written !== null) {
      this.removeIfUnchanged(this.key, this.written);
      this.written = null;
    }
  }

  private write(updates: Uint8Array[]): boolean {
    const raw = JSON.stringify({ doc: this.docName, update: toBase64(Y.mergeUpdates(updates)) });
    try {
      this.storage.setItem(this.key, raw);
      this.written = raw;
      this.writtenSeq = this.seq;
      return true;
    } catch {
      return false;
    }
  }

  /** Another page may have rewritten its stash since it was read here: then it stays. */
  private removeIfUnchanged(key: string, raw: string): void {
    try {
      if (this.storage.getItem(key) === raw) this.storage.removeItem(key);
    } catch {
      // Storage unavailable: nothing to remove.
    }
  }
}

/** Removes every stash kept for document `docName` (it was deleted: nothing of it may come back). */
export function forgetStashes(storage: Storage, docName: string): void {
  try {
    const keys: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      const raw = key?.startsWith(KEY_PREFIX) ? storage.getItem(key) : null;
      if (key && raw !== null && parseStash(raw)?.doc === docName) keys.push(key);
    }
    for (const key of keys) storage.removeItem(key);
  } catch {
    // Storage unavailable: nothing was kept there either.
  }
}

function parseStash(raw: string): { doc: string; update: Uint8Array } | null {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const { doc, update } = value as { doc?: unknown; update?: unknown };
    if (typeof doc !== 'string' || typeof update !== 'string') return null;
    return { doc, update: fromBase64(update) };
  } catch {
    return null;
  }
}
