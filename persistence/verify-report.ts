/** What `tandem verify` finds, whatever the store. */
import type { StoreProblem } from './record.js';

export interface DocReport {
  name: string;
  /** Where the document is kept: its directory, or its table in the database. */
  dir: string;
  records: number;
  checkpoints: number;
  /** Set for a compacted document: history before `seq` was dropped (not lost: an operator's choice). */
  compacted: { seq: number; compactedAtMs: number } | null;
  errors: StoreProblem[];
  warnings: StoreProblem[];
}

export interface VerifyReport {
  docs: DocReport[];
  /** Problems outside any one document (unknown directories, unreadable dirs). */
  errors: StoreProblem[];
  warnings: StoreProblem[];
  ok: boolean;
}
