/**
 * The trash in the database (schema version 2): deleting sets a document row's `deleted_at`
 * (one UPDATE: the document, its records and checkpoints go together, atomically), restoring
 * clears it — under the same name or another, refused by the live-name unique index when a
 * document holds that name — and purging deletes the rows for good, in one transaction per
 * document.
 */
import { TrashError, nameTakenMessage, type TrashedDoc } from '../trash.js';
import type { Database } from './database.js';
import { LIST_TRASH, LOCK_TRASHED, PURGE_DOC, RESTORE_DOC, TRASH_DOC, TRASHED_BEFORE } from './sql.js';

interface TrashedRow {
  id: string;
  name: string;
  deleted_ms: number;
  deleted_by: string | null;
  last_seq: number;
  last_ms: number;
  bytes: number;
}

function trashed(row: TrashedRow): TrashedDoc {
  return {
    id: row.id,
    name: row.name,
    deletedAtMs: row.deleted_ms,
    deletedBy: row.deleted_by,
    bytes: row.bytes,
    records: row.last_seq,
    lastChangeMs: row.last_seq > 0 ? row.last_ms : null,
  };
}

const isUniqueViolation = (error: unknown): boolean => (error as { code?: string } | null)?.code === '23505';

export class PostgresTrash {
  constructor(private readonly db: Database) {}

  /** Marks the live document `name` deleted; null when there is none. */
  async moveIn(name: string, deletedBy: string | null, nowMs: number): Promise<TrashedDoc | null> {
    const { rows } = await this.db.pool.query<TrashedRow>(TRASH_DOC, [name, nowMs, deletedBy]);
    return rows[0] ? trashed(rows[0]) : null;
  }

  async list(): Promise<TrashedDoc[]> {
    return (await this.db.pool.query<TrashedRow>(LIST_TRASH)).rows.map(trashed);
  }

  async restore(id: string, as?: string): Promise<TrashedDoc> {
    if (!/^\d{1,18}$/.test(id)) throw new TrashError('not-found', `nothing in the trash has the id ${JSON.stringify(id)}`);
    const found = (await this.list()).find((doc) => doc.id === id);
    if (!found) throw new TrashError('not-found', `nothing in the trash has the id ${JSON.stringify(id)}`);
    const target = as ?? found.name;
    try {
      const { rows } = await this.db.pool.query<TrashedRow>(RESTORE_DOC, [id, target]);
      if (!rows[0]) throw new TrashError('not-found', `nothing in the trash has the id ${JSON.stringify(id)}`);
      return trashed(rows[0]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new TrashError('name-taken', nameTakenMessage(target));
      throw error;
    }
  }

  async purge(beforeMs: number): Promise<TrashedDoc[]> {
    const due = (await this.db.pool.query<TrashedRow>(TRASHED_BEFORE, [beforeMs])).rows.map(trashed);
    const purged: TrashedDoc[] = [];
    for (const doc of due) {
      await this.db.withClient(async (client) => {
        await client.query('BEGIN');
        try {
          // Restored (or purged by another server) since it was listed: left alone.
          if ((await client.query(LOCK_TRASHED, [doc.id, beforeMs])).rows.length > 0) {
            for (const statement of PURGE_DOC) await client.query(statement, [doc.id]);
            purged.push(doc);
          }
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    }
    return purged;
  }
}
