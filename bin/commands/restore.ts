import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import type { DocArchive } from '../../persistence/archive.js';
import type { Store } from '../../persistence/store.js';
import { HistoryPointError, docAt, isEmptyHistory, resolveHistoryPoint, revertUpdate, type HistoryPoint } from '../../persistence/replay.js';
import { cleanRestorerName, describeRestorer, MAX_RESTORER_NAME, restoreAuthor, type Restorer } from '../../persistence/author.js';
import { UsageError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { historyPointFlag } from '../history-point-flag.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom } from '../data-dir-option.js';
import { TOKEN_HELP, callServer, serverRefusal, tokenFrom, writeTarget } from '../write-target.js';

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
    TOKEN_HELP,
  ].join('\n');
}

async function throughServer(serverUrl: string, name: string, at: string, token: string | null, requester: string | null): Promise<number> {
  const point = /^\d+$/.test(at) ? Number(at) : at;
  const body = JSON.stringify(requester ? { at: point, name: requester } : { at: point });
  // Restoring from far back in a long history takes a while: the server answers when it is done.
  const answer = await callServer(serverUrl, 'POST', `/api/docs/${encodeURIComponent(name)}/restore`, { token, type: 'application/json', body, timeoutMs: 600_000 });
  if (!answer.ok) {
    process.stderr.write(serverRefusal('restore', serverUrl, answer));
    return 1;
  }
  process.stdout.write(`Restored ${JSON.stringify(name)} to its content at seq ${String(answer.body['restoredFrom'])}, now current as seq ${String(answer.body['seq'])}, ${describeRestorer((answer.body['restoredBy'] ?? null) as Restorer)} (through the server at ${serverUrl}; connected clients have it).\n`);
  return 0;
}

/** Restores into a store no server is using, as a new record. */
async function restoreInto(store: Store & DocArchive, where: string, name: string, point: HistoryPoint, requester: string | null): Promise<number> {
  const by: Restorer = requester ? { name: requester } : null;
  const history = await store.readHistory(name);
  if (!history || isEmptyHistory(history)) {
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
  const seq = update ? await store.append(name, update, { author: restoreAuthor(by) }) : loaded.seq;
  process.stdout.write(
    update
      ? `Restored ${JSON.stringify(name)} to its content at seq ${restoredFrom}, now current as seq ${seq}, ${describeRestorer(by)}.\n`
      : `${JSON.stringify(name)} already has its content of seq ${restoredFrom}; nothing to do.\n`,
  );
  return 0;
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
    const { text: at, point } = historyPointFlag(values.at, '--at');
    const requester = values.name === undefined ? null : cleanRestorerName(values.name);
    if (values.name !== undefined && requester === null) throw new UsageError(`--name must be at most ${MAX_RESTORER_NAME} characters, without control characters`);
    const target = await writeTarget('restore', storeFrom(values, env));
    if (target.kind === 'server') return throughServer(target.url, name, at, tokenFrom(values.token, env), requester);
    try {
      return await restoreInto(target.store, target.where, name, point, requester);
    } finally {
      await target.close();
    }
  },
};
