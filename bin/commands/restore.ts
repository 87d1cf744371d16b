import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { DataDirLock, DataDirLockedError, readLiveLock } from '../../persistence/file/data-dir-lock.js';
import type { DocArchive } from '../../persistence/archive.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { liveServers } from '../../persistence/postgres/server-registry.js';
import type { Store } from '../../persistence/store.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { HistoryPointError, docAt, parseHistoryPoint, resolveHistoryPoint, revertUpdate, type HistoryPoint } from '../../persistence/replay.js';
import { cleanRestorerName, MAX_RESTORER_NAME, restoreAuthor } from '../../persistence/author.js';
import { UsageError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { STORE_HELP, STORE_OPTIONS, openDatabase, storeFrom } from '../data-dir-option.js';

function help(): string {
  return [
    'Usage: tandem restore <doc> --at <seq|ISO time> [--name <your name>] [--data-dir ./data | --database-url <url>] [--token <jwt>]',
    '',
    'Makes a document\'s content as it was at a sequence number or time (see `tandem history`)',
    'current again, as a new update: history is never rewritten, so the restore itself can be',
    'undone by restoring the sequence number before it.',
    '',
    'When a server is running on the data dir (or the database), the restore goes through its',
    'HTTP API, so everyone editing the document sees it at once; otherwise it is written to the',
    'data dir (or the database) directly.',
    '',
    'Options:',
    '  --at <seq|time>    Sequence number, or ISO time (the last update at or before it)',
    '  --name <name>      Who is restoring, recorded with the restore (the restored text',
    '                     counts as theirs); a token\'s user wins over it',
    STORE_HELP,
    '  --token <jwt>      Access token with write access, when the server requires tokens',
    '                     (env TANDEM_TOKEN)',
  ].join('\n');
}

async function throughServer(serverUrl: string, name: string, at: string, token: string | null, requester: string | null): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const point = /^\d+$/.test(at) ? Number(at) : at;
  const body = JSON.stringify(requester ? { at: point, name: requester } : { at: point });
  const res = await fetch(`${serverUrl}/api/docs/${encodeURIComponent(name)}/restore`, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  const answer = (await res.json().catch(() => ({}))) as { error?: unknown; restoredFrom?: unknown; seq?: unknown };
  if (!res.ok) {
    process.stderr.write(`tandem restore: the server at ${serverUrl} answered ${res.status}: ${String(answer.error ?? res.statusText)}\n`);
    return 1;
  }
  process.stdout.write(`Restored ${JSON.stringify(name)} to its content at seq ${String(answer.restoredFrom)}, now current as seq ${String(answer.seq)} (through the server at ${serverUrl}; connected clients have it).\n`);
  return 0;
}

/** Restores into a store no server is using, as a new record. */
async function restoreInto(store: Store & DocArchive, where: string, name: string, point: HistoryPoint, requester: string | null): Promise<number> {
  const history = await store.readHistory(name);
  if (!history || history.records.length === 0) {
    process.stderr.write(`tandem restore: no document named ${JSON.stringify(name)} in ${where}\n`);
    return 1;
  }
  let restoredFrom: number;
  try {
    restoredFrom = resolveHistoryPoint(history, point);
  } catch (error) {
    if (error instanceof HistoryPointError) throw new UsageError(`--at: ${error.message}`);
    throw error;
  }
  const current = new Y.Doc();
  const loaded = await store.load(name);
  Y.applyUpdate(current, loaded.state);
  const old = await docAt(history, restoredFrom, { gc: false });
  const update = revertUpdate(old, current);
  const seq = update ? await store.append(name, update, { author: restoreAuthor(requester ? { name: requester } : null) }) : loaded.seq;
  process.stdout.write(
    update
      ? `Restored ${JSON.stringify(name)} to its content at seq ${restoredFrom}, now current as seq ${seq}.\n`
      : `${JSON.stringify(name)} already has its content of seq ${restoredFrom}; nothing to do.\n`,
  );
  return 0;
}

async function offline(dataDir: string, name: string, point: HistoryPoint, requester: string | null): Promise<number> {
  let lock: DataDirLock;
  try {
    lock = await DataDirLock.acquire(dataDir, 'restore');
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    process.stderr.write(`tandem restore: ${error.message}; try again when it has finished\n`);
    return 1;
  }
  const store = new FileStore(dataDir);
  try {
    return await restoreInto(store, store.dataDir, name, point, requester);
  } finally {
    await store.close();
    await lock.release();
  }
}

/**
 * With a database: through a live server using it when there is one (its clients see the
 * restore at once), else straight into the database (seqs are allocated there, so a server
 * starting meanwhile cannot collide with it).
 */
async function inDatabase(url: string, name: string, at: string, point: HistoryPoint, token: string | null, requester: string | null): Promise<number> {
  const db = await openDatabase(url);
  const [server] = await liveServers(db).finally(() => db.close());
  if (server) return throughServer(server.url, name, at, token, requester);
  const store = new PostgresStore(url);
  try {
    return await restoreInto(store, store.db.label, name, point, requester);
  } finally {
    await store.close();
  }
}

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Make an old version of a document current again (as a new update)',
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, at: { type: 'string' }, token: { type: 'string' }, name: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const name = docNameArgument(positionals);
    if (values.at === undefined) throw new UsageError('--at is required');
    let point: HistoryPoint;
    try {
      point = parseHistoryPoint(values.at);
    } catch (error) {
      if (error instanceof HistoryPointError) throw new UsageError(`--at: ${error.message}`);
      throw error;
    }
    const requester = values.name === undefined ? null : cleanRestorerName(values.name);
    if (values.name !== undefined && requester === null) throw new UsageError(`--name must be at most ${MAX_RESTORER_NAME} characters, without control characters`);
    const token = values.token ?? (env.TANDEM_TOKEN || null);
    const choice = storeFrom(values, env);
    if (choice.kind === 'database') return inDatabase(choice.url, name, values.at, point, token, requester);
    const { dataDir } = choice;
    const server = await readLiveLock(dataDir);
    if (server?.url) return throughServer(server.url, name, values.at, token, requester);
    if (server) {
      process.stderr.write(`tandem restore: process ${server.pid} (tandem ${server.command}) holds ${dataDir}; try again when it has finished\n`);
      return 1;
    }
    return offline(dataDir, name, point, requester);
  },
};
