import { parseArgs } from 'node:util';
import { TrashError } from '../../persistence/trash.js';
import { CommandError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom } from '../data-dir-option.js';
import { TOKEN_HELP, callServer, serverRefusal, tokenFrom, writeTarget } from '../write-target.js';

function help(): string {
  return [
    'Usage: tandem delete <doc> [--data-dir ./data | --database-url <url>] [--token <jwt>]',
    '',
    'Moves a document, with its whole history, to the trash. It can be restored with',
    '`tandem undelete` until the server purges it (--trash-days after the deletion, 30 by',
    'default). Its name is free at once: a new document of that name is another document.',
    'People who have it open are disconnected and told it was deleted.',
    '',
    'When a server is running on the data dir (or the database), the delete goes through its',
    'HTTP API (DELETE /api/docs/<doc>); otherwise it is made in the data dir (or the database).',
    '',
    'Options:',
    STORE_HELP,
    TOKEN_HELP,
  ].join('\n');
}

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Move a document to the trash (restorable with undelete)',
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({ args: argv, options: { ...STORE_OPTIONS, token: { type: 'string' } }, strict: true, allowPositionals: true });
    const name = docNameArgument(positionals);
    const target = await writeTarget('delete', storeFrom(values, env));
    if (target.kind === 'server') {
      const answer = await callServer(target.url, 'DELETE', `/api/docs/${encodeURIComponent(name)}`, { token: tokenFrom(values.token, env) });
      if (!answer.ok) {
        process.stderr.write(serverRefusal('delete', target.url, answer));
        return 1;
      }
      process.stdout.write(`Moved ${JSON.stringify(name)} to the trash (through the server at ${target.url}); \`tandem undelete\` brings it back.\n`);
      return 0;
    }
    try {
      const deleted = await target.store.trashDoc(name, null, Date.now()).catch((error: unknown) => {
        throw error instanceof TrashError ? new CommandError(error.message) : error;
      });
      if (!deleted) {
        process.stderr.write(`tandem delete: no document named ${JSON.stringify(name)} in ${target.where}\n`);
        return 1;
      }
      process.stdout.write(`Moved ${JSON.stringify(name)} to the trash in ${target.where} (id ${deleted.id}); \`tandem undelete\` brings it back.\n`);
      return 0;
    } finally {
      await target.close();
    }
  },
};
