/**
 * Where the maintenance commands read documents: `--data-dir` (env DATA_DIR) or, with
 * `--database-url` (env DATABASE_URL), a PostgreSQL database — resolved as `tandem serve`
 * resolves them, flags winning over the environment.
 */
import type { DocArchive, DocHistory } from '../persistence/archive.js';
import { DataDirArchive } from '../persistence/file/data-dir.js';
import { FileTrash } from '../persistence/file/file-trash.js';
import { nodeFs } from '../persistence/file/store-fs.js';
import { PostgresTrash } from '../persistence/postgres/postgres-trash.js';
import type { TrashedDoc } from '../persistence/trash.js';
import type { VersionLister } from '../persistence/named-versions.js';
import type { BlobStore } from '../persistence/blobs.js';
import { FileBlobs } from '../persistence/file/file-blobs.js';
import { PostgresBlobs } from '../persistence/postgres/pg-blobs.js';
import { Database, isUnreachable } from '../persistence/postgres/database.js';
import { PostgresArchive } from '../persistence/postgres/postgres-archive.js';
import { migrateSchema } from '../persistence/postgres/schema.js';
import { describeProblem, type StoreProblem } from '../persistence/record.js';
import { isEmptyHistory } from '../persistence/replay.js';
import { DEFAULT_CONFIG, parseDatabaseUrl } from '../sync-server/config.js';
import { CommandError, UsageError } from './command.js';

/** The `--data-dir` line of the maintenance commands' help. */
export const DATA_DIR_HELP = `  --data-dir <dir>   Data directory (env DATA_DIR, default ${DEFAULT_CONFIG.dataDir})`;
/** The `--data-dir` and `--database-url` lines. */
export const STORE_HELP = [
  DATA_DIR_HELP,
  '  --database-url <url>  PostgreSQL database instead of a data dir (env DATABASE_URL)',
].join('\n');

/** parseArgs options for both. */
export const STORE_OPTIONS = { 'data-dir': { type: 'string' }, 'database-url': { type: 'string' } } as const;

/** The data dir as `tandem serve` resolves it: the flag, then DATA_DIR, then the default. */
export function dataDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? (env.DATA_DIR || DEFAULT_CONFIG.dataDir);
}

export type StoreChoice = { kind: 'data-dir'; dataDir: string } | { kind: 'database'; url: string };

/** A flag wins over any environment variable: `--data-dir` over DATABASE_URL too. */
export function storeFrom(values: { 'data-dir'?: string; 'database-url'?: string }, env: NodeJS.ProcessEnv): StoreChoice {
  const dataDir = values['data-dir'];
  const url = values['database-url'];
  if (dataDir !== undefined && url !== undefined) throw new UsageError('give --data-dir or --database-url, not both');
  if (url !== undefined) return { kind: 'database', url: parseDatabaseUrl(url, '--database-url') };
  if (dataDir === undefined && env.DATABASE_URL) return { kind: 'database', url: parseDatabaseUrl(env.DATABASE_URL, 'DATABASE_URL') };
  return { kind: 'data-dir', dataDir: dataDirFrom(dataDir, env) };
}


const quiet = { info() {}, warn() {}, error() {} };

/**
 * A database with Tandem's tables, brought up to this version's schema as `tandem serve` would
 * (a newer version's additions are ones earlier servers keep working with), for the commands;
 * rejects with a `CommandError` otherwise.
 */
export async function openDatabase(url: string): Promise<Database> {
  const db = new Database(url, { logger: quiet, poolSize: 2 });
  try {
    const { rows } = await db.pool.query<{ found: string | null }>("SELECT to_regclass('tandem_documents')::text AS found");
    if (!rows[0]?.found) throw new CommandError(`${db.label} holds no Tandem documents (no tandem_documents table): start tandem serve with it, or tandem migrate into it`);
    await db.withClient((client) => migrateSchema(client)).catch((error: unknown) => {
      throw new CommandError(`cannot use the database ${db.label}: ${db.describe(error)}`);
    });
    return db;
  } catch (error) {
    await db.close();
    if (error instanceof CommandError) throw error;
    throw new CommandError(`cannot ${isUnreachable(error) ? 'reach' : 'use'} the database ${db.label}: ${db.describe(error)}`);
  }
}

export interface OpenedArchive {
  /** Documents' histories and named versions. */
  archive: DocArchive & VersionLister;
  /** The data dir or the database (without credentials), for messages. */
  where: string;
  /** Things that are not documents (data dir only). */
  problems(): Promise<StoreProblem[]>;
  /** Deleted documents in the trash, most recently deleted first. */
  trash(): Promise<TrashedDoc[]>;
  /** The documents' files (images). */
  blobs: BlobStore;
  close(): Promise<void>;
}

export async function openArchive(choice: StoreChoice): Promise<OpenedArchive> {
  if (choice.kind === 'data-dir') {
    const archive = new DataDirArchive(choice.dataDir);
    const trash = new FileTrash(archive.dataDir, nodeFs);
    return {
      archive,
      where: archive.dataDir,
      problems: async () => (await archive.listDocDirs()).problems,
      trash: () => trash.list(),
      blobs: new FileBlobs(archive.dataDir),
      close: async () => undefined,
    };
  }
  const db = await openDatabase(choice.url);
  const trash = new PostgresTrash(db);
  return { archive: new PostgresArchive(db), where: db.label, problems: async () => [], trash: () => trash.list(), blobs: new PostgresBlobs(db), close: () => db.close() };
}

/**
 * Runs `work` on a document's history for `tandem <command>`: its problems printed as warnings
 * first, a document that is not there reported (exit code 1), the store closed afterwards.
 */
export async function withDocHistory(command: string, name: string, choice: StoreChoice, work: (history: DocHistory, opened: OpenedArchive) => Promise<number>): Promise<number> {
  const opened = await openArchive(choice);
  try {
    const history = await opened.archive.readHistory(name);
    if (!history || isEmptyHistory(history)) {
      process.stderr.write(`tandem ${command}: no document named ${JSON.stringify(name)} in ${opened.where}\n`);
      return 1;
    }
    for (const problem of history.problems) process.stderr.write(`warning: ${describeProblem(problem)}\n`);
    return await work(history, opened);
  } finally {
    await opened.close();
  }
}
