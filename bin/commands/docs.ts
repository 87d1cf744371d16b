import { parseArgs } from 'node:util';
import { docSummaryJson } from '../../persistence/archive.js';
import type { Command } from '../command.js';
import { STORE_HELP, STORE_OPTIONS, openArchive, storeFrom } from '../data-dir-option.js';
import { describeProblem } from '../../persistence/record.js';

function help(): string {
  return [
    'Usage: tandem docs [--data-dir ./data | --database-url <url>] [--json]',
    '',
    'Lists the documents in a data dir or database with their size, number of recorded',
    'updates, and the time and author of the last change (a token\'s user id;',
    '"tandem:name:<name>" for a name someone chose on a server without tokens;',
    '"tandem:restore:user:<id>" or "tandem:restore:name:<name>" for a restore and who',
    'asked for it, "tandem:restore" when unknown; "tandem:recovery" for content recovered',
    'after damage; "-" when unknown). Safe while the server runs.',
    '',
    'Options:',
    STORE_HELP,
    '  --json             Print {"docs":[…]} as GET /api/docs does',
  ].join('\n');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export const docsCommand: Command = {
  name: 'docs',
  summary: 'List documents with size, record count, last change and its author',
  help,
  async run(argv, env) {
    const { values } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, json: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    });
    const opened = await openArchive(storeFrom(values, env));
    const { archive } = opened;
    try {
      const problems = await opened.problems();
      for (const problem of problems) process.stderr.write(`warning: ${describeProblem(problem)}\n`);
      const docs = (await archive.listDocs()).map(docSummaryJson);
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ docs }, null, 2)}\n`);
        return 0;
      }
      if (docs.length === 0) {
        process.stdout.write(`No documents in ${opened.where}\n`);
        return 0;
      }
      const rows = [
        ['NAME', 'RECORDS', 'SIZE', 'LAST CHANGE', 'BY'],
        ...docs.map((d) => [JSON.stringify(d.name), String(d.records), formatBytes(d.bytes), d.lastChange ?? '-', d.lastAuthor ?? '-']),
      ];
      // Names and times left-aligned, numbers right-aligned; the last column is not padded.
      const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
      for (const row of rows) {
        const cells = row.map((cell, i) => (i === 4 ? cell : i === 0 || i === 3 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)));
        process.stdout.write(`${cells.join('  ')}\n`);
      }
      // The process exits right after: let queued output reach a pipe first.
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      return 0;
    } finally {
      await opened.close();
    }
  },
};
