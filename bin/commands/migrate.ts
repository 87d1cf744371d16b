import { parseArgs } from 'node:util';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { DataDirLock, DataDirLockedError } from '../../persistence/file/data-dir-lock.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { copyTrashIntoDatabase, copyTrashIntoDataDir, type TrashMoveReport } from '../../persistence/postgres/trash-move.js';
import { carryOverNames } from '../../persistence/file/name-carry-over.js';
import { copyIntoDataDir, copyIntoDatabase, type MoveReport } from '../../persistence/postgres/data-move.js';
import { Database } from '../../persistence/postgres/database.js';
import { migrateSchema } from '../../persistence/postgres/schema.js';
import { PostgresArchive } from '../../persistence/postgres/postgres-archive.js';
import { PostgresBlobs } from '../../persistence/postgres/pg-blobs.js';
import { FileBlobs } from '../../persistence/file/file-blobs.js';
import { copyBlobs } from '../../persistence/blob-move.js';
import type { BlobStore } from '../../persistence/blobs.js';
import { CommandError, UsageError, type Command } from '../command.js';
import { openDatabase } from '../data-dir-option.js';
import { nameRefusalMessage } from '../serve-store.js';
import { parseDatabaseUrl } from '../../sync-server/config.js';
import { carriedOverName } from '../../sync-server/doc-name.js';

function help(): string {
  return [
    'Usage: tandem migrate --from-data-dir <dir> --database-url <url>',
    '       tandem migrate --database-url <url> --to-data-dir <dir>',
    '',
    'Copies every document with its whole history — sequence numbers, server times and',
    'authors kept — its named versions and its files (images) from a data dir into a',
    'PostgreSQL database, or from a database into a data dir. Resumable: run it again after an',
    'interruption and it continues where it stopped. Afterwards every document is compared',
    'record by record and version by version with its source, and every file copied checked',
    'against its SHA-256; exits 1',
    'if any could not be copied (a damaged history, a destination holding something else).',
    'No server may use the data dir meanwhile; servers on the database may run, but a document',
    'they write to while it is copied in is reported, not copied. Names an earlier version gave',
    'documents in the data dir are first carried over, as `tandem serve` does at startup.',
    'Deleted documents in the trash are copied too, with their history, named versions, files and when and',
    'by whom they were deleted: they stay restorable, and are purged when they would have been.',
    '',
    'Options:',
    '  --from-data-dir <dir>   Source data dir (copy into the database)',
    '  --to-data-dir <dir>     Destination data dir (copy out of the database)',
    '  --database-url <url>    The database (env DATABASE_URL)',
  ].join('\n');
}

/** The records' report, then each document's files copied across (blob-move.ts). */
async function withFiles(report: MoveReport, docs: readonly string[], from: BlobStore, to: BlobStore): Promise<MoveReport> {
  const files = await copyBlobs(docs, from, to);
  if (files.files > 0) process.stdout.write(`copied ${files.files} ${files.files === 1 ? 'file' : 'files'} (${files.bytes} bytes)\n`);
  return { ...report, problems: [...report.problems, ...files.problems] };
}

function print(report: MoveReport, where: string): number {
  for (const problem of report.problems) process.stderr.write(`ERROR ${problem}\n`);
  process.stdout.write(
    report.problems.length === 0
      ? `copied ${report.records} records of ${report.docs} documents into ${where}; verified: every document matches its source\n`
      : `copied ${report.records} records of ${report.docs} documents into ${where}; ${report.problems.length} problems\n`,
  );
  return report.problems.length === 0 ? 0 : 1;
}

const quiet = { info() {}, warn() {}, error() {} };

/** The trash's report, added to the documents'. */
function withTrash(report: MoveReport, trash: TrashMoveReport): MoveReport {
  if (trash.docs > 0) {
    const files = trash.files > 0 ? ` and ${trash.files} ${trash.files === 1 ? 'file' : 'files'} (${trash.fileBytes} bytes)` : '';
    process.stdout.write(`copied ${trash.records} records${files} of ${trash.docs} deleted ${trash.docs === 1 ? 'document' : 'documents'} (in the trash)\n`);
  }
  return { ...report, problems: [...report.problems, ...trash.problems] };
}

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Copy every document with its history from a data dir into PostgreSQL, or back',
  help,
  async run(argv, env) {
    const { values } = parseArgs({
      args: argv,
      options: { 'from-data-dir': { type: 'string' }, 'to-data-dir': { type: 'string' }, 'database-url': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    const given = values['database-url'] ?? (env.DATABASE_URL || undefined);
    if (!given) throw new UsageError('--database-url is required');
    const url = parseDatabaseUrl(given, values['database-url'] === undefined ? 'DATABASE_URL' : '--database-url');
    const from = values['from-data-dir'];
    const to = values['to-data-dir'];
    if ((from === undefined) === (to === undefined)) throw new UsageError('give either --from-data-dir or --to-data-dir');
    const dataDir = from ?? to ?? '';
    let lock: DataDirLock;
    try {
      lock = await DataDirLock.acquire(dataDir, 'migrate');
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      throw new CommandError(`${error.message}; stop it first`);
    }
    const onDoc = (name: string, copied: number, total: number): void =>
      void process.stdout.write(`${JSON.stringify(name)}: ${copied === 0 ? 'up to date' : `copied ${copied} records`} (${total} in all)\n`);
    try {
      if (from !== undefined) {
        // The database gets the names clients reach documents by today.
        const { renamed, refusals } = await carryOverNames(dataDir, carriedOverName, quiet);
        if (refusals.length > 0) throw new CommandError(nameRefusalMessage(dataDir, refusals));
        for (const r of renamed) process.stdout.write(`renamed ${JSON.stringify(r.from)} to ${JSON.stringify(r.to)}, as tandem serve would (the old directory is kept in ${r.keptIn})\n`);
        const db = new Database(url, { logger: quiet, poolSize: 2 });
        try {
          await db.checkDurability();
          await db.withClient((client) => migrateSchema(client));
        } catch (error) {
          await db.close();
          throw new CommandError(`cannot use the database ${db.label}: ${db.describe(error)}`);
        }
        try {
          const archive = new DataDirArchive(dataDir);
          const report = await copyIntoDatabase(archive, db, { onDoc });
          const docs = (await archive.listDocs()).map((d) => d.name);
          const copied = await withFiles(report, docs, new FileBlobs(dataDir), new PostgresBlobs(db));
          return print(withTrash(copied, await copyTrashIntoDatabase(dataDir, db, { onDoc })), db.label);
        } finally {
          await db.close();
        }
      }
      const db = await openDatabase(url);
      const store = new FileStore(dataDir, { journal: false });
      try {
        const report = await copyIntoDataDir(db, store, { onDoc });
        const docs = (await new PostgresArchive(db).listDocs()).map((d) => d.name);
        const copied = await withFiles(report, docs, new PostgresBlobs(db), new FileBlobs(dataDir));
        return print(withTrash(copied, await copyTrashIntoDataDir(db, dataDir, { onDoc })), store.dataDir);
      } finally {
        await store.close();
        await db.close();
      }
    } finally {
      await lock.release();
    }
  },
};
