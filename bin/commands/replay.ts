import { parseArgs } from 'node:util';
import { compactedMessage, docAt, lastSeq } from '../../persistence/replay.js';
import { describeAuthor } from '../../persistence/author.js';
import { formatChange } from '../../persistence/text-diff.js';
import { TextTracker } from '../../persistence/text-tracker.js';
import { UsageError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom, withDocHistory } from '../data-dir-option.js';

function help(): string {
  return [
    'Usage: tandem replay <doc> [--from <seq>] [--to <seq>] [--delay <ms>] [--data-dir ./data | --database-url <url>]',
    '',
    "Steps through a document's recorded updates: for each one its sequence number, server",
    'time, author and what it changed in the text — one line per paragraph changed — as',
    '  …context [-deleted-]{+inserted+} context…',
    'Updates that change no text (formatting, structure) say so.',
    '',
    'Options:',
    '  --from <seq>       First update to show (default 1)',
    '  --to <seq>         Last update to show (default: the latest)',
    '  --delay <ms>       Pause between updates, to watch the document being written (default 0)',
    STORE_HELP,
  ].join('\n');
}

/** Resolves when stdout can take more, or has failed (the error listener below records why). */
const drained = (): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('error', done);
  });

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
      options: { ...STORE_OPTIONS, from: { type: 'string' }, to: { type: 'string' }, delay: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const name = docNameArgument(positionals);
    const delay = wholeNumber(values.delay, '--delay') ?? 0;
    return withDocHistory('replay', name, storeFrom(values, env), async (history) => {
      const last = lastSeq(history);
      const first = (history.compacted?.seq ?? 0) + 1;
      const fromFlag = wholeNumber(values.from, '--from');
      // Replaying record n starts from the state before it, which compaction may have dropped.
      if (fromFlag !== undefined && fromFlag < first && history.compacted) throw new UsageError(`--from: ${compactedMessage(history)}`);
      const from = Math.max(first, fromFlag ?? first);
      const to = Math.min(last, wholeNumber(values.to, '--to') ?? last);
      if (from > to) throw new UsageError(`nothing between --from ${from} and --to ${to} (the document has ${last} updates)`);

      // A reader that stops early (`| head`) closes the pipe: then stop quietly.
      let pipeClosed = false;
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        pipeClosed = true;
      });
      const doc = await docAt(history, from - 1);
      // Looks only at the texts each update touches, so long histories replay quickly.
      const tracker = new TextTracker(doc);
      const width = String(to).length;
      const indent = ' '.repeat(width + 3);
      for (const record of history.records) {
        if (pipeClosed) break;
        if (record.seq < from || record.seq > to) continue;
        const changes = tracker.apply(record.update);
        const inserted = changes.reduce((n, c) => n + c.inserted.length, 0);
        const deleted = changes.reduce((n, c) => n + c.deleted.length, 0);
        const head = `#${String(record.seq).padStart(width)}  ${new Date(record.timeMs).toISOString()}  ${describeAuthor(record.author)}`;
        const lines = changes.length > 0 ? changes.map((c) => formatChange(c.before, c)) : ['(no change to the text: formatting or structure)'];
        // Respect the pipe's pace (e.g. into `less`), and never exit with output still queued.
        if (!process.stdout.write(`${head}${changes.length > 0 ? `  +${inserted} −${deleted}` : ''}\n${lines.map((l) => `${indent}${l}\n`).join('')}`)) {
          await drained();
        }
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
      tracker.destroy();
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      doc.destroy();
      return 0;
    });
  },
};
