/**
 * `tandem compact` in the database (see persistence/compaction.ts for what it means): the
 * state at the cut is kept as a checkpoint, the records up to the cut and the checkpoints
 * before it are deleted, and the document row records the cut (`compacted_before`), all in
 * one transaction — readers, who read in snapshots, see the history before or after it.
 *
 * Safe while servers write to the document: compaction changes neither its current state nor
 * its last_seq, so rooms and later appends carry on untouched (appends allocate seqs after
 * last_seq; the rows deleted are older). The document row is updated last, so its row lock —
 * which every commit of the document waits for — is held only for the COMMIT. The document's
 * checkpoint lock (sql.ts) is held throughout: checkpoint writers skip the document meanwhile
 * (one reading records the compaction deletes would fail), and two compactions of one
 * document take turns.
 */
import * as Y from 'yjs';
import { CompactionError, seqCut, type CompactionResult } from '../compaction.js';
import type { HistoryPoint } from '../replay.js';
import { describeProblem } from '../record.js';
import type { Database, Queryable } from './database.js';
import { PostgresArchive, type DocRow } from './postgres-archive.js';
import { CHECKPOINT_LOCK, CHECKPOINT_UNLOCK, INSERT_CHECKPOINT, RECORD_TIME, ts } from './sql.js';

/** The last record at or before time $4 among $2 < seq ≤ $3 (the first after it, minus one). */
const CUT_AT_TIME = `
  SELECT coalesce((SELECT min(seq) FROM tandem_records WHERE doc_id = $1 AND seq > $2 AND seq <= $3 AND recorded_at > ${ts('$4::int8')}) - 1, $3) AS cut`;
const COUNT_BETWEEN = 'SELECT count(*)::int8 AS present FROM tandem_records WHERE doc_id = $1 AND seq > $2 AND seq <= $3';
const CHECKPOINT_AT_OR_BEFORE = 'SELECT seq, state FROM tandem_checkpoints WHERE doc_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1';
const STORED_BYTES = `
  SELECT d.record_bytes + coalesce((SELECT sum(octet_length(c.state)) FROM tandem_checkpoints c WHERE c.doc_id = d.id), 0)::int8 AS bytes
  FROM tandem_documents d WHERE d.id = $1`;
/** Deletes $2 < seq ≤ $3: how many, and their update bytes. */
const DELETE_RECORDS = `
  WITH gone AS (DELETE FROM tandem_records WHERE doc_id = $1 AND seq > $2 AND seq <= $3 RETURNING octet_length(yjs_update) AS bytes)
  SELECT count(*)::int8 AS records, coalesce(sum(bytes), 0)::int8 AS bytes FROM gone`;
const DELETE_CHECKPOINTS_BEFORE = 'DELETE FROM tandem_checkpoints WHERE doc_id = $1 AND seq < $2';
/** Guarded by the cut read at the start ($4): a row compacted meanwhile is left alone. */
const MARK_COMPACTED = `
  UPDATE tandem_documents SET compacted_before = $2, compacted_at = now(), record_bytes = record_bytes - $3
  WHERE id = $1 AND compacted_before = $4`;

/** Records deleted per statement: each stays well within the query timeout. */
const DELETE_CHUNK = 20_000;

async function storedBytes(q: Queryable, doc: DocRow): Promise<number> {
  return (await q.query<{ bytes: number }>(STORED_BYTES, [doc.id])).rows[0]?.bytes ?? 0;
}

async function resolveCutIn(q: Queryable, doc: DocRow, before: HistoryPoint): Promise<number> {
  const base = doc.compacted_before;
  if ('seq' in before) return seqCut(doc.name, doc.last_seq, base, before.seq);
  const { rows } = await q.query<{ cut: number }>(CUT_AT_TIME, [doc.id, base, doc.last_seq, before.timeMs]);
  return Math.max(base, rows[0]?.cut ?? base);
}

/**
 * The document after records 1..cut: the newest checkpoint at or before it, then the records
 * after that. Refuses (CompactionError) when any record from the last cut to this one is
 * missing: compacting would make that loss permanent and hide it.
 */
async function stateAt(q: Queryable, archive: PostgresArchive, doc: DocRow, cut: number): Promise<Uint8Array> {
  const present = (await q.query<{ present: number }>(COUNT_BETWEEN, [doc.id, doc.compacted_before, cut])).rows[0]?.present ?? 0;
  if (present !== cut - doc.compacted_before) {
    throw new CompactionError(`${JSON.stringify(doc.name)} is damaged (${cut - doc.compacted_before - present} of its records ${doc.compacted_before + 1}–${cut} are missing); compacting would hide what was lost — run tandem verify first`);
  }
  const checkpoint = (await q.query<{ seq: number; state: Buffer }>(CHECKPOINT_AT_OR_BEFORE, [doc.id, cut])).rows[0];
  const ydoc = new Y.Doc({ gc: true });
  try {
    if (checkpoint) Y.applyUpdate(ydoc, checkpoint.state);
    const gaps = await archive.eachRecordPage(doc, checkpoint?.seq ?? 0, cut, (page) => {
      Y.transact(ydoc, () => {
        for (const record of page) Y.applyUpdate(ydoc, record.update);
      });
    }, q);
    const [gap] = gaps;
    if (gap) throw new CompactionError(`${JSON.stringify(doc.name)} is damaged (${describeProblem(gap)}); compacting would hide what was lost — run tandem verify first`);
    return Y.encodeStateAsUpdate(ydoc);
  } finally {
    ydoc.destroy();
  }
}

export async function compactDocument(db: Database, name: string, before: HistoryPoint): Promise<CompactionResult> {
  const archive = new PostgresArchive(db);
  return db.withClient(async (client) => {
    await client.query(CHECKPOINT_LOCK, [name]);
    try {
      const doc = await archive.findDoc(name, client);
      if (!doc || doc.last_seq === 0) throw new CompactionError(`no document named ${JSON.stringify(name)} in ${db.label}`);
      const base = doc.compacted_before;
      const cut = await resolveCutIn(client, doc, before);
      const bytesBefore = await storedBytes(client, doc);
      if (cut <= base) return { name, cut: base, removed: 0, bytesBefore, bytesAfter: bytesBefore };
      const state = await stateAt(client, archive, doc, cut);
      const timeMs = (await client.query<{ time_ms: number }>(RECORD_TIME, [doc.id, cut])).rows[0]?.time_ms ?? Date.now();
      let removed = 0;
      await client.query('BEGIN');
      try {
        // Idempotent: a checkpoint already at the cut holds this very state.
        await client.query(INSERT_CHECKPOINT, [doc.id, cut, timeMs, Buffer.from(state)]);
        let bytes = 0;
        for (let from = base; from < cut; from += DELETE_CHUNK) {
          const gone = (await client.query<{ records: number; bytes: number }>(DELETE_RECORDS, [doc.id, from, Math.min(cut, from + DELETE_CHUNK)])).rows[0];
          removed += gone?.records ?? 0;
          bytes += gone?.bytes ?? 0;
        }
        await client.query(DELETE_CHECKPOINTS_BEFORE, [doc.id, cut]);
        const marked = await client.query(MARK_COMPACTED, [doc.id, cut, bytes, base]);
        // Never under the checkpoint lock, which every compaction holds.
        if (marked.rowCount !== 1) throw new CompactionError(`${JSON.stringify(name)} was compacted by someone else meanwhile; nothing changed: run the command again`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      return { name, cut, removed, bytesBefore, bytesAfter: await storedBytes(client, doc) };
    } finally {
      // A connection that failed is dropped, and its session's lock with it.
      await client.query(CHECKPOINT_UNLOCK, [name]).catch(() => undefined);
    }
  });
}
