/**
 * Named versions: a person gives a point of a document's history a name ("Sent to legal"), so
 * it can be found, opened, compared with and restored later. Every store keeps them beside
 * the document's history (memory-store.ts, file/file-versions.ts, postgres/pg-versions.ts),
 * and they go wherever the document goes: the trash, backups, `tandem migrate`, a rename.
 *
 * A named version names record `seq`: the document as it was after that record. Names are
 * unique within a document (compared exactly, after trimming), so `name:<name>` can stand for
 * a point of its history (version-point.ts).
 *
 * Compaction leaves names alone: one that names a record before the cut keeps its seq and time
 * (the truth about what was named when), and from then on shows the document at the cut, the
 * earliest state kept (`compacted: true` in the JSON).
 */
import { randomUUID } from 'node:crypto';
import { parseDeclaredAuthor, type Restorer } from './author.js';

export const MAX_VERSION_NAME = 100;

export interface NamedVersion {
  /** Stable for the version's life, whatever it is renamed to, and kept by every copy. */
  id: string;
  name: string;
  /** The record it names: the document as it was after it. */
  seq: number;
  /** Server time it was named. */
  timeMs: number;
  /** Who named it, as record authors are kept: a token's user, `tandem:name:<name>` (self-declared), or null. */
  author: string | null;
}

/** What adding takes: `id` only when copying a version from another store (migrate); a new one gets a fresh id. */
export interface NewNamedVersion {
  name: string;
  seq: number;
  timeMs: number;
  author: string | null;
  id?: string;
}

export type VersionFailure = 'invalid' | 'not-found' | 'name-taken' | 'out-of-range';

/** A named-version operation that cannot be done; `reason` says which way, the message says it for people. */
export class VersionError extends Error {
  readonly code = 'ERR_NAMED_VERSION';

  constructor(
    readonly reason: VersionFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Read access: what the replay commands and the archives (data dir, database) offer. */
export interface VersionLister {
  /** The document's named versions, oldest first (by seq, then time); none for a document without any. */
  listVersions(doc: string): Promise<NamedVersion[]>;
}

export interface NamedVersions extends VersionLister {
  /**
   * Names record `seq` of `doc`. Throws `VersionError`: `invalid` (the name), `not-found` (no
   * such document), `out-of-range` (no record `seq`), `name-taken` (the document has a version of that name).
   */
  addVersion(doc: string, version: NewNamedVersion): Promise<NamedVersion>;
  /** Gives version `id` another name; `not-found`, `invalid` or `name-taken` otherwise. */
  renameVersion(doc: string, id: string, name: string): Promise<NamedVersion>;
  /** Removes version `id` (the history it names stays); `not-found` when there is none. */
  removeVersion(doc: string, id: string): Promise<NamedVersion>;
}

/** A version name as given, trimmed; throws `VersionError('invalid')` when it cannot be one. */
export function checkVersionName(raw: unknown): string {
  if (typeof raw !== 'string') throw new VersionError('invalid', 'a version name must be text');
  const name = raw.trim();
  const length = [...name].length;
  if (length === 0) throw new VersionError('invalid', 'a version name cannot be empty');
  if (length > MAX_VERSION_NAME) throw new VersionError('invalid', `a version name has at most ${MAX_VERSION_NAME} characters (this one has ${length})`);
  // Shown in terminals, pages and file listings: no control characters (line breaks included).
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new VersionError('invalid', 'a version name cannot hold control characters (line breaks, tabs)');
  return name;
}

/** The version to store for `input`, checked: its name trimmed, a fresh id unless one is given. */
export function newVersion(input: NewNamedVersion): NamedVersion {
  const name = checkVersionName(input.name);
  if (!Number.isSafeInteger(input.seq) || input.seq < 1) throw new VersionError('out-of-range', `a named version names a record: a sequence number ≥ 1, not ${input.seq}`);
  return { id: input.id ?? randomUUID(), name, seq: input.seq, timeMs: input.timeMs, author: input.author };
}

/** Oldest first: by seq, then by when each was named, then by id (a stable order for equal ones). */
export function byPoint(a: NamedVersion, b: NamedVersion): number {
  return a.seq - b.seq || a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function docNotFound(doc: string): VersionError {
  return new VersionError('not-found', `no document named ${JSON.stringify(doc)}`);
}

export function versionNotFound(doc: string, id: string): VersionError {
  return new VersionError('not-found', `${JSON.stringify(doc)} has no named version with the id ${JSON.stringify(id)}`);
}

export function nameTaken(doc: string, name: string): VersionError {
  return new VersionError('name-taken', `${JSON.stringify(doc)} already has a version named ${JSON.stringify(name)}; choose another name, or rename that one`);
}

export function pastTheEnd(doc: string, seq: number, last: number): VersionError {
  return new VersionError('out-of-range', `${JSON.stringify(doc)} has ${last} records; there is no record ${seq} to name`);
}

/**
 * The checks every store makes when adding to `existing` (the document's versions, `last` its
 * last seq): a version of that name, or with that id, is refused; returns the version to store.
 */
export function checkNewVersion(doc: string, existing: readonly NamedVersion[], last: number, input: NewNamedVersion): NamedVersion {
  const version = newVersion(input);
  if (version.seq > last) throw pastTheEnd(doc, version.seq, last);
  if (existing.some((v) => v.name === version.name)) throw nameTaken(doc, version.name);
  if (existing.some((v) => v.id === version.id)) throw new VersionError('name-taken', `${JSON.stringify(doc)} already has a named version with the id ${JSON.stringify(version.id)}`);
  return version;
}

/** `existing` with version `id` renamed to `name` (checked); throws when there is no such version or the name is taken. */
export function renamedIn(doc: string, existing: readonly NamedVersion[], id: string, raw: string): { versions: NamedVersion[]; renamed: NamedVersion } {
  const name = checkVersionName(raw);
  const found = existing.find((v) => v.id === id);
  if (!found) throw versionNotFound(doc, id);
  if (existing.some((v) => v.name === name && v.id !== id)) throw nameTaken(doc, name);
  const renamed = { ...found, name };
  return { versions: existing.map((v) => (v.id === id ? renamed : v)), renamed };
}

/** Who named a version, as the API shows it: `{"user": id}` (a token's), `{"name": name}` (self-declared) or null. */
export function versionAuthorJson(author: string | null): Restorer {
  if (author === null || author === '') return null;
  const declared = parseDeclaredAuthor(author);
  return declared === undefined ? { user: author } : { name: declared };
}

export interface NamedVersionJson {
  id: string;
  name: string;
  seq: number;
  time: string;
  author: Restorer;
  /** Set when the history before the cut was compacted: the version shows the document at the cut. */
  compacted?: true;
}

/** The JSON shape (`GET /api/docs/<doc>/versions`, `tandem versions --json`); `cut`: where history was compacted, if it was. */
export function namedVersionJson(version: NamedVersion, cut: number | null = null): NamedVersionJson {
  return {
    id: version.id,
    name: version.name,
    seq: version.seq,
    time: new Date(version.timeMs).toISOString(),
    author: versionAuthorJson(version.author),
    ...(cut !== null && version.seq < cut ? { compacted: true as const } : {}),
  };
}

/** The same versions, compared field by field (for `tandem migrate`'s check). */
export function sameVersions(a: readonly NamedVersion[], b: readonly NamedVersion[]): boolean {
  const key = (v: NamedVersion): string => JSON.stringify([v.id, v.name, v.seq, v.timeMs, v.author]);
  const left = [...a].sort(byPoint).map(key);
  const right = [...b].sort(byPoint).map(key);
  return left.length === right.length && left.every((k, i) => k === right[i]);
}
