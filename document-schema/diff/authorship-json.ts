/**
 * Who wrote the text a document holds now, as `GET /api/docs/<doc>/authorship` answers
 * (PROTOCOL.md; persistence/authorship-runs.ts builds it, the editor's author colours read it):
 * the Yjs ids of every stretch of visible text with an index into `authors` and the time of
 * the record that brought it (ms since the epoch; 0 when unknown).
 */
import type { DiffAuthor } from './diff-tree.js';

export type AuthorshipRun = [client: number, clock: number, length: number, author: number, timeMs: number];

export interface Authorship {
  name: string;
  /** The last record the answer includes. */
  seq: number;
  authors: DiffAuthor[];
  runs: AuthorshipRun[];
}
