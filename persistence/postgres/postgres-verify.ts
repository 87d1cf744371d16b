/**
 * `tandem verify --database-url`: for every document, its records run 1..last_seq with none
 * missing (from compacted_before + 1 for a compacted one, whose checkpoint at the cut must be
 * there), every update applies when replayed from the first, and every checkpoint equals the
 * replay at its seq, and every named version names a record the document has. Reads pages of records, so a long history never sits in memory whole.
 * Safe while servers write and compact: each document is read in a snapshot of its own.
 * Documents in the trash are checked the same way (they can be restored): their rows keep their
 * records under a name no document can have (sql.ts), which problems never show: they name such
 * a document by its own name, in the trash, with its id.
 */
import { reportOk, type DocReport, type VerifyReport } from '../verify-report.js';
import { ReplayCheck } from '../replay-check.js';
import type { Database } from './database.js';
import { PostgresArchive } from './postgres-archive.js';
import { DOC_NAMES, TRASHED_NAMES } from './sql.js';
import { versionsOfDocId } from './pg-versions.js';

export async function verifyDatabase(db: Database): Promise<VerifyReport> {
  const archive = new PostgresArchive(db);
  const report: VerifyReport = { docs: [], trash: [], errors: [], warnings: [], ok: true };
  const { rows } = await db.pool.query<{ name: string }>(DOC_NAMES);
  for (const { name } of rows) {
    const docReport = await verifyStoredDoc(db, archive, name);
    if (docReport) report.docs.push(docReport);
  }
  const trashed = await db.pool.query<{ stored: string; name: string; id: string; deleted_ms: number }>(TRASHED_NAMES);
  for (const entry of trashed.rows) {
    const docReport = await verifyStoredDoc(db, archive, entry.stored);
    // Restored or purged by a server since it was listed: checked as what it is now, or gone.
    if (docReport) report.trash.push({ ...docReport, name: entry.name, trashId: entry.id, deletedAtMs: Number(entry.deleted_ms) });
  }
  report.ok = reportOk(report);
  return report;
}

/** The document stored under `storedName`, checked in a snapshot; problems name a deleted one by its own name and trash id. */
async function verifyStoredDoc(db: Database, archive: PostgresArchive, storedName: string): Promise<DocReport | null> {
  return db.snapshot(async (client): Promise<DocReport | null> => {
    const doc = await archive.findDoc(storedName, client);
    if (!doc) return null;
    const where = archive.describeDoc('tandem_records', doc);
    const docReport: DocReport = { name: doc.deleted_name ?? doc.name, dir: where, records: 0, checkpoints: 0, compacted: null, errors: [], warnings: [] };
    const stored = await archive.checkpointsOf(doc, client);
    const base = archive.compactedOf(doc, stored, docReport.errors);
    if (base) docReport.compacted = { seq: base.seq, compactedAtMs: base.compactedAtMs };
    // The checkpoint at the cut is where the replay starts, not one to check against it.
    const checkpoints = stored.filter((c) => c.seq !== base?.seq).map((c) => ({
      seq: c.seq,
      path: archive.describeDoc('tandem_checkpoints', doc, c.seq),
      state: new Uint8Array(c.state),
    }));
    docReport.checkpoints = stored.length;
    const check = new ReplayCheck(checkpoints, base?.state ?? undefined);
    const gaps = await archive.eachRecordPage(doc, doc.compacted_before, doc.last_seq, (page) => {
      for (const record of page) check.apply(record, { path: `${where} seq ${record.seq}` });
      docReport.records += page.length;
    }, client);
    check.finish({ path: where });
    docReport.errors.push(...gaps, ...check.errors);
    docReport.warnings.push(...check.warnings);
    for (const version of await versionsOfDocId(client, doc.id)) {
      if (version.seq <= doc.last_seq) continue;
      docReport.errors.push({ path: archive.describeDoc('tandem_named_versions', doc), message: `the version named ${JSON.stringify(version.name)} names record ${version.seq}, past the document's last (${doc.last_seq})` });
    }
    return docReport;
  });
}
