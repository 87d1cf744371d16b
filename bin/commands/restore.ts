import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import type { DocArchive } from '../../persistence/archive.js';
import type { Store } from '../../persistence/store.js';
import { docAt, isEmptyHistory, revertUpdate } from '../../persistence/replay.js';
import type { VersionLister } from '../../persistence/named-versions.js';
import { cleanRestorerName, describeRestorer, MAX_RESTORER_NAME, restoreAuthor, type Restorer } from '../../persistence/author.js';
import { UsageError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { POINT_FORMS, pointFlag, resolvePointFlag } from '../history-point-flag.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom } from '../data-dir-option.js';
import { TOKEN_HELP, callServer, serverRefusal, tokenFrom, writeTarget } from '../write-target.js';

function help(): string {
  return [
    `Usage: tandem restore <doc> --at ${POINT_FORMS} [--name <your name>] [--data-dir ./data | --database-url <url>] [--token <jwt>]`,
    '',
    'Makes a document\'s content as it was at a sequence number, a time or a named version',
    '(see `tandem history`) current again, as a new update: history is never rewritten, so the',
    'restore itself can be undone by restoring the sequence number before it.',
    '',
    'When a server is running on the data dir (or the database), the restore goes through its',
    'HTTP API, so everyone editing the document sees it at once; otherwise it is written to the',
    'data dir (or the database) directly.',
    '',
    'Options:',
    '  --at <point>       Sequence number, ISO time (the last update at or before it), or',
    '                     name:<version name> (a named version, e.g. "name:Sent to legal")',
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
async function restoreInto(store: Store & DocArchive & VersionLister, where: string, name: string, at: string, requester: string | null): Promise<number> {
  const by: Restorer = requester ? { name: requester } : null;
  const history = await store.readHistory(name);
  if (!history || isEmptyHistory(history)) {
    process.stderr.write(`tandem restore: no document named ${JSON.stringify(name)} in ${where}\n`);
    return 1;
  }
  const restoredFrom = await resolvePointFlag(history, at, store, '--at');
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
    const at = pointFlag(values.at, '--at');
    const requester = values.name === undefined ? null : cleanRestorerName(values.name);
    if (values.name !== undefined && requester === null) throw new UsageError(`--name must be at most ${MAX_RESTORER_NAME} characters, without control characters`);
    const target = await writeTarget('restore', storeFrom(values, env));
    if (target.kind === 'server') return throughServer(target.url, name, at, tokenFrom(values.token, env), requester);
    try {
      return await restoreInto(target.store, target.where, name, at, requester);
    } finally {
      await target.close();
    }
  },
};
