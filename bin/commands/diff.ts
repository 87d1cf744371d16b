import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DIFF_FORMATS, isDiffFormat, renderDiff } from '../../persistence/diff/diff-render.js';
import { diffHistory } from '../../persistence/diff/doc-diff.js';
import { HistoryPointError } from '../../persistence/replay.js';
import { UsageError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { POINT_FORMS, pointFlag, resolvePointFlag } from '../history-point-flag.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom, withDocHistory } from '../data-dir-option.js';

function help(): string {
  return [
    `Usage: tandem diff <doc> --from ${POINT_FORMS} [--to ${POINT_FORMS}] [--format ${DIFF_FORMATS.join('|')}] [--out <file>] [--data-dir ./data | --database-url <url>]`,
    '',
    'Shows what changed in a document between two points of its history (see `tandem',
    'history`), who changed it and when, and how many words each person added, removed and',
    'reformatted. Changes are found by identity, not by comparing text: text cut and pasted',
    'elsewhere is a deletion and an insertion; a change of marks (bold, a link) or of a',
    'block\'s type or attributes (paragraph to heading) is a formatting change.',
    '  text   the text blocks in wdiff\'s notation, [-deleted-] {+inserted+} {~reformatted~},',
    '         then one line per person (default)',
    '  html   a page with <ins>, <del> and reformatted spans, each titled with who and when',
    '  json   the document\'s tree with every change marked (PROTOCOL.md)',
    '',
    'Options:',
    '  --from <point>     The earlier point: a sequence number (0: the empty document), an',
    '                     ISO time (the last update at or before it), or name:<version name>',
    '                     (a named version)',
    '  --to <point>       The later point (default: the document as it is now)',
    '  --out <file>       Write to a file instead of standard output',
    STORE_HELP,
  ].join('\n');
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'Show what changed between two points of a document\'s history, and who changed it',
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string', default: 'text' }, out: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const name = docNameArgument(positionals);
    const { format } = values;
    if (!isDiffFormat(format)) throw new UsageError(`--format must be one of ${DIFF_FORMATS.join(', ')}, got "${format}"`);
    if (values.from === undefined) throw new UsageError('--from is required (0 for the empty document)');
    const fromRaw = pointFlag(values.from, '--from');
    const toRaw = values.to === undefined ? null : pointFlag(values.to, '--to');
    return withDocHistory('diff', name, storeFrom(values, env), async (history, opened) => {
      const from = await resolvePointFlag(history, fromRaw, opened.archive, '--from');
      const to = toRaw === null ? (history.records.at(-1)?.seq ?? 0) : await resolvePointFlag(history, toRaw, opened.archive, '--to');
      if (from > to) throw new UsageError(`--from (seq ${from}) is after --to (seq ${to})`);
      let body: string;
      try {
        body = await renderDiff(await diffHistory(history, from, to), format);
      } catch (error) {
        if (error instanceof HistoryPointError) throw new UsageError(error.message);
        throw error;
      }
      if (values.out) {
        await writeFile(values.out, body);
        process.stderr.write(`wrote the changes to ${JSON.stringify(name)} from seq ${from} to seq ${to} as ${format} to ${values.out}\n`);
      } else {
        await new Promise<void>((resolve, reject) => process.stdout.write(body, (error) => (error ? reject(error) : resolve())));
      }
      return 0;
    });
  },
};
