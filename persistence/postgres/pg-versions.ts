/**
 * Named versions in the database: `tandem_named_versions` (schema.ts, migration 5), keyed by
 * (doc_id, id), a name unique per document. Each change is one statement. Rows belong to the
 * document's row: they stay with it in the trash (its id does not change) and go with it when
 * it is purged (ON DELETE CASCADE). Compaction leaves them alone (named-versions.ts).
 */
import {
  byPoint, checkVersionName, docNotFound, nameTaken, newVersion, pastTheEnd, VersionError, versionNotFound,
  type NamedVersion, type NamedVersions, type NewNamedVersion,
} from '../named-versions.js';
import type { Database, Queryable } from './database.js';
import { ms, ts } from './sql.js';

const COLUMNS = `v.id, v.name, v.seq, ${ms('v.named_at')} AS time_ms, v.author`;

const VERSIONS_BY_NAME = `
  SELECT ${COLUMNS} FROM tandem_named_versions v JOIN tandem_documents d ON d.id = v.doc_id
  WHERE d.name = $1 ORDER BY v.seq, v.named_at, v.id`;

const VERSIONS_BY_DOC_ID = `SELECT ${COLUMNS} FROM tandem_named_versions v WHERE v.doc_id = $1 ORDER BY v.seq, v.named_at, v.id`;

const LAST_SEQ = 'SELECT last_seq FROM tandem_documents WHERE name = $1';

/** $1 document, $2 id, $3 name, $4 seq, $5 time (ms), $6 author: a row when the document exists and has record $4. */
const INSERT_VERSION = `
  INSERT INTO tandem_named_versions (doc_id, id, name, seq, named_at, author)
  SELECT d.id, $2, $3, $4, ${ts('$5::int8')}, $6 FROM tandem_documents d WHERE d.name = $1 AND d.last_seq >= $4
  RETURNING ${COLUMNS.replaceAll('v.', '')}`;

const RENAME_VERSION = `
  UPDATE tandem_named_versions v SET name = $3 FROM tandem_documents d
  WHERE d.id = v.doc_id AND d.name = $1 AND v.id = $2
  RETURNING ${COLUMNS}`;

const REMOVE_VERSION = `
  DELETE FROM tandem_named_versions v USING tandem_documents d
  WHERE d.id = v.doc_id AND d.name = $1 AND v.id = $2
  RETURNING ${COLUMNS}`;

interface VersionRow {
  id: string;
  name: string;
  seq: number;
  time_ms: number;
  author: string | null;
}

const version = (row: VersionRow): NamedVersion => ({ id: row.id, name: row.name, seq: Number(row.seq), timeMs: Number(row.time_ms), author: row.author });

/** Which unique constraint a failed statement ran into, if one did. */
function violated(error: unknown): string | null {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' ? (e.constraint ?? '') : null;
}

/** The versions of the document row `docId`, live or in the trash (backups copy both). */
export async function versionsOfDocId(q: Queryable, docId: number): Promise<NamedVersion[]> {
  return (await q.query<VersionRow>(VERSIONS_BY_DOC_ID, [docId])).rows.map(version);
}

export class PostgresVersions implements NamedVersions {
  constructor(private readonly db: Database) {}

  async listVersions(doc: string): Promise<NamedVersion[]> {
    return (await this.db.pool.query<VersionRow>(VERSIONS_BY_NAME, [doc])).rows.map(version).sort(byPoint);
  }

  async addVersion(doc: string, input: NewNamedVersion): Promise<NamedVersion> {
    const checked = newVersion(input);
    try {
      const { rows } = await this.db.pool.query<VersionRow>(INSERT_VERSION, [doc, checked.id, checked.name, checked.seq, checked.timeMs, checked.author]);
      if (rows[0]) return version(rows[0]);
    } catch (error) {
      const constraint = violated(error);
      if (constraint === 'tandem_named_versions_name') throw nameTaken(doc, checked.name);
      if (constraint !== null) throw new VersionError('name-taken', `${JSON.stringify(doc)} already has a named version with the id ${JSON.stringify(checked.id)}`);
      throw error;
    }
    // Nothing inserted: say which way.
    const last = (await this.db.pool.query<{ last_seq: number }>(LAST_SEQ, [doc])).rows[0]?.last_seq;
    if (last === undefined || Number(last) === 0) throw docNotFound(doc);
    throw pastTheEnd(doc, checked.seq, Number(last));
  }

  async renameVersion(doc: string, id: string, name: string): Promise<NamedVersion> {
    const checked = checkVersionName(name);
    try {
      const { rows } = await this.db.pool.query<VersionRow>(RENAME_VERSION, [doc, id, checked]);
      if (!rows[0]) throw versionNotFound(doc, id);
      return version(rows[0]);
    } catch (error) {
      if (violated(error) !== null) throw nameTaken(doc, checked);
      throw error;
    }
  }

  async removeVersion(doc: string, id: string): Promise<NamedVersion> {
    const { rows } = await this.db.pool.query<VersionRow>(REMOVE_VERSION, [doc, id]);
    if (!rows[0]) throw versionNotFound(doc, id);
    return version(rows[0]);
  }
}
