import { parseArgs } from 'node:util';
import { docSummaryJson } from '../../persistence/archive.js';
import { trashedDocJson } from '../../persistence/trash.js';
import { DEFAULT_CONFIG, SERVER_OPTIONS } from '../../sync-server/config.js';
import type { Command } from '../command.js';
import { STORE_HELP, STORE_OPTIONS, openArchive, storeFrom } from '../data-dir-option.js';
import { describeProblem } from '../../persistence/record.js';
import { describeAuthor } from '../../persistence/author.js';

function help(): string {
  return [
    'Usage: tandem docs [--trash [--trash-days 30]] [--data-dir ./data | --database-url <url>] [--json]',
    '',
    'Lists the documents in a data dir or database with their size, number of recorded',
    'updates, and the time and author of the last change (a token\'s user id;',
    'a name someone chose on a server without tokens, marked "(self-declared)"; "restored by …"',
    'for a restore, naming who asked for it; "tandem:recovery" for content recovered after',
    'damage; "-" when unknown; --json gives them as recorded). Safe while the server runs.',
    '',
    'Options:',
    STORE_HELP,
    '  --json             Print {"docs":[…]} as GET /api/docs does',
    '  --trash            List deleted documents instead: when and by whom each was deleted,',
    '                     and when it will be purged; `tandem undelete` restores one',
    '  --trash-days <n>   The server\'s trash period, for the purge dates (env TANDEM_TRASH_DAYS,',
    `                     default ${DEFAULT_CONFIG.trashDays})`,
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

/** Prints rows as columns: left-aligned except those in `right`; the last column unpadded. */
function printTable(rows: string[][], right: ReadonlySet<number>): void {
  const columns = rows[0]?.length ?? 0;
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows) {
    const cells = row.map((cell, i) => (i === columns - 1 ? cell : right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)));
    process.stdout.write(`${cells.join('  ')}\n`);
  }
}

const trashDaysOption = SERVER_OPTIONS.find((o) => o.flag === 'trash-days');

function trashDaysFrom(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const raw = flag ?? (env.TANDEM_TRASH_DAYS || undefined);
  if (raw === undefined || !trashDaysOption) return DEFAULT_CONFIG.trashDays;
  return trashDaysOption.parse(raw, flag === undefined ? 'TANDEM_TRASH_DAYS' : '--trash-days') as number;
}

export const docsCommand: Command = {
  name: 'docs',
  summary: 'List documents with size, record count, last change and its author',
  help,
  async run(argv, env) {
    const { values } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, json: { type: 'boolean', default: false }, trash: { type: 'boolean', default: false }, 'trash-days': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    const opened = await openArchive(storeFrom(values, env));
    const { archive } = opened;
    try {
      if (values.trash) {
        const trashDays = trashDaysFrom(values['trash-days'], env);
        const docs = (await opened.trash()).map((doc) => trashedDocJson(doc, trashDays));
        if (values.json) process.stdout.write(`${JSON.stringify({ trashDays, docs }, null, 2)}\n`);
        else if (docs.length === 0) process.stdout.write(`The trash of ${opened.where} is empty\n`);
        else {
          printTable(
            [['NAME', 'DELETED', 'BY', 'PURGED AFTER', 'RECORDS', 'ID'], ...docs.map((d) => [JSON.stringify(d.name), d.deletedAt, d.deletedBy ?? '-', d.purgeAfter, String(d.records), d.id])],
            new Set([4]),
          );
        }
        await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
        return 0;
      }
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
      // Names and times left-aligned, numbers right-aligned.
      printTable(
        [['NAME', 'RECORDS', 'SIZE', 'LAST CHANGE', 'BY'], ...docs.map((d) => [JSON.stringify(d.name), String(d.records), formatBytes(d.bytes), d.lastChange ?? '-', d.lastAuthor === null ? '-' : describeAuthor(d.lastAuthor)])],
        new Set([1, 2]),
      );
      // The process exits right after: let queued output reach a pipe first.
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      return 0;
    } finally {
      await opened.close();
    }
  },
};
