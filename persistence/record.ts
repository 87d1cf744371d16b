/**
 * A record of a document's history, as every store keeps it: the Yjs update with its
 * per-document sequence number, the server's time and the author when known. How a store lays
 * records out (file frames, table rows) is its own business; readers see these types.
 */

export interface LogRecord {
  seq: number;
  timeMs: number;
  /** null when unknown. */
  author: string | null;
  update: Uint8Array;
}

/** A record as found in a file, with where it sits. */
export interface StoredRecord extends LogRecord {
  /** Where the frame starts in the log; -1 for a record still only in the journal. */
  offset: number;
  /** Frame size in bytes (head + body). */
  size: number;
  /** The frame's checksum (checkpoints name the record they were made at by it). */
  crc: number;
}

/** Something wrong in a store's data, with where it is (a path and byte offset for files). */
export interface StoreProblem {
  path: string;
  offset?: number;
  message: string;
}

export function describeProblem(p: StoreProblem): string {
  return p.offset === undefined ? `${p.path}: ${p.message}` : `${p.path} at byte ${p.offset}: ${p.message}`;
}
