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

/** A deleted document in the trash: checked as a live one is, since it can be restored. */
export interface TrashDocReport extends DocReport {
  trashId: string;
  deletedAtMs: number;
}

export interface VerifyReport {
  docs: DocReport[];
  trash: TrashDocReport[];
  /** Problems outside any one document (unknown directories, unreadable dirs). */
  errors: StoreProblem[];
  warnings: StoreProblem[];
  ok: boolean;
}

/** Whether nothing in `report` is damaged: its own errors, its documents' and its trash's. */
export function reportOk(report: Pick<VerifyReport, 'docs' | 'trash' | 'errors'>): boolean {
  return report.errors.length === 0 && [...report.docs, ...report.trash].every((d) => d.errors.length === 0);
}
