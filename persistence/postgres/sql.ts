/**
 * Every query the PostgreSQL store, its archive and its verifier run (the schema is in
 * schema.ts, the data-dir moves in data-move.ts, compaction in history-compaction.ts). Times cross the wire as milliseconds since the
 * epoch (int8) and are stored as timestamptz; both conversions are exact for whole milliseconds.
 */

export const ms = (column: string): string => `(extract(epoch FROM ${column}) * 1000)::int8`;
/** A timestamptz from milliseconds since the epoch (an int8 parameter or column). */
export const ts = (param: string): string => `(timestamptz 'epoch' + ${param} * interval '1 millisecond')`;

/**
 * One write cycle of group commit: every document's records in one statement, sent on its own
 * so that it is its own transaction (autocommit: it commits when the statement ends, before the
 * server says it is ready again — one round trip per cycle).
 *
 * Sequence numbers are allocated here, in the database, never from a server's memory: the
 * upsert adds each document's record count to its `last_seq` and returns the new value, so the
 * batch's records of a document get `last_seq - n + 1 … last_seq`. The upsert holds the
 * document's row lock until the statement's transaction commits, so concurrent writers to one
 * document (other servers of a cluster) wait for each other and get consecutive ranges — no
 * gaps, no duplicates, no serialization failures in READ COMMITTED. Rows are locked in name
 * order (ORDER BY), the same order in every writer, so two batches touching the same documents
 * cannot deadlock.
 *
 * $1 names, $2 record counts, $3 update bytes, $4 time of the last record (ms) — one per document;
 * $5 name, $6 position within its document's batch (1-based), $7 time (ms), $8 author,
 * $9 update — one per record. Returns each document's new last_seq.
 */
export const COMMIT_BATCH = `
  WITH docs AS (
    SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[]) AS t(name, n, bytes, last_ms)
  ), alloc AS (
    INSERT INTO tandem_documents AS d (name, last_seq, last_time, record_bytes)
    SELECT name, n, ${ts('last_ms')}, bytes FROM docs ORDER BY name
    ON CONFLICT (name) DO UPDATE SET
      last_seq = d.last_seq + EXCLUDED.last_seq,
      last_time = greatest(d.last_time, EXCLUDED.last_time),
      record_bytes = d.record_bytes + EXCLUDED.record_bytes
    RETURNING d.id, d.name, d.last_seq
  ), written AS (
    INSERT INTO tandem_records (doc_id, seq, recorded_at, author, yjs_update)
    SELECT alloc.id, alloc.last_seq - docs.n + r.k, ${ts('r.time_ms')}, r.author, r.yjs_update
    FROM unnest($5::text[], $6::int8[], $7::int8[], $8::text[], $9::bytea[]) AS r(name, k, time_ms, author, yjs_update)
    JOIN docs USING (name) JOIN alloc USING (name)
  )
  SELECT name, last_seq FROM alloc`;

/**
 * COMMIT_BATCH runs as this prepared statement: its text is parsed once per connection, and
 * after a few runs PostgreSQL may keep a generic plan (whose joins on the unnested arrays are
 * the same hash and merge joins as the planned ones), instead of planning each cycle again.
 */
export const COMMIT_BATCH_NAME = 'tandem_commit_batch';

/** When a session started, in microseconds since the epoch: exact, whatever the session's time zone or DateStyle. */
const startedUs = '(extract(epoch FROM backend_start) * 1000000)::int8';

/**
 * This session: its pid and when it started. A pid alone names a session only while it runs —
 * the operating system gives it to a later process — the pair names it for good.
 */
export const THIS_SESSION = `SELECT pid, ${startedUs} AS started FROM pg_stat_activity WHERE pid = pg_backend_pid()`;

/**
 * Ends the session ($1 pid, $2 start) if it is still there, whatever it is doing: a row when it
 * was. A statement it is running is rolled back, unless its commit is already under way, which
 * then completes first; either way its transaction is over once the session is gone.
 */
export const END_SESSION = `
  SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND ${startedUs} = $2`;

/**
 * Where a batch's records are, if they are stored: per document, the last seq of the newest run
 * of consecutive records, after seq $5, holding exactly the batch's bytes in order. Nothing for
 * a document without one. Each record of a run is compared, so a seq is named only where the
 * very bytes sent are stored.
 * $1 name, $2 position (1-based), $3 update — one per record; $4 name, $5 after seq, $6 record
 * count — one per document.
 */
export const BATCH_STORED = `
  WITH batch AS (
    SELECT * FROM unnest($1::text[], $2::int8[], $3::bytea[]) AS b(name, k, yjs_update)
  ), docs AS (
    SELECT d.id, d.name, f.after_seq, f.n
    FROM unnest($4::text[], $5::int8[], $6::int8[]) AS f(name, after_seq, n) JOIN tandem_documents d ON d.name = f.name
  ), ends AS (
    SELECT docs.id, docs.name, docs.n, r.seq AS last_seq
    FROM docs JOIN batch b ON b.name = docs.name AND b.k = docs.n
    JOIN tandem_records r ON r.doc_id = docs.id AND r.seq >= docs.after_seq + docs.n AND r.yjs_update = b.yjs_update
  )
  SELECT e.name, max(e.last_seq) AS last_seq FROM ends e
  WHERE e.n = (
    SELECT count(*) FROM batch b JOIN tandem_records r ON r.doc_id = e.id AND r.seq = e.last_seq - e.n + b.k AND r.yjs_update = b.yjs_update
    WHERE b.name = e.name)
  GROUP BY e.name`;

/** The document's id and newest checkpoint, if any. */
export const LOAD_HEAD = `
  SELECT d.id, d.last_seq, c.seq AS checkpoint_seq, c.state
  FROM tandem_documents d
  LEFT JOIN LATERAL (SELECT seq, state FROM tandem_checkpoints WHERE doc_id = d.id ORDER BY seq DESC LIMIT 1) c ON true
  WHERE d.name = $1`;

/** Updates after a seq, in order. $1 doc_id, $2 after seq, $3 up to seq. */
export const UPDATES_BETWEEN = `
  SELECT seq, yjs_update FROM tandem_records WHERE doc_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`;

/**
 * A document's updates after a seq, in order, at most $3 of them. $1 name, $2 after seq. When
 * the records after $2 were compacted away, the state kept at the cut comes first (`base`),
 * standing for them: one statement, so the cut and the records after it agree.
 */
export const UPDATES_AFTER_BY_NAME = `
  SELECT c.seq, c.state AS yjs_update, true AS base
  FROM tandem_documents d JOIN tandem_checkpoints c ON c.doc_id = d.id AND c.seq = d.compacted_before
  WHERE d.name = $1 AND d.compacted_before > $2
  UNION ALL
  (SELECT r.seq, r.yjs_update, false AS base FROM tandem_records r JOIN tandem_documents d ON d.id = r.doc_id
   WHERE d.name = $1 AND r.seq > greatest($2, d.compacted_before) ORDER BY r.seq LIMIT $3)
  ORDER BY seq`;

/** The last seq of each document named in $1 (text[]) that exists. */
export const LAST_SEQS = 'SELECT name, last_seq FROM tandem_documents WHERE name = ANY($1::text[])';

/** Full records after a seq, in order, at most $4 of them. $1 doc_id, $2 after seq, $3 up to seq. */
export const RECORDS_BETWEEN = `
  SELECT seq, ${ms('recorded_at')} AS time_ms, author, yjs_update FROM tandem_records
  WHERE doc_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`;

export const DOC_NAMES = 'SELECT name FROM tandem_documents WHERE deleted_at IS NULL ORDER BY name';

export const DOC_BY_NAME = `
  SELECT id, name, deleted_name, last_seq, ${ms('last_time')} AS last_ms, compacted_before, ${ms('compacted_at')} AS compacted_at_ms
  FROM tandem_documents WHERE name = $1`;

/** Every document with its record count, last change and bytes (updates, checkpoints and files). */
/** Each document with its size and the author of its last record (a primary-key lookup). */
export const LIST_DOCS = `
  SELECT d.id, d.name, d.last_seq, ${ms('d.last_time')} AS last_ms,
    d.record_bytes + coalesce((SELECT sum(octet_length(c.state)) FROM tandem_checkpoints c WHERE c.doc_id = d.id), 0)::int8
      + coalesce((SELECT sum(f.bytes) FROM tandem_files f WHERE f.doc_id = d.id), 0)::int8 AS bytes,
    (SELECT r.author FROM tandem_records r WHERE r.doc_id = d.id AND r.seq = d.last_seq) AS last_author
  FROM tandem_documents d WHERE d.deleted_at IS NULL ORDER BY d.name`;

/** A document's checkpoints, oldest first, with the time of the record each was made at. */
export const CHECKPOINTS_OF = `SELECT seq, ${ms('recorded_at')} AS time_ms, state FROM tandem_checkpoints WHERE doc_id = $1 ORDER BY seq`;

/**
 * Checkpoint writers: at most one per document across every server, by a session advisory
 * lock (namespace 'tndm', key the name's hash: a collision only skips a checkpoint).
 */
export const CHECKPOINT_TRY_LOCK = "SELECT pg_try_advisory_lock(1953391725, hashtext($1)) AS locked";
/** The same lock, waited for: a compaction of the document takes it (checkpoint writers then skip it). */
export const CHECKPOINT_LOCK = 'SELECT pg_advisory_lock(1953391725, hashtext($1))';
export const CHECKPOINT_UNLOCK = 'SELECT pg_advisory_unlock(1953391725, hashtext($1))';
/** The time of the record a checkpoint is made at. $1 doc_id, $2 seq. */
export const RECORD_TIME = `SELECT ${ms('recorded_at')} AS time_ms FROM tandem_records WHERE doc_id = $1 AND seq = $2`;
/** Idempotent: a checkpoint at a seq holds the same content whoever wrote it. */
export const INSERT_CHECKPOINT = `
  INSERT INTO tandem_checkpoints (doc_id, seq, recorded_at, state) VALUES ($1, $2, ${ts('$3::int8')}, $4)
  ON CONFLICT (doc_id, seq) DO NOTHING`;
/**
 * Keeps the newest $2 checkpoints of a document, and the one a compaction left: the records
 * before it are gone, so it is the only way to the states between it and the next.
 */
export const PRUNE_CHECKPOINTS = `
  DELETE FROM tandem_checkpoints WHERE doc_id = $1 AND seq < (
    SELECT seq FROM tandem_checkpoints WHERE doc_id = $1 ORDER BY seq DESC OFFSET $2 - 1 LIMIT 1)
  AND seq <> (SELECT compacted_before FROM tandem_documents WHERE id = $1)`;

/**
 * The trash (postgres-trash.ts). A deleted document's row keeps its id, records and
 * checkpoints; its name moves to `deleted_name` and `name` becomes `\x01trash:<id>`, which no
 * document name can be (names hold no control characters). So the name is free for a new
 * document, every query by name finds only live documents, and servers of an earlier version
 * sharing the database go on working.
 */
const TRASHED_COLUMNS = `d.id::text AS id, coalesce(d.deleted_name, d.name) AS name, ${ms('d.deleted_at')} AS deleted_ms, d.deleted_by,
    d.last_seq, ${ms('d.last_time')} AS last_ms,
    d.record_bytes + coalesce((SELECT sum(octet_length(c.state)) FROM tandem_checkpoints c WHERE c.doc_id = d.id), 0)::int8 AS bytes`;
/** $1 name, $2 time (ms), $3 who. */
export const TRASH_DOC = `
  UPDATE tandem_documents d SET deleted_at = ${ts('$2::int8')}, deleted_by = $3, deleted_name = d.name, name = chr(1) || 'trash:' || d.id::text
  WHERE d.name = $1 AND d.deleted_at IS NULL
  RETURNING ${TRASHED_COLUMNS}`;
export const LIST_TRASH = `SELECT ${TRASHED_COLUMNS} FROM tandem_documents d WHERE d.deleted_at IS NOT NULL ORDER BY d.deleted_at DESC`;
/** Trashed documents by the name their row has now (`stored`) and the one they had, oldest first. */
export const TRASHED_NAMES = `
  SELECT name AS stored, deleted_name AS name, id::text AS id, ${ms('deleted_at')} AS deleted_ms, deleted_by
  FROM tandem_documents WHERE deleted_at IS NOT NULL AND deleted_name IS NOT NULL ORDER BY deleted_at`;
/** $1 id, $2 the name it is restored under (a live document with that name: unique violation). */
export const RESTORE_DOC = `
  UPDATE tandem_documents d SET deleted_at = NULL, deleted_by = NULL, deleted_name = NULL, name = $2
  WHERE d.id = $1::int8 AND d.deleted_at IS NOT NULL
  RETURNING ${TRASHED_COLUMNS}`;
/** Documents trashed before $1 (ms), oldest first. */
export const TRASHED_BEFORE = `SELECT ${TRASHED_COLUMNS} FROM tandem_documents d WHERE d.deleted_at < ${ts('$1::int8')} ORDER BY d.deleted_at`;
/** Locks a document trashed before $2 (ms) for its purge (none: restored, or purged, meanwhile). $1 id. */
export const LOCK_TRASHED = `SELECT id FROM tandem_documents WHERE id = $1::int8 AND deleted_at < ${ts('$2::int8')} FOR UPDATE`;
/** Deletes one trashed document's rows, records and checkpoints first. $1 id. */
export const PURGE_DOC = [
  'DELETE FROM tandem_checkpoints WHERE doc_id = $1::int8',
  'DELETE FROM tandem_records WHERE doc_id = $1::int8',
  'DELETE FROM tandem_documents WHERE id = $1::int8 AND deleted_at IS NOT NULL',
];

/** Servers using the database (`restore` finds a live one here). */
export const REGISTER_SERVER = 'INSERT INTO tandem_servers (id, url, pid, host) VALUES ($1, $2, $3, $4)';
export const SERVER_SEEN = 'UPDATE tandem_servers SET seen_at = now() WHERE id = $1';
export const UNREGISTER_SERVER = 'DELETE FROM tandem_servers WHERE id = $1';
/** Servers seen within $1 seconds, newest first; older rows are left by crashed servers and are cleared. */
export const LIVE_SERVERS = `SELECT url, pid, host FROM tandem_servers WHERE seen_at > now() - $1 * interval '1 second' ORDER BY seen_at DESC`;
export const CLEAR_STALE_SERVERS = `DELETE FROM tandem_servers WHERE seen_at < now() - $1 * interval '1 second'`;
