import { parseArgs } from 'node:util';
import { describeAuthor } from '../../persistence/author.js';
import { namedVersionJson } from '../../persistence/named-versions.js';
import type { Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom, withDocHistory } from '../data-dir-option.js';

function help(): string {
  return [
    'Usage: tandem versions <doc> [--data-dir ./data | --database-url <url>] [--json]',
    '',
    "Lists a document's named versions, oldest first: the record each names (the document as it",
    'was after it), its name, when and by whom it was named, and its id (for `tandem version',
    '--rename` and `--remove`). A version named before a compaction shows the document at the',
    'cut, the earliest state kept. Open one with `tandem export --at "name:<version name>"`.',
    'Safe while the server runs.',
    '',
    'Options:',
    STORE_HELP,
    '  --json             Print {"versions":[…]} as GET /api/docs/<doc>/versions does',
  ].join('\n');
}

export const versionsCommand: Command = {
  name: 'versions',
  summary: "List a document's named versions",
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({ args: argv, options: { ...STORE_OPTIONS, json: { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
    const name = docNameArgument(positionals);
    return withDocHistory('versions', name, storeFrom(values, env), async (history, opened) => {
      const versions = await opened.archive.listVersions(name);
      const cut = history.compacted?.seq ?? null;
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ versions: versions.map((v) => namedVersionJson(v, cut)) }, null, 2)}\n`);
        return 0;
      }
      if (versions.length === 0) {
        process.stdout.write(`${JSON.stringify(name)} has no named versions; \`tandem version ${JSON.stringify(name)} --name "…"\` names its current one.\n`);
        return 0;
      }
      process.stdout.write(`${JSON.stringify(name)}: ${versions.length} named ${versions.length === 1 ? 'version' : 'versions'}\n\n`);
      const rows = [
        ['SEQ', 'NAME', 'NAMED AT', 'BY', 'ID'],
        ...versions.map((v) => [
          cut !== null && v.seq < cut ? `#${v.seq} (compacted: shows #${cut})` : `#${v.seq}`,
          v.name,
          new Date(v.timeMs).toISOString(),
          describeAuthor(v.author),
          v.id,
        ]),
      ];
      const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length))) ?? [];
      for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...cell].length))).join('  ').trimEnd()}\n`);
      // The process exits right after: let queued output reach a pipe first.
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      return 0;
    });
  },
};
