/**
 * A document's timeline: its records grouped into versions. A new version starts after a
 * pause in editing (longer than `pauseMs`), when the author changes, and after a gap in the
 * sequence (records lost to damage), so each version is one person's stretch of work. A
 * restore is a version of its own, saying who asked for it.
 */
import { parseRestoreAuthor, type Restorer } from './author.js';
import type { CompactedHistory } from './archive.js';
import type { LogRecord } from './record.js';

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

/** Versions, oldest first. */
export function groupVersions(records: readonly LogRecord[], pauseMs = DEFAULT_PAUSE_MS): Version[] {
  const versions: Version[] = [];
  let current: Version | null = null;
  let previous: LogRecord | null = null;
  for (const record of records) {
    const startsNew =
      current === null ||
      previous === null ||
      record.timeMs - previous.timeMs > pauseMs ||
      record.author !== previous.author ||
      record.seq !== previous.seq + 1;
    if (startsNew || current === null) {
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
