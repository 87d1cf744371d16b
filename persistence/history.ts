/**
 * A document's timeline: its records grouped into versions. A new version starts after a
 * pause in editing (longer than `pauseMs`), when the author changes, after a gap in the
 * sequence (records lost to damage), and after a named version (named-versions.ts), so each
 * version is one person's stretch of work and every named point ends one. A restore is a
 * version of its own, saying who asked for it.
 */
import { parseRestoreAuthor, type Restorer } from './author.js';
import type { CompactedHistory, DocHistory } from './archive.js';
import type { LogRecord } from './record.js';
import { namedVersionJson, type NamedVersion } from './named-versions.js';
import { lastSeq } from './replay.js';

export const DEFAULT_PAUSE_MS = 60_000;

export interface Version {
  fromSeq: number;
  toSeq: number;
  startMs: number;
  endMs: number;
  /** Known authors of the version's records as recorded (empty when unknown). */
  authors: string[];
  /** Set for a restore: who asked for it (null: unknown). */
  restore?: { by: Restorer };
  records: number;
  /** Update bytes in the version's records. */
  bytes: number;
}

/** What decides where versions start: a record's sequence number, time and author. */
export type RecordMark = Pick<LogRecord, 'seq' | 'timeMs' | 'author'>;

/**
 * Whether `record` starts a new version after `previous` (none: it is the first); `breakAfter`:
 * seqs a version must end at (named versions').
 */
export function startsVersion(previous: RecordMark | null, record: RecordMark, pauseMs = DEFAULT_PAUSE_MS, breakAfter: ReadonlySet<number> = new Set()): boolean {
  return previous === null || record.timeMs - previous.timeMs > pauseMs || record.author !== previous.author || record.seq !== previous.seq + 1 || breakAfter.has(previous.seq);
}

/** Versions, oldest first; `breakAfter`: seqs a version must end at (named versions'). */
export function groupVersions(records: readonly LogRecord[], pauseMs = DEFAULT_PAUSE_MS, breakAfter: ReadonlySet<number> = new Set()): Version[] {
  const versions: Version[] = [];
  let current: Version | null = null;
  let previous: LogRecord | null = null;
  for (const record of records) {
    if (startsVersion(previous, record, pauseMs, breakAfter) || current === null) {
      current = { fromSeq: record.seq, toSeq: record.seq, startMs: record.timeMs, endMs: record.timeMs, authors: [], records: 0, bytes: 0 };
      // Every record of a version has one author, so the first says whether it is a restore.
      const restorer = parseRestoreAuthor(record.author);
      if (restorer !== undefined) current.restore = { by: restorer };
      versions.push(current);
    }
    current.toSeq = record.seq;
    current.endMs = record.timeMs;
    current.records += 1;
    current.bytes += record.update.byteLength;
    if (record.author !== null && !current.authors.includes(record.author)) current.authors.push(record.author);
    previous = record;
  }
  return versions;
}

/**
 * The contract's JSON shape: times as ISO strings; `restoredBy` only on restores:
 * `{"user": id}` (from a token), `{"name": name}` (self-declared) or null (unknown).
 */
export function versionJson(version: Version): Record<string, unknown> {
  return {
    fromSeq: version.fromSeq,
    toSeq: version.toSeq,
    start: new Date(version.startMs).toISOString(),
    end: new Date(version.endMs).toISOString(),
    authors: version.authors,
    records: version.records,
    bytes: version.bytes,
    ...(version.restore ? { kind: 'restore', restoredBy: version.restore.by } : { kind: 'edit' }),
  };
}

/** The history JSON's `compacted`: null, or the seq history starts at and when it was cut. */
export function compactedJson(compacted: CompactedHistory | null): Record<string, unknown> | null {
  return compacted ? { beforeSeq: compacted.seq, at: new Date(compacted.compactedAtMs).toISOString() } : null;
}

/**
 * `GET /api/docs/<doc>/history` and `tandem history --json`: the versions (each ending at a
 * named point lists its names), and every named version (those before a compaction's cut too).
 */
export function historyJson(history: DocHistory, named: readonly NamedVersion[], pauseMs = DEFAULT_PAUSE_MS): Record<string, unknown> {
  const cut = history.compacted?.seq ?? null;
  const versions = groupVersions(history.records, pauseMs, new Set(named.map((v) => v.seq))).map((version) => {
    const names = named.filter((v) => v.seq === version.toSeq).map((v) => ({ id: v.id, name: v.name }));
    return names.length > 0 ? { ...versionJson(version), named: names } : versionJson(version);
  });
  return {
    name: history.name,
    records: lastSeq(history),
    compacted: compactedJson(history.compacted),
    versions,
    named: named.map((v) => namedVersionJson(v, cut)),
  };
}
