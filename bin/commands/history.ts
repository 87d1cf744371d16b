import { parseArgs } from 'node:util';
import { DEFAULT_PAUSE_MS, groupVersions, historyJson } from '../../persistence/history.js';
import { compactedMessage, lastSeq } from '../../persistence/replay.js';
import { UsageError, type Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { formatBytes } from './docs.js';
import { STORE_HELP, STORE_OPTIONS, storeFrom, withDocHistory } from '../data-dir-option.js';
import { describeAuthor, describeRestorer } from '../../persistence/author.js';

function help(): string {
  return [
    'Usage: tandem history <doc> [--pause 60] [--data-dir ./data | --database-url <url>] [--json]',
    '',
    "Shows a document's timeline: its recorded updates grouped into versions — a new version",
    'after a pause in editing, when the author changes, and after a named version — with',
    'sequence numbers, times, authors (for a restore: who asked for it), sizes and the names',
    'given to versions (`tandem version`). Use a sequence number, time or name:<version> with',
    '`tandem export --at`.',
    '',
    'Options:',
    `  --pause <seconds>  Pause that starts a new version (default ${DEFAULT_PAUSE_MS / 1000})`,
    STORE_HELP,
    '  --json             Print the same JSON as GET /api/docs/<doc>/history',
  ].join('\n');
}

export const historyCommand: Command = {
  name: 'history',
  summary: "Show a document's versions: sequence numbers, times, authors, sizes",
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, pause: { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: true,
    });
    const name = docNameArgument(positionals);
    const pauseS = values.pause === undefined ? DEFAULT_PAUSE_MS / 1000 : Number(values.pause);
    if (!Number.isFinite(pauseS) || pauseS < 0) throw new UsageError(`--pause must be a number of seconds, got "${values.pause}"`);
    return withDocHistory('history', name, storeFrom(values, env), async (history, opened) => {
      const named = await opened.archive.listVersions(name);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(historyJson(history, named, pauseS * 1000), null, 2)}\n`);
        return 0;
      }
      const versions = groupVersions(history.records, pauseS * 1000, new Set(named.map((v) => v.seq)));
      const records = lastSeq(history);
      const namedCount = named.length > 0 ? `, ${named.length} named` : '';
      process.stdout.write(`${JSON.stringify(name)}: ${records} ${records === 1 ? 'update' : 'updates'} in ${versions.length} ${versions.length === 1 ? 'version' : 'versions'}${namedCount}\n`);
      if (history.compacted) process.stdout.write(`(${compactedMessage(history)})\n`);
      const cut = history.compacted?.seq ?? 0;
      const before = named.filter((v) => v.seq < cut);
      if (before.length > 0) process.stdout.write(`(named before the compaction, now showing seq ${cut}: ${before.map((v) => `${JSON.stringify(v.name)} #${v.seq}`).join(', ')})\n`);
      process.stdout.write('\n');
      const rows = versions.map((v) => [
        v.fromSeq === v.toSeq ? `#${v.fromSeq}` : `#${v.fromSeq}–${v.toSeq}`,
        new Date(v.startMs).toISOString(),
        new Date(v.endMs).toISOString(),
        v.restore ? describeRestorer(v.restore.by) : v.authors.length > 0 ? v.authors.map(describeAuthor).join(', ') : '(unknown)',
        `${v.records} ${v.records === 1 ? 'update' : 'updates'}`,
        formatBytes(v.bytes),
        named.filter((n) => n.seq === v.toSeq).map((n) => JSON.stringify(n.name)).join(', '),
      ]);
      const header = ['SEQ', 'START', 'END', 'AUTHORS', 'UPDATES', 'SIZE', ...(named.length > 0 ? ['NAMED'] : [])];
      const all = [header, ...rows];
      const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
      for (const row of all) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
      // The process exits right after: let queued output reach a pipe first.
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      return 0;
    });
  },
};
