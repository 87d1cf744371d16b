import { parseArgs } from 'node:util';
import { CompactionError, type CompactionResult } from '../../persistence/compaction.js';
import type { DataDirLock } from '../../persistence/file/data-dir-lock.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { compactDocument } from '../../persistence/postgres/history-compaction.js';
import { HistoryPointError } from '../../persistence/replay.js';
import { compactionPoint } from '../../persistence/version-point.js';
import type { Command } from '../command.js';
import { docNameArgument } from '../doc-name-argument.js';
import { pointFlag } from '../history-point-flag.js';
import { STORE_HELP, STORE_OPTIONS, openDatabase, storeFrom } from '../data-dir-option.js';
import { TOKEN_HELP, callServer, serverOrLock, serverRefusal, tokenFrom } from '../write-target.js';
import { formatBytes } from './docs.js';
import type { NamedVersion } from '../../persistence/named-versions.js';
import { PostgresVersions } from '../../persistence/postgres/pg-versions.js';

function help(): string {
  return [
    'Usage: tandem compact <doc> --before <seq|ISO time|name:version> [--data-dir ./data | --database-url <url>] [--token <jwt>]',
    '',
    "Drops a document's history before a point, for good: the document as it was at that point",
    '(a sequence number, the last update at or before a time, or a named version), its current content and the',
    'history after the point stay exactly as they were, with the same sequence numbers; earlier',
    'versions can no longer be shown, exported or restored. `tandem verify` passes after it.',
    'Named versions are kept: one named before the point keeps its name and sequence number,',
    'and from then on shows the document at the point, the earliest state kept.',
    '',
    'When a server is running on the data dir, the compaction goes through its HTTP API (it',
    'cannot be done beside it); otherwise it is done in the data dir, under its lock. In a',
    'database it is one transaction, done while servers keep running on it.',
    '',
    'Options:',
    '  --before <point>    Keep the state at this point and everything after it',
    STORE_HELP,
    TOKEN_HELP,
  ].join('\n');
}

/** `kept`: what the sizes are of ("log" in a data dir, "stored" in a database). */
function report(name: string, done: { cut: number; removed: number; bytesBefore: number; bytesAfter: number }, where: string, kept = 'log'): void {
  process.stdout.write(
    done.removed === 0
      ? `${JSON.stringify(name)} has no history before seq ${done.cut} left to drop; nothing to do${where}.\n`
      : `Compacted ${JSON.stringify(name)} before seq ${done.cut}: ${done.removed} ${done.removed === 1 ? 'update' : 'updates'} folded into the document as it was at seq ${done.cut}, which is kept with everything since; ${kept} ${formatBytes(done.bytesBefore)} → ${formatBytes(done.bytesAfter)}${where}.\n`,
  );
}

/** Says which named versions now show the document at the cut instead of their own point. */
function noteNamed(versions: readonly { name: string; seq: number }[], cut: number): void {
  const before = versions.filter((v) => v.seq < cut);
  if (before.length === 0) return;
  process.stdout.write(`Named ${before.length === 1 ? 'version' : 'versions'} from before seq ${cut} ${before.length === 1 ? 'is' : 'are'} kept and now ${before.length === 1 ? 'shows' : 'show'} the document at seq ${cut}: ${before.map((v) => `${JSON.stringify(v.name)} (seq ${v.seq})`).join(', ')}.\n`);
}

/** Runs a compaction; a refusal (damage, a point past the end) is printed: exit code 1. */
async function attempt(compacting: () => Promise<CompactionResult>): Promise<CompactionResult | null> {
  try {
    return await compacting();
  } catch (error) {
    if (!(error instanceof CompactionError || error instanceof HistoryPointError)) throw error;
    process.stderr.write(`tandem compact: ${error.message}\n`);
    return null;
  }
}

/** In the database itself, servers running or not: compaction leaves what they hold valid. */
async function inDatabase(url: string, name: string, before: string): Promise<number> {
  const db = await openDatabase(url);
  try {
    const versions = new PostgresVersions(db);
    const done = await attempt(async () => compactDocument(db, name, await compactionPoint(name, before, () => versions.listVersions(name), '--before')));
    if (!done) return 1;
    report(name, done, ` in ${db.label}`, 'stored');
    noteNamed(await versions.listVersions(name), done.cut);
    return 0;
  } finally {
    await db.close();
  }
}

async function offline(dataDir: string, lock: DataDirLock, name: string, before: string): Promise<number> {
  const store = new FileStore(dataDir);
  let done: CompactionResult | null;
  let named: NamedVersion[] = [];
  try {
    done = await attempt(async () => store.compact(name, await compactionPoint(name, before, () => store.listVersions(name), '--before')));
    if (done) named = await store.listVersions(name);
  } finally {
    await store.close();
    await lock.release();
  }
  if (!done) return 1;
  report(name, done, '');
  noteNamed(named, done.cut);
  return 0;
}

export const compactCommand: Command = {
  name: 'compact',
  summary: "Drop a document's history before a point (keeps its state there and everything after)",
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...STORE_OPTIONS, before: { type: 'string' }, token: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const name = docNameArgument(positionals);
    const before = pointFlag(values.before, '--before');
    const choice = storeFrom(values, env);
    if (choice.kind === 'database') return inDatabase(choice.url, name, before);
    const { dataDir } = choice;
    const access = await serverOrLock(dataDir, 'compact');
    if (access.kind === 'locked') return offline(dataDir, access.lock, name, before);
    const { url } = access;
    const body = JSON.stringify({ before: /^\d+$/.test(before.trim()) ? Number(before.trim()) : before });
    // Compacting a long history takes a while: the server answers when it is done.
    const answer = await callServer(url, 'POST', `/api/docs/${encodeURIComponent(name)}/compact`, { token: tokenFrom(values.token, env), type: 'application/json', body, timeoutMs: 600_000 });
    if (!answer.ok) {
      process.stderr.write(serverRefusal('compact', url, answer));
      return 1;
    }
    const number = (key: string): number => Number(answer.body[key] ?? 0);
    report(name, { cut: number('compactedBefore'), removed: number('removed'), bytesBefore: number('bytesBefore'), bytesAfter: number('bytesAfter') }, ` (through the server at ${url})`);
    const listed = await callServer(url, 'GET', `/api/docs/${encodeURIComponent(name)}/versions`, { token: tokenFrom(values.token, env) });
    if (listed.ok) noteNamed(listed.body['versions'] as { name: string; seq: number }[], number('compactedBefore'));
    return 0;
  },
};
