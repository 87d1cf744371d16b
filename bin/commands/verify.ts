import { parseArgs } from 'node:util';
import { describeHolder, readLiveLock } from '../../persistence/file/data-dir-lock.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { carriedOverName } from '../../sync-server/doc-name.js';
import type { Command } from '../command.js';
import { STORE_HELP, STORE_OPTIONS, openDatabase, storeFrom } from '../data-dir-option.js';
import { verifyDatabase } from '../../persistence/postgres/postgres-verify.js';
import type { DocReport, TrashDocReport, VerifyReport } from '../../persistence/verify-report.js';
import { describeProblem } from '../../persistence/record.js';

function help(): string {
  return [
    'Usage: tandem verify [--data-dir ./data | --database-url <url>] [--quiet]',
    '',
    'Checks every checksum of every log and checkpoint, replays every document from its first',
    'update and compares each checkpoint with the replay. Prints each problem with its file',
    'and byte offset. Exits 1 if anything is damaged, 0 otherwise (warnings — traces of',
    'earlier recoveries, an interrupted last write — do not fail it). Safe while the server runs.',
    'Also checks document names: one stored by an earlier version that the next `tandem serve`',
    'renames is a warning; one it cannot rename (another document has that name) is an error.',
    'With --database-url: checks that every document\'s records run from 1 to its last sequence',
    'number with none missing, replays them and compares each checkpoint with the replay.',
    'Documents in the trash are checked as well (they can be restored), and listed as such.',
    '',
    'Options:',
    STORE_HELP,
    '  --quiet            Print only problems',
  ].join('\n');
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Check every checksum and replay every document; non-zero exit on damage',
  help,
  async run(argv, env) {
    const { values } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, quiet: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    });
    const choice = storeFrom(values, env);
    let report: VerifyReport;
    if (choice.kind === 'database') {
      const db = await openDatabase(choice.url);
      try {
        report = await verifyDatabase(db);
      } finally {
        await db.close();
      }
    } else {
      const server = await readLiveLock(choice.dataDir);
      if (server && !values.quiet) process.stdout.write(`The data dir is in use by ${describeHolder(server)}; its last writes may be in progress.\n`);
      report = await verifyDataDir(choice.dataDir, { live: server !== null, names: carriedOverName });
    }
    const out = (line: string): boolean => process.stdout.write(`${line}\n`);
    for (const problem of report.errors) out(`ERROR ${describeProblem(problem)}`);
    for (const problem of report.warnings) out(`warning ${describeProblem(problem)}`);
    const trashed = (doc: DocReport | TrashDocReport): string => ('trashId' in doc ? ` (in the trash since ${new Date(doc.deletedAtMs).toISOString()}, id ${doc.trashId})` : '');
    for (const doc of [...report.docs, ...report.trash]) {
      const failed = doc.errors.length > 0;
      if (!failed && values.quiet && doc.warnings.length === 0) continue;
      const compacted = doc.compacted ? ` (history before seq ${doc.compacted.seq} compacted on ${new Date(doc.compacted.compactedAtMs).toISOString()})` : '';
      out(`${failed ? 'FAIL' : 'ok  '} ${JSON.stringify(doc.name)}${trashed(doc)}: ${doc.records} updates${compacted}, ${doc.checkpoints} checkpoints`);
      for (const problem of doc.errors) out(`     ERROR ${describeProblem(problem)}`);
      for (const problem of doc.warnings) out(`     warning ${describeProblem(problem)}`);
    }
    const checked = report.docs.length + report.trash.length;
    const failedDocs = [...report.docs, ...report.trash].filter((d) => d.errors.length > 0).length;
    const counted = `${report.docs.length} documents${report.trash.length > 0 ? ` and ${report.trash.length} in the trash` : ''}`;
    out(report.ok ? `verified ${counted}: no damage` : `damage found: ${failedDocs} of ${checked} documents${report.trash.length > 0 ? ` (${report.trash.length} in the trash)` : ''}, ${report.errors.length} other problems`);
    // The process exits right after: let queued output reach a pipe first.
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    return report.ok ? 0 : 1;
  },
};
