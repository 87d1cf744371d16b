/**
 * `tandem verify --database-url`: for every document, its records run 1..last_seq with none
 * missing, every update applies when replayed from the first, and every checkpoint equals the
 * replay at its seq. Reads pages of records, so a long history never sits in memory whole.
 * Safe while servers write: each document is read up to the last_seq read at its start.
 */
import type { DocReport, VerifyReport } from '../verify-report.js';
import { ReplayCheck } from '../replay-check.js';
import type { Database } from './database.js';
import { PostgresArchive } from './postgres-archive.js';
import { CHECKPOINTS_OF, DOC_NAMES } from './sql.js';

export async function verifyDatabase(db: Database): Promise<VerifyReport> {
  const archive = new PostgresArchive(db);
  const report: VerifyReport = { docs: [], errors: [], warnings: [], ok: true };
  const { rows } = await db.pool.query<{ name: string }>(DOC_NAMES);
  for (const { name } of rows) {
    const doc = await archive.findDoc(name);
    if (!doc) continue;
    const where = archive.describe('tandem_records', name);
    const docReport: DocReport = { name, dir: where, records: 0, checkpoints: 0, compacted: null, errors: [], warnings: [] };
    const checkpoints = (await db.pool.query<{ seq: number; state: Buffer }>(CHECKPOINTS_OF, [doc.id])).rows.map((c) => ({
      seq: c.seq,
      path: archive.describe('tandem_checkpoints', name, c.seq),
      state: new Uint8Array(c.state),
    }));
    docReport.checkpoints = checkpoints.length;
    const check = new ReplayCheck(checkpoints);
    const gaps = await archive.eachRecordPage(doc, 0, doc.last_seq, (page) => {
      for (const record of page) check.apply(record, { path: `${where} seq ${record.seq}` });
      docReport.records += page.length;
    });
    check.finish({ path: where });
    docReport.errors.push(...gaps, ...check.errors);
    docReport.warnings.push(...check.warnings);
    report.docs.push(docReport);
  }
  report.ok = report.docs.every((d) => d.errors.length === 0);
  return report;
}
