/**
 * The maintenance commands' flags that name a point in a document's history (`compact
 * --before`, `restore --at`, `export --at`, `version --at`) and `version`'s others: a missing or malformed one is a usage error (exit code 2, with
 * the command's help), found before any data dir or database is touched.
 */
import { describe, expect, it } from 'vitest';
import { UsageError, type Command } from '../../bin/command.js';
import { compactCommand } from '../../bin/commands/compact.js';
import { exportCommand } from '../../bin/commands/export.js';
import { restoreCommand } from '../../bin/commands/restore.js';
import { versionCommand } from '../../bin/commands/version.js';

// Neither exists: a command that got as far as opening one would fail otherwise.
const env = { DATA_DIR: '/nonexistent/tandem-data', DATABASE_URL: '' };

const cases: { command: Command; argv: string[]; message: string }[] = [
  { command: compactCommand, argv: ['notes'], message: '--before is required' },
  { command: compactCommand, argv: ['notes', '--before', 'soon'], message: '--before must be a sequence number or an ISO time such as 2025-01-31T12:00:00Z, got "soon"' },
  { command: restoreCommand, argv: ['notes'], message: '--at is required' },
  { command: exportCommand, argv: ['notes', '--at', '1.5'], message: '--at must be a sequence number or an ISO time such as 2025-01-31T12:00:00Z, got "1.5"' },
  { command: restoreCommand, argv: ['notes', '--at', 'yesterday'], message: '--at must be a sequence number or an ISO time such as 2025-01-31T12:00:00Z, got "yesterday"' },
  { command: exportCommand, argv: ['notes', '--at', 'name: '], message: '--at names no version: write name:<version name>' },
  { command: versionCommand, argv: ['notes'], message: '--name is required' },
  { command: versionCommand, argv: ['notes', '--name', 'x', '--at', 'soon'], message: '--at must be a sequence number or an ISO time such as 2025-01-31T12:00:00Z, got "soon"' },
  { command: versionCommand, argv: ['notes', '--name', 'a\tb'], message: '--name: a version name cannot hold control characters (line breaks, tabs)' },
  { command: versionCommand, argv: ['notes', '--rename', 'a', '--remove', 'b'], message: 'give --rename or --remove, not both' },
];

describe('history point flags', () => {
  it.each(cases)('tandem $command.name $argv: $message', async ({ command, argv, message }) => {
    const run = command.run(argv, env);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
  });
});
