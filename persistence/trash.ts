/**
 * Deleted documents: a delete moves a document, its whole history included, to the trash,
 * where it stays restorable until it is purged (the server purges what has been there longer
 * than `--trash-days`). Both stores implement it (file/file-trash.ts, postgres/postgres-trash.ts).
 *
 * Names: a trashed document no longer holds its name. A new document may be made under it, and
 * is a different document (with a history of its own), as in any file manager; several
 * trashed documents may share a name, so each has an `id`. Restoring never merges two
 * documents: into a name that a document holds again, it is refused (`name-taken`), or made
 * under another name (`as`).
 */

export interface TrashedDoc {
  /** This trashed document, among any others of the same name. */
  id: string;
  name: string;
  deletedAtMs: number;
  /** Who deleted it (a token's user id), when known. */
  deletedBy: string | null;
  bytes: number;
  records: number;
  lastChangeMs: number | null;
}

/** As `GET /api/trash` and `tandem docs --trash --json` give it: times as ISO 8601. */
export interface TrashedDocJson {
  id: string;
  name: string;
  deletedAt: string;
  deletedBy: string | null;
  /** When it will be purged: the deletion time plus the trash period. */
  purgeAfter: string;
  bytes: number;
  records: number;
  lastChange: string | null;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export function trashedDocJson(doc: TrashedDoc, trashDays: number): TrashedDocJson {
  return {
    id: doc.id,
    name: doc.name,
    deletedAt: new Date(doc.deletedAtMs).toISOString(),
    deletedBy: doc.deletedBy,
    purgeAfter: new Date(doc.deletedAtMs + trashDays * DAY_MS).toISOString(),
    bytes: doc.bytes,
    records: doc.records,
    lastChange: doc.lastChangeMs === null ? null : new Date(doc.lastChangeMs).toISOString(),
  };
}

export type TrashFailure = 'not-found' | 'name-taken' | 'busy';

/** A trash operation that cannot be done; `reason` says which way, the message says it for people. */
export class TrashError extends Error {
  readonly code = 'ERR_TRASH';

  constructor(
    readonly reason: TrashFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface DocTrash {
  /**
   * Moves a document and its history to the trash; null when there is no such document. The
   * caller makes sure nothing is writing to it (the server closes its room first).
   */
  trashDoc(name: string, deletedBy: string | null, nowMs: number): Promise<TrashedDoc | null>;
  /** Trashed documents, most recently deleted first. */
  listTrash(): Promise<TrashedDoc[]>;
  /**
   * Makes trashed document `id` a live document again, under `as` (default: its own name).
   * Throws `TrashError`: `not-found` (no such id), `name-taken` (a document holds that name).
   */
  restoreDoc(id: string, as?: string): Promise<TrashedDoc>;
  /** Deletes for good every document trashed before `beforeMs`; returns them. */
  purgeTrash(beforeMs: number): Promise<TrashedDoc[]>;
}

/** The most recently deleted of the trashed documents named `name`, if any. */
export function latestTrashed(trash: readonly TrashedDoc[], name: string): TrashedDoc | null {
  return trash.filter((doc) => doc.name === name).sort((a, b) => b.deletedAtMs - a.deletedAtMs)[0] ?? null;
}

export function nameTakenMessage(name: string): string {
  return `a document named ${JSON.stringify(name)} exists again since this one was deleted; restore it under another name (it is never merged into that one)`;
}
