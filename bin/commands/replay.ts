import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { DataDirArchive } from '../../persistence/data-dir.js';
import { describeProblem } from '../../persistence/doc-files.js';
import { toText } from '../../persistence/export-format.js';
import { docAt } from '../../persistence/replay.js';
import { formatChange, textChange } from '../../persistence/text-diff.js';
import { UsageError, type Command } from '../command.js';

function help(): string {
  return [
    'Usage: tandem replay <doc> [--from <seq>] [--to <seq>] [--delay <ms>] [--data-dir ./data]',
    '',
    "Steps through a document's recorded updates: for each one its sequence number, server",
    'time, author and what it changed in the text, shown as',
    '  …context [-deleted-]{+inserted+} context…',
    'Updates that change no text (formatting, structure) say so.',
    '',
    'Options:',
    '  --from <seq>       First update to show (default 1)',
    '  --to <seq>         Last update to show (default: the latest)',
    '  --delay <ms>       Pause between updates, to watch the document being written (default 0)',
    '  --data-dir <dir>   Data directory (env DATA_DIR, default ./data)',
  ].join('\n');
}

const wholeNumber = (raw: string | undefined, flag: string): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} must be a whole number, got "${raw}"`);
  return Number(raw);
};

export const replayCommand: Command = {
  name: 'replay',
  summary: "Step through a document's edits: sequence, time, author, what changed",
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, delay: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const [name, ...extra] = positionals;
    if (name === undefined || extra.length > 0) throw new UsageError('give exactly one document name');
    const delay = wholeNumber(values.delay, '--delay') ?? 0;
    const archive = new DataDirArchive(values['data-dir'] ?? (env.DATA_DIR || './data'));
    const history = await archive.readHistory(name);
    if (!history || history.records.length === 0) {
      process.stderr.write(`tandem replay: no document named ${JSON.stringify(name)} in ${archive.dataDir}\n`);
      return 1;
    }
    for (const problem of history.problems) process.stderr.write(`warning: ${describeProblem(problem)}\n`);
    const last = history.records.at(-1)?.seq ?? 0;
    const from = Math.max(1, wholeNumber(values.from, '--from') ?? 1);
    const to = Math.min(last, wholeNumber(values.to, '--to') ?? last);
    if (from > to) throw new UsageError(`nothing between --from ${from} and --to ${to} (the document has ${last} updates)`);

    // Without the final newline of the text export, so a change at the end reads naturally.
    const textOf = (d: Y.Doc): string => toText(d).replace(/\n$/, '');
    const doc = await docAt(history, from - 1);
    let text = textOf(doc);
    const width = String(to).length;
    for (const record of history.records) {
      if (record.seq < from || record.seq > to) continue;
      Y.applyUpdate(doc, record.update);
      const next = textOf(doc);
      const change = textChange(text, next);
      const head = `#${String(record.seq).padStart(width)}  ${new Date(record.timeMs).toISOString()}  ${record.author ?? '(unknown)'}`;
      const counts = change ? `  +${change.inserted.length} −${change.deleted.length}` : '';
      const body = change ? formatChange(text, change) : '(no change to the text: formatting or structure)';
      process.stdout.write(`${head}${counts}\n${' '.repeat(width + 3)}${body}\n`);
      text = next;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
    doc.destroy();
    return 0;
  },
};
