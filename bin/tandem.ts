#!/usr/bin/env node
/**
 * `tandem <command>`: the only place that reads the environment and calls process.exit.
 */
import { ConfigError } from '../sync-server/config.js';
import { CommandError, UsageError, type Command } from './command.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';
import { docsCommand } from './commands/docs.js';
import { historyCommand } from './commands/history.js';
import { exportCommand } from './commands/export.js';
import { diffCommand } from './commands/diff.js';
import { replayCommand } from './commands/replay.js';
import { restoreCommand } from './commands/restore.js';
import { verifyCommand } from './commands/verify.js';
import { migrateCommand } from './commands/migrate.js';
import { importCommand } from './commands/import.js';
import { deleteCommand } from './commands/delete.js';
import { undeleteCommand } from './commands/undelete.js';
import { compactCommand } from './commands/compact.js';
import { backupCommand } from './commands/backup.js';
import { versionCommand } from './commands/version.js';
import { versionsCommand } from './commands/versions.js';

const commands: Command[] = [
  serveCommand, tokenCommand, docsCommand, historyCommand, versionsCommand, versionCommand, exportCommand, diffCommand, importCommand,
  replayCommand, restoreCommand, compactCommand, backupCommand, deleteCommand, undeleteCommand, verifyCommand, migrateCommand,
];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'Usage: tandem <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'tandem <command> --help' for a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`tandem: unknown command "${name}"\n\n${mainHelp()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help()}\n`);
    return 0;
  }
  try {
    return await command.run(rest, process.env);
  } catch (error) {
    if (error instanceof CommandError) {
      process.stderr.write(`tandem ${name}: ${error.message}\n`);
      return 1;
    }
    const known = error instanceof UsageError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (!known) throw error;
    process.stderr.write(`tandem ${name}: ${(error as Error).message}\n\n${command.help()}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tandem: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
