import { parseArgs } from 'node:util';
import { TrashError, latestTrashed } from '../../persistence/trash.js';
import { CommandError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom } from '../data-dir-option.js';
import { TOKEN_HELP, callServer, serverRefusal, tokenFrom, writeTarget } from '../write-target.js';

function help(): string {
  return [
    'Usage: tandem undelete <doc> [--as <name>] [--id <id>] [--data-dir ./data | --database-url <url>] [--token <jwt>]',
    '',
    'Restores a deleted document from the trash, with its whole history (`tandem docs --trash`',
    'lists what is there). A document that holds its name again is never merged with it:',
    'the restore is refused, and --as restores it under another name.',
    '',
    'When a server is running on the data dir (or the database), the restore goes through its',
    'HTTP API (POST /api/docs/<doc>/undelete); otherwise it is made in the data dir (or the database).',
    '',
    'Options:',
    '  --as <name>        Restore under this name instead',
    '  --id <id>          Which deleted document of that name (default: the latest deleted)',
    STORE_HELP,
    TOKEN_HELP,
  ].join('\n');
}

export const undeleteCommand: Command = {
  name: 'undelete',
  summary: 'Restore a deleted document from the trash',
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, as: { type: 'string' }, id: { type: 'string' }, token: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const name = docNameArgument(positionals);
    const as = values.as === undefined ? undefined : docNameArgument([values.as]);
    const target = await writeTarget('undelete', storeFrom(values, env));
    if (target.kind === 'server') {
      const body = JSON.stringify({ ...(values.id === undefined ? {} : { id: values.id }), ...(as === undefined ? {} : { as }) });
      const answer = await callServer(target.url, 'POST', `/api/docs/${encodeURIComponent(name)}/undelete`, { token: tokenFrom(values.token, env), type: 'application/json', body });
      if (!answer.ok) {
        process.stderr.write(serverRefusal('undelete', target.url, answer));
        return 1;
      }
      process.stdout.write(`Restored ${JSON.stringify(as ?? name)} from the trash (through the server at ${target.url}).\n`);
      return 0;
    }
    try {
      const trash = await target.store.listTrash();
      const doc = values.id === undefined ? latestTrashed(trash, name) : trash.find((d) => d.id === values.id && d.name === name);
      if (!doc) {
        process.stderr.write(`tandem undelete: no deleted document named ${JSON.stringify(name)}${values.id === undefined ? '' : ` with the id ${values.id}`} in the trash of ${target.where}\n`);
        return 1;
      }
      const restored = await target.store.restoreDoc(doc.id, as).catch((error: unknown) => {
        throw error instanceof TrashError ? new CommandError(error.message) : error;
      });
      process.stdout.write(`Restored ${JSON.stringify(restored.name)} from the trash of ${target.where}.\n`);
      return 0;
    } finally {
      await target.close();
    }
  },
};
