import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { DirectoryBackup } from '../../persistence/file/backup.js';
import { readBackupStream } from '../../persistence/file/backup-stream.js';
import type { DataDirLock } from '../../persistence/file/data-dir-lock.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { nodeFs } from '../../persistence/file/store-fs.js';
import type { Database } from '../../persistence/postgres/database.js';
import { writeDatabaseBackup } from '../../persistence/postgres/database-backup.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { describeProblem } from '../../persistence/record.js';
import { UsageError, type Command } from '../command.js';
import { STORE_HELP, STORE_OPTIONS, openDatabase, storeFrom } from '../data-dir-option.js';
import { serverOrLock, tokenFrom } from '../write-target.js';
import { formatBytes } from './docs.js';

function help(): string {
  return [
    'Usage: tandem backup <dest> [--data-dir ./data | --database-url <url>] [--token <jwt>]',
    '',
    'Copies the data dir to <dest> (a new directory), consistently: every change acknowledged',
    'before the backup began is in the copy, with every image the documents show and the trash.',
    'The copy is a data dir of its own — `tandem serve --data-dir <dest>` opens it — and is',
    'checked with `tandem verify` before the command says it is done; a copy that fails the',
    'check is kept, and the command exits 1.',
    '',
    'With a server running on the data dir, the copy comes through it (GET /api/backup) while',
    'people keep editing; otherwise it is made under the data dir\'s lock.',
    '',
    'With --database-url, every document in the database is copied into <dest> as a data dir,',
    'from one snapshot (everything committed before it began, nothing after), while servers',
    'keep writing; `tandem migrate --from-data-dir <dest>` loads it into a database again.',
    'Back the database itself up with its own tools (pg_dump, or base backups and WAL archiving',
    'for point-in-time recovery): this copy holds the documents (with their histories and images)',
    'and the trash only.',
    '',
    'Options:',
    STORE_HELP,
    '  --token <jwt>      Access token granting every document ("docs": ["*"]), when the',
    '                     server requires tokens (env TANDEM_TOKEN)',
  ].join('\n');
}

/** Bytes received, or why the server refused. */
async function throughServer(url: string, target: DirectoryBackup, token: string | null): Promise<number | string> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${url}/api/backup`, { headers });
  if (!res.ok || !res.body) {
    const answer = (await res.json().catch(() => ({}))) as { error?: unknown };
    return `the server at ${url} answered ${res.status}: ${String(answer.error ?? res.statusText)}`;
  }
  const body = Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>) as AsyncIterable<Uint8Array>;
  return (await readBackupStream(body, target)).bytes;
}

/** Bytes copied out of the database; damage found in it is printed as warnings. */
async function fromDatabase(db: Database, target: DirectoryBackup): Promise<number> {
  const copied = await writeDatabaseBackup(db, target);
  for (const problem of copied.problems) process.stderr.write(`warning: ${describeProblem(problem)}\n`);
  return copied.bytes;
}

/** Where the copy comes from: its bytes (or why the server refused), and words for the messages. */
interface BackupSource {
  copy(target: DirectoryBackup): Promise<number | string>;
  /** Added to the success line. */
  where: string;
  /** What the copy holds the damage of, when verify fails. */
  holds: string;
  close(): Promise<void>;
}

/** `CommandError` when another command holds the data dir. */
async function sourceFor(values: { 'data-dir'?: string; 'database-url'?: string; token?: string }, env: NodeJS.ProcessEnv): Promise<BackupSource> {
  const choice = storeFrom(values, env);
  if (choice.kind === 'database') {
    const db = await openDatabase(choice.url);
    return { copy: (target) => fromDatabase(db, target), where: ` from ${db.label}`, holds: 'the database', close: () => db.close() };
  }
  const { dataDir } = choice;
  const access = await serverOrLock(dataDir, 'backup');
  const close = async (): Promise<void> => undefined;
  if (access.kind === 'locked') return { copy: (target) => offline(dataDir, access.lock, target), where: '', holds: 'the data dir', close };
  const { url } = access;
  return { copy: (target) => throughServer(url, target, tokenFrom(values.token, env)), where: ` (through the server at ${url})`, holds: 'the data dir', close };
}

async function offline(dataDir: string, lock: DataDirLock, target: DirectoryBackup): Promise<number> {
  // Opening the store copies whatever a crash left in the journal into the logs first.
  const store = new FileStore(dataDir);
  try {
    return (await store.backup(target)).bytes;
  } finally {
    await store.close();
    await lock.release();
  }
}

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Copy every document consistently into a new data dir, while servers run',
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, token: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const [destArg, ...extra] = positionals;
    if (destArg === undefined || extra.length > 0) throw new UsageError('give exactly one destination directory');
    const dest = resolve(destArg);
    if (existsSync(dest)) {
      process.stderr.write(`tandem backup: ${dest} exists; give a new directory\n`);
      return 1;
    }
    if (!existsSync(dirname(dest))) throw new UsageError(`${dirname(dest)} does not exist`);
    const source = await sourceFor(values, env);
    // Built beside the destination and renamed into place: <dest> is whole or absent.
    const partial = `${dest}.partial-${process.pid}`;
    const target = new DirectoryBackup(partial);
    let bytes: number;
    try {
      await nodeFs.mkdir(partial);
      const copied = await source.copy(target);
      if (typeof copied === 'string') {
        process.stderr.write(`tandem backup: ${copied}\n`);
        await rm(partial, { recursive: true, force: true });
        return 1;
      }
      bytes = copied;
      await target.finish();
      await rename(partial, dest);
      await nodeFs.syncDir(dirname(dest));
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    } finally {
      await source.close();
    }
    const report = await verifyDataDir(dest, { live: false });
    if (!report.ok) {
      for (const problem of [...report.errors, ...report.docs.flatMap((d) => d.errors)]) process.stderr.write(`ERROR ${describeProblem(problem)}\n`);
      process.stderr.write(`tandem backup: the copy in ${dest} does not pass tandem verify (it holds what ${source.holds} holds: run tandem verify on it too)\n`);
      return 1;
    }
    process.stdout.write(`Backed up ${report.docs.length} ${report.docs.length === 1 ? 'document' : 'documents'} (${formatBytes(bytes)}) to ${dest}${source.where}; tandem verify passes on it.\n`);
    return 0;
  },
};

