/**
 * Read access to documents' histories, for the replay commands and the `/api` routes.
 * The file store implements it for a live server (reading only what it has made durable);
 * `DataDirArchive` implements it for a data dir on its own (commands run beside or without
 * a server, never writing); `PostgresArchive` for a database.
 */
import type { LogRecord, StoreProblem } from './record.js';

export interface DocSummary {
  name: string;
  /** Bytes on disk: the log and the checkpoints. */
  bytes: number;
  records: number;
  /** Server time of the last record, or null for a document without records. */
  lastChangeMs: number | null;
}

/** A checkpoint a history can start from: the merged state at `seq`. */
export interface HistoryCheckpoint {
  seq: number;
  /** Where it is kept: a file path, or the database table and key. */
  path: string;
  /** The merged state at `seq`, or null when the file fails its checksum. */
  load(): Promise<Uint8Array | null>;
}

export interface DocHistory {
  name: string;
  /** Every readable record in order: seq 1..n, with gaps only where the log is damaged. */
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
