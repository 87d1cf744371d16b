import { parseArgs } from 'node:util';
import { MAX_RESTORER_NAME, cleanRestorerName, declaredAuthor, describeAuthor } from '../../persistence/author.js';
import { VersionError, checkVersionName, type NamedVersion } from '../../persistence/named-versions.js';
import { isEmptyHistory, lastSeq } from '../../persistence/replay.js';
import { CommandError, UsageError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom } from '../data-dir-option.js';
import { POINT_FORMS, pointFlag, resolvePointFlag } from '../history-point-flag.js';
import { TOKEN_HELP, callServer, serverRefusal, tokenFrom, writeTarget, type WritableStore } from '../write-target.js';

function help(): string {
  return [
    `Usage: tandem version <doc> --name <name> [--at ${POINT_FORMS}] [--by <your name>]`,
    '       tandem version <doc> --rename <id|name> --name <new name>',
    '       tandem version <doc> --remove <id|name>',
    '       [--data-dir ./data | --database-url <url>] [--token <jwt>]',
    '',
    "Names a version of a document (\"Sent to legal\"): its current one, or the one at a sequence",
    'number, a time or another named version. Names are unique within a document, at most 100',
    'characters, without line breaks. They show in `tandem history`, the editor\'s timeline and',
    '`tandem versions`, and stand for their point wherever one is taken: `tandem export --at',
    '"name:Sent to legal"`, `tandem diff --from name:…`, `tandem restore --at name:…`.',
    'Renaming or removing a named version leaves the history alone.',
    '',
    'When a server is running on the data dir (or the database), the change goes through its',
    'HTTP API; otherwise it is made in the data dir (or the database) directly.',
    '',
    'Options:',
    '  --name <name>      The version\'s name (with --rename: its new name)',
    '  --at <point>       What to name: a sequence number, an ISO time (the last update at or',
    '                     before it) or name:<version name> (default: the current version)',
    '  --by <your name>   Who is naming it, recorded as self-declared (a token\'s user wins)',
    '  --rename <id|name> Renames that named version (its id, as `tandem versions` lists it, or its name)',
    '  --remove <id|name> Removes that named version',
    STORE_HELP,
    TOKEN_HELP,
  ].join('\n');
}

type Action =
  | { kind: 'add'; name: string; at: string | null; by: string | null }
  | { kind: 'rename'; ref: string; name: string }
  | { kind: 'remove'; ref: string };

/** What the command line asks for; a contradictory or malformed one is a usage error. */
function actionFrom(values: { name?: string; at?: string; by?: string; rename?: string; remove?: string }): Action {
  const { rename, remove } = values;
  if (rename !== undefined && remove !== undefined) throw new UsageError('give --rename or --remove, not both');
  const newName = (): string => {
    if (values.name === undefined) throw new UsageError('--name is required');
    try {
      return checkVersionName(values.name);
    } catch (error) {
      if (error instanceof VersionError) throw new UsageError(`--name: ${error.message}`);
      throw error;
    }
  };
  if (remove !== undefined) {
    if (values.name !== undefined || values.at !== undefined || values.by !== undefined) throw new UsageError('--remove takes no --name, --at or --by');
    return { kind: 'remove', ref: remove };
  }
  if (rename !== undefined) {
    if (values.at !== undefined || values.by !== undefined) throw new UsageError('--rename takes only --name');
    return { kind: 'rename', ref: rename, name: newName() };
  }
  const by = values.by === undefined ? null : cleanRestorerName(values.by);
  if (values.by !== undefined && by === null) throw new UsageError(`--by must be at most ${MAX_RESTORER_NAME} characters, without control characters`);
  return { kind: 'add', name: newName(), at: values.at === undefined ? null : pointFlag(values.at, '--at'), by };
}

/** The version `ref` names: by id, else by name. */
function findVersion<V extends { id: string; name: string }>(doc: string, versions: readonly V[], ref: string): V {
  const found = versions.find((v) => v.id === ref) ?? versions.find((v) => v.name === ref.trim());
  if (found) return found;
  const known = versions.map((v) => JSON.stringify(v.name)).join(', ');
  throw new CommandError(`${JSON.stringify(doc)} has no named version with the id or name ${JSON.stringify(ref)} (${known === '' ? 'it has none' : `its named versions: ${known}`})`);
}

interface Shown {
  name: string;
  seq: number;
  id: string;
  /** Who named it, for people. */
  by: string;
}

function describe(version: Shown): string {
  return `${JSON.stringify(version.name)} (seq ${version.seq}, named by ${version.by}, id ${version.id})`;
}

const shown = (version: NamedVersion): Shown => ({ ...version, by: describeAuthor(version.author) });

/** A version as the API answers it (namedVersionJson), for people. */
function shownJson(body: Record<string, unknown>): Shown {
  const author = body['author'] as { user?: unknown; name?: unknown } | null;
  const by = author?.user !== undefined ? String(author.user) : author?.name !== undefined ? `${String(author.name)} (self-declared)` : '(unknown)';
  return { name: String(body['name']), seq: Number(body['seq']), id: String(body['id']), by };
}

/** In a store no server is using. */
async function inStore(store: WritableStore, where: string, doc: string, action: Action): Promise<string> {
  const history = await store.readHistory(doc);
  if (!history || isEmptyHistory(history)) throw new CommandError(`no document named ${JSON.stringify(doc)} in ${where}`);
  try {
    if (action.kind === 'add') {
      const seq = action.at === null ? lastSeq(history) : await resolvePointFlag(history, action.at, store, '--at');
      if (seq === 0) throw new CommandError(`there is no record of ${JSON.stringify(doc)} at or before ${action.at} to name`);
      const added = await store.addVersion(doc, { name: action.name, seq, timeMs: Date.now(), author: action.by === null ? null : declaredAuthor(action.by) });
      return `Named ${describe(shown(added))} of ${JSON.stringify(doc)} in ${where}.`;
    }
    const version = findVersion(doc, await store.listVersions(doc), action.ref);
    if (action.kind === 'rename') return `Renamed ${describe(shown(version))} to ${JSON.stringify((await store.renameVersion(doc, version.id, action.name)).name)} in ${where}.`;
    return `Removed the named version ${describe(shown(await store.removeVersion(doc, version.id)))} from ${JSON.stringify(doc)} in ${where}; its history stays.`;
  } catch (error) {
    if (error instanceof VersionError) throw new CommandError(error.message);
    throw error;
  }
}

/** Through the running server's API (version-routes.ts). */
async function throughServer(url: string, doc: string, action: Action, token: string | null): Promise<number> {
  const path = `/api/docs/${encodeURIComponent(doc)}/versions`;
  const refused = (answer: Awaited<ReturnType<typeof callServer>>): number => {
    process.stderr.write(serverRefusal('version', url, answer));
    return 1;
  };
  if (action.kind === 'add') {
    const at = action.at === null ? undefined : /^\d+$/.test(action.at) ? Number(action.at) : action.at;
    const body = JSON.stringify({ name: action.name, ...(at === undefined ? {} : { at }), ...(action.by === null ? {} : { author: action.by }) });
    const answer = await callServer(url, 'POST', path, { token, type: 'application/json', body });
    if (!answer.ok) return refused(answer);
    process.stdout.write(`Named ${describe(shownJson(answer.body))} of ${JSON.stringify(doc)} (through the server at ${url}).\n`);
    return 0;
  }
  const listed = await callServer(url, 'GET', path, { token });
  if (!listed.ok) return refused(listed);
  const versions = (listed.body['versions'] as Record<string, unknown>[]).map(shownJson);
  const version = findVersion(doc, versions, action.ref);
  const at = `${path}/${encodeURIComponent(version.id)}`;
  const answer = action.kind === 'rename'
    ? await callServer(url, 'PATCH', at, { token, type: 'application/json', body: JSON.stringify({ name: action.name }) })
    : await callServer(url, 'DELETE', at, { token });
  if (!answer.ok) return refused(answer);
  process.stdout.write(
    action.kind === 'rename'
      ? `Renamed ${describe(version)} to ${JSON.stringify(String(answer.body['name']))} (through the server at ${url}).\n`
      : `Removed the named version ${describe(version)} from ${JSON.stringify(doc)} (through the server at ${url}); its history stays.\n`,
  );
  return 0;
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'Name a version of a document ("Sent to legal"), or rename or remove a name',
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        ...STORE_OPTIONS, name: { type: 'string' }, at: { type: 'string' }, by: { type: 'string' },
        rename: { type: 'string' }, remove: { type: 'string' }, token: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
    const doc = docNameArgument(positionals);
    const action = actionFrom(values);
    const target = await writeTarget('version', storeFrom(values, env));
    if (target.kind === 'server') return throughServer(target.url, doc, action, tokenFrom(values.token, env));
    try {
      process.stdout.write(`${await inStore(target.store, target.where, doc, action)}\n`);
      return 0;
    } finally {
      await target.close();
    }
  },
};
