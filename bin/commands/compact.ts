import { parseArgs } from 'node:util';
import { CompactionError, type CompactionResult } from '../../persistence/compaction.js';
import type { DataDirLock } from '../../persistence/file/data-dir-lock.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { HistoryPointError, parseHistoryPoint, type HistoryPoint } from '../../persistence/replay.js';
import { UsageError, type Command } from '../command.js';
import { DATA_DIR_HELP, dataDirFrom } from '../data-dir-option.js';
import { TOKEN_HELP, callServer, serverOrLock, serverRefusal, tokenFrom } from '../write-target.js';
import { formatBytes } from './docs.js';

function help(): string {
  return [
    'Usage: tandem compact <doc> --before <seq|ISO time> [--data-dir ./data] [--token <jwt>]',
    '',
    "Drops a document's history before a point, for good: the document as it was at that point",
    '(a sequence number, or the last update at or before a time), its current content and the',
    'history after the point stay exactly as they were, with the same sequence numbers; earlier',
    'versions can no longer be shown, exported or restored. `tandem verify` passes after it.',
    '',
    'When a server is running on the data dir, the compaction goes through its HTTP API (it',
    'cannot be done beside it); otherwise it is done in the data dir, under its lock.',
    '',
    'Options:',
    '  --before <seq|time> Keep the state at this point and everything after it',
    DATA_DIR_HELP,
    TOKEN_HELP,
  ].join('\n');
}

function report(name: string, done: { cut: number; removed: number; bytesBefore: number; bytesAfter: number }, where: string): void {
  process.stdout.write(
    done.removed === 0
      ? `${JSON.stringify(name)} has no history before seq ${done.cut} left to drop; nothing to do${where}.\n`
      : `Compacted ${JSON.stringify(name)} before seq ${done.cut}: ${done.removed} ${done.removed === 1 ? 'update' : 'updates'} folded into the document as it was at seq ${done.cut}, which is kept with everything since; log ${formatBytes(done.bytesBefore)} → ${formatBytes(done.bytesAfter)}${where}.\n`,
  );
}

async function offline(dataDir: string, lock: DataDirLock, name: string, before: HistoryPoint): Promise<number> {
  const store = new FileStore(dataDir);
  let done: CompactionResult;
  try {
    done = await store.compact(name, before);
  } catch (error) {
    if (!(error instanceof CompactionError || error instanceof HistoryPointError)) throw error;
    process.stderr.write(`tandem compact: ${error.message}\n`);
    return 1;
  } finally {
    await store.close();
    await lock.release();
  }
  report(name, done, '');
  return 0;
}

export const compactCommand: Command = {
  name: 'compact',
  summary: "Drop a document's history before a point (keeps its state there and everything after)",
  help,
  async run(argv, env) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, before: { type: 'string' }, token: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const [name, ...extra] = positionals;
    if (name === undefined || extra.length > 0) throw new UsageError('give exactly one document name');
    if (values.before === undefined) throw new UsageError('--before is required');
    let before: HistoryPoint;
    try {
      before = parseHistoryPoint(values.before);
    } catch (error) {
      if (error instanceof HistoryPointError) throw new UsageError(`--before: ${error.message}`);
      throw error;
    }
    const dataDir = dataDirFrom(values['data-dir'], env);
    const access = await serverOrLock(dataDir, 'compact');
    if (access.kind === 'locked') return offline(dataDir, access.lock, name, before);
    const { url } = access;
    const body = JSON.stringify({ before: 'seq' in before ? before.seq : values.before });
    // Compacting a long history takes a while: the server answers when it is done.
    const answer = await callServer(url, 'POST', `/api/docs/${encodeURIComponent(name)}/compact`, { token: tokenFrom(values.token, env), type: 'application/json', body, timeoutMs: 600_000 });
    if (!answer.ok) {
      process.stderr.write(serverRefusal('compact', url, answer));
      return 1;
    }
    const number = (key: string): number => Number(answer.body[key] ?? 0);
    report(name, { cut: number('compactedBefore'), removed: number('removed'), bytesBefore: number('bytesBefore'), bytesAfter: number('bytesAfter') }, ` (through the server at ${url})`);
    return 0;
  },
};
