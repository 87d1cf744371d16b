/**
 * The schema, as numbered migrations applied in order at startup. Each runs in its own
 * transaction under one advisory lock, so servers starting together take turns: the first
 * applies what is missing, the others then find it applied. Applied versions are recorded in
 * `tandem_schema_migrations`; a database migrated by a newer Tandem is refused, not guessed at.
 *
 *   tandem_documents    one row per document: its name, the last sequence number given out
 *                       (allocated in the committing transaction: see sql.ts), the time of
 *                       its last record, the bytes of its updates, and where its history was
 *                       compacted (`tandem compact`: records 1..compacted_before were
 *                       dropped, the state at compacted_before is kept as a checkpoint)
 *   tandem_records      its history: (doc_id, seq) → server time, author, the Yjs update
 *   tandem_checkpoints  merged states at a seq (the newest few per document, and the one at
 *                       compacted_before)
 *   tandem_servers      servers using this database, with their URL (restore goes through one)
 *   tandem_files        the documents' files (images): (doc_id, sha256) → bytes (pg-blobs.ts)
 *
 * Version 5: named versions (pg-versions.ts): `tandem_named_versions`, (doc_id, id) → name
 * (unique per document), the seq it names, when and by whom it was named. Rows go with their
 * document's row (ON DELETE CASCADE: a purge), and stay with it in the trash.
 *
 * Version 3: the trash. A deleted document's row stays, with `deleted_at`, `deleted_by` and its
 * name in `deleted_name`, under a name no document can have (sql.ts), so a new document may
 * take the deleted one's name.
 *
 * Never edit a migration once released: add the next one.
 */
import type pg from 'pg';

interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'documents, records, checkpoints, servers',
    sql: `
      CREATE TABLE tandem_documents (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        last_seq bigint NOT NULL CHECK (last_seq >= 0),
        last_time timestamptz NOT NULL,
        record_bytes bigint NOT NULL DEFAULT 0
      );
      CREATE TABLE tandem_records (
        doc_id bigint NOT NULL REFERENCES tandem_documents (id),
        seq bigint NOT NULL CHECK (seq > 0),
        recorded_at timestamptz NOT NULL,
        author text,
        yjs_update bytea NOT NULL,
        PRIMARY KEY (doc_id, seq)
      );
      CREATE TABLE tandem_checkpoints (
        doc_id bigint NOT NULL REFERENCES tandem_documents (id),
        seq bigint NOT NULL CHECK (seq > 0),
        recorded_at timestamptz NOT NULL,
        state bytea NOT NULL,
        PRIMARY KEY (doc_id, seq)
      );
      CREATE TABLE tandem_servers (
        id uuid PRIMARY KEY,
        url text NOT NULL,
        pid integer NOT NULL,
        host text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        seen_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 2,
    description: 'files of documents',
    sql: `
      CREATE TABLE IF NOT EXISTS tandem_files (
        doc_id bigint NOT NULL REFERENCES tandem_documents (id) ON DELETE CASCADE,
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        bytes bigint NOT NULL CHECK (bytes >= 0),
        data bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (doc_id, sha256)
      );`,
  },
  {
    version: 3,
    description: 'the trash: deleted documents kept until purged',
    sql: `
      ALTER TABLE tandem_documents ADD COLUMN deleted_at timestamptz, ADD COLUMN deleted_by text, ADD COLUMN deleted_name text;
      CREATE INDEX tandem_documents_trash ON tandem_documents (deleted_at) WHERE deleted_at IS NOT NULL;`,
  },
  {
    version: 4,
    description: 'compacted histories',
    // A default that is a constant adds the column without rewriting the table; servers of
    // version 1 still running insert rows that take it.
    sql: `
      ALTER TABLE tandem_documents
        ADD COLUMN IF NOT EXISTS compacted_before bigint NOT NULL DEFAULT 0 CHECK (compacted_before >= 0),
        ADD COLUMN IF NOT EXISTS compacted_at timestamptz;`,
  },
  {
    version: 5,
    description: 'named versions',
    sql: `
      CREATE TABLE IF NOT EXISTS tandem_named_versions (
        doc_id bigint NOT NULL REFERENCES tandem_documents (id) ON DELETE CASCADE,
        id text NOT NULL CHECK (id <> ''),
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        seq bigint NOT NULL CHECK (seq > 0),
        named_at timestamptz NOT NULL,
        author text,
        PRIMARY KEY (doc_id, id),
        CONSTRAINT tandem_named_versions_name UNIQUE (doc_id, name)
      );`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** 'tandem' in ASCII: the advisory lock all schema changes take. */
const MIGRATION_LOCK = '127961812723053';

/** Applies the migrations the database lacks; resolves to the versions applied now. */
export async function migrateSchema(client: pg.ClientBase): Promise<number[]> {
  const applied: number[] = [];
  for (;;) {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await client.query(`CREATE TABLE IF NOT EXISTS tandem_schema_migrations (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0)::int AS version FROM tandem_schema_migrations');
      const current = rows[0]?.version ?? 0;
      if (current > SCHEMA_VERSION) {
        throw new Error(`the database's schema is version ${current}, newer than this Tandem knows (${SCHEMA_VERSION}): upgrade Tandem`);
      }
      const next = MIGRATIONS.find((m) => m.version === current + 1);
      if (!next) {
        await client.query('COMMIT');
        return applied;
      }
      await client.query(next.sql);
      await client.query('INSERT INTO tandem_schema_migrations (version, description) VALUES ($1, $2)', [next.version, next.description]);
      await client.query('COMMIT');
      applied.push(next.version);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
