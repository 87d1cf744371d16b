/**
 * Read access to documents' histories, for the replay commands and the `/api` routes.
 * The file store implements it for a live server (reading only what it has made durable);
 * `DataDirArchive` implements it for a data dir on its own (commands run beside or without
 * a server, never writing); `PostgresArchive` for a database.
 */
import type { LogRecord, StoreProblem } from './record.js';

export interface DocSummary {
  name: string;
  /** Bytes stored: the log (or records) and the checkpoints, and the document's files. */
  bytes: number;
  records: number;
  /** Server time of the last record, or null for a document without records. */
  lastChangeMs: number | null;
  /**
   * The author recorded with that same last record, exactly as stored: a token's user id,
   * `tandem:restore…` for a restore (naming who asked for it: persistence/author.ts),
   * `tandem:recovery` (RECOVERY_AUTHOR) for content a store merged back after damage; null when
   * the record has no author (open access) or the document has no records.
   */
  lastAuthor: string | null;
}

/** A summary as `GET /api/docs` and `tandem docs --json` give it: times as ISO 8601 strings. */
export interface DocSummaryJson {
  name: string;
  bytes: number;
  records: number;
  lastChange: string | null;
  lastAuthor: string | null;
}

export function docSummaryJson(doc: DocSummary): DocSummaryJson {
  return {
    name: doc.name,
    bytes: doc.bytes,
    records: doc.records,
    lastChange: doc.lastChangeMs === null ? null : new Date(doc.lastChangeMs).toISOString(),
    lastAuthor: doc.lastAuthor,
  };
}

/** A checkpoint a history can start from: the merged state at `seq`. */
export interface HistoryCheckpoint {
  seq: number;
  /** Where it is kept: a file path, or the database table and key. */
  path: string;
  /** The merged state at `seq`, or null when the file fails its checksum. */
  load(): Promise<Uint8Array | null>;
}

/** A compacted document: records 1..seq were dropped, the state at `seq` kept. */
export interface CompactedHistory {
  seq: number;
  /** Time of record `seq`, and of the compaction. */
  timeMs: number;
  compactedAtMs: number;
}

export interface DocHistory {
  name: string;
  /** Set when history before `seq` was compacted (see `tandem compact`). */
  compacted: CompactedHistory | null;
  /** Every readable record in order: seq 1..n (after `compacted.seq`), with gaps only where the log is damaged. */
  records: LogRecord[];
  /** Checkpoints the log confirms, newest first: they bridge any gap before them. */
  checkpoints: HistoryCheckpoint[];
  /** Damage found while reading, with paths and offsets. */
  problems: StoreProblem[];
}

export interface DocArchive {
  listDocs(): Promise<DocSummary[]>;
  /** null when the document has never been stored. */
  readHistory(name: string): Promise<DocHistory | null>;
}
