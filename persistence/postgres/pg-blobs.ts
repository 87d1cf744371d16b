/**
 * A document's files in the database: `tandem_files`, keyed by (doc_id, sha256) (schema.ts,
 * migration 2). A file is durable once its INSERT has committed (`synchronous_commit` is
 * checked at startup). A document that gets a file before its first record gets its row in
 * `tandem_documents` then, with `last_seq` 0, as any store holds a document with no records yet.
 * Rows go with their document's row (ON DELETE CASCADE) and are never deleted otherwise.
 */
import type { BlobInfo, BlobStore } from '../blobs.js';
import { SHA256_RE } from '../blobs.js';
import type { Database } from './database.js';

/** A row for a document that has none yet (no record, no file). */
const ENSURE_DOC = `
  INSERT INTO tandem_documents (name, last_seq, last_time) VALUES ($1, 0, now()) ON CONFLICT (name) DO NOTHING`;

/**
 * The file, unless the document holds it already; returns a row when it was new. A statement
 * of its own after ENSURE_DOC, so its snapshot sees a row another server created meanwhile.
 * It takes only a key-share lock on the document's row (the foreign key), which commits of
 * records to the document (a no-key update of that row) do not wait for.
 */
const INSERT_FILE = `
  INSERT INTO tandem_files (doc_id, sha256, bytes, data)
  SELECT d.id, $2, $3, $4 FROM tandem_documents d WHERE d.name = $1
  ON CONFLICT (doc_id, sha256) DO NOTHING
  RETURNING sha256`;

const FILE_DATA = `
  SELECT f.data FROM tandem_files f JOIN tandem_documents d ON d.id = f.doc_id WHERE d.name = $1 AND f.sha256 = $2`;

const FILE_EXISTS = `
  SELECT 1 FROM tandem_files f JOIN tandem_documents d ON d.id = f.doc_id WHERE d.name = $1 AND f.sha256 = $2`;

const FILES_OF = `
  SELECT f.sha256, f.bytes FROM tandem_files f JOIN tandem_documents d ON d.id = f.doc_id WHERE d.name = $1 ORDER BY f.sha256`;

export class PostgresBlobs implements BlobStore {
  constructor(private readonly db: Database) {}

  async putBlob(doc: string, sha256: string, data: Uint8Array): Promise<{ created: boolean }> {
    if (!SHA256_RE.test(sha256)) throw new Error(`not a SHA-256 file name: ${sha256}`);
    await this.db.pool.query(ENSURE_DOC, [doc]);
    const result = await this.db.pool.query(INSERT_FILE, [doc, sha256, data.byteLength, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
    return { created: (result.rowCount ?? 0) > 0 };
  }

  async readBlob(doc: string, sha256: string): Promise<Uint8Array | null> {
    if (!SHA256_RE.test(sha256)) return null;
    const row = (await this.db.pool.query<{ data: Buffer }>(FILE_DATA, [doc, sha256])).rows[0];
    return row ? new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) : null;
  }

  async hasBlob(doc: string, sha256: string): Promise<boolean> {
    if (!SHA256_RE.test(sha256)) return false;
    return ((await this.db.pool.query(FILE_EXISTS, [doc, sha256])).rowCount ?? 0) > 0;
  }

  async listBlobs(doc: string): Promise<BlobInfo[]> {
    return (await this.db.pool.query<{ sha256: string; bytes: number }>(FILES_OF, [doc])).rows.map((r) => ({ sha256: r.sha256, bytes: r.bytes }));
  }

  async blobBytes(doc: string): Promise<number> {
    return (await this.listBlobs(doc)).reduce((sum, b) => sum + b.bytes, 0);
  }
}
