/**
 * Writes a checkpoint of a document — its merged, garbage-collected state at the last durable
 * record — atomically: temp file, fdatasync, rename, fsync of the directory. Then removes all
 * but the newest `keep` checkpoints (older ones stay as fallbacks should the newest be damaged).
 */
import { join } from 'node:path';
import * as Y from 'yjs';
import { checkpointFileName, parseRecords, readCompactedBase } from './doc-files.js';
import type { CheckpointPosition, DocLog } from './doc-log.js';
import { decodeCheckpoint, encodeCheckpoint, isFormatProblem } from './record-format.js';
import type { StoreFs } from './store-fs.js';

const CHECKPOINT_FILE_RE = /^checkpoint-\d{12}$/;

export interface CheckpointOptions {
  keep: number;
  fsync: boolean;
}

export async function writeCheckpoint(fs: StoreFs, log: DocLog, options: CheckpointOptions): Promise<CheckpointPosition | null> {
  // Captured now: records written while this runs belong to the next checkpoint.
  const seq = log.fileSeq;
  const end = log.end;
  const last = log.lastRecord;
  const previous = log.checkpoint;
  const from = previous?.logEnd ?? log.firstRecordOffset;
  if (!last || from === null || seq === 0 || previous?.seq === seq) return null;

  const doc = new Y.Doc({ gc: true });
  try {
    if (previous?.path === log.logPath) {
      // The base of a compacted log, in its header.
      Y.applyUpdate(doc, await readCompactedBase(fs, log.logPath));
    } else if (previous) {
      const decoded = decodeCheckpoint(await fs.readFile(previous.path));
      if (isFormatProblem(decoded)) throw new Error(`${previous.path}: ${decoded.problem}`);
      Y.applyUpdate(doc, decoded.state);
    }
    const handle = await fs.open(log.logPath, 'r');
    let bytes: Buffer;
    try {
      bytes = await handle.read(end - from, from);
    } finally {
      await handle.close();
    }
    const parsed = parseRecords(bytes, from, from, (previous?.seq ?? 0) + 1);
    if (parsed.tail || parsed.records.at(-1)?.seq !== seq) {
      throw new Error(`${log.logPath}: records before offset ${end} do not read back (${parsed.tail?.message ?? 'sequence mismatch'})`);
    }
    Y.transact(doc, () => {
      for (const record of parsed.records) Y.applyUpdate(doc, record.update);
    });
    const state = Y.encodeStateAsUpdate(doc);
    const path = join(log.dir, checkpointFileName(seq));
    const encoded = encodeCheckpoint({
      name: log.name, seq, timeMs: last.timeMs, recordOffset: last.offset, logEnd: end, recordCrc: last.crc, state,
    });
    const temp = `${path}.tmp`;
    const handleOut = await fs.open(temp, 'w');
    try {
      await handleOut.writeAll(encoded, 0);
      if (options.fsync) await handleOut.datasync();
    } finally {
      await handleOut.close();
    }
    await fs.rename(temp, path);
    if (options.fsync) await fs.syncDir(log.dir);
    await prune(fs, log.dir, options.keep);
    return { path, seq, logEnd: end };
  } finally {
    doc.destroy();
  }
}

async function prune(fs: StoreFs, dir: string, keep: number): Promise<void> {
  const checkpoints = (await fs.readdir(dir)).filter((e) => CHECKPOINT_FILE_RE.test(e)).sort().reverse();
  const old = checkpoints.slice(keep);
  for (const entry of old) await fs.unlink(join(dir, entry));
  if (old.length > 0) await fs.syncDir(dir);
}

/** Checkpoints waiting to be written, one at a time: they cost CPU, and nothing waits for them. */
export class CheckpointQueue {
  private readonly queue: DocLog[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly fs: StoreFs,
    private readonly options: CheckpointOptions,
    /** Whether a document has logged enough since its last checkpoint to need a new one. */
    private readonly due: (log: DocLog) => boolean,
    private readonly report: { written(log: DocLog): void; failed(log: DocLog, error: unknown): void },
  ) {}

  /** Queues a checkpoint of `log` if it is due and not already queued or being written. */
  offer(log: DocLog): void {
    if (!this.due(log) || log.checkpointing || log.compacting || this.queue.includes(log)) return;
    this.queue.push(log);
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
  }

  /** Resolves once no checkpoint is being written. */
  async idle(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<void> {
    for (let log = this.queue.shift(); log; log = this.queue.shift()) {
      const current = log;
      // Offered again once the compaction ends; the log's positions are about to change.
      if (current.compacting) continue;
      const job = writeCheckpoint(this.fs, current, this.options).then(
        (written) => {
          if (!written) return;
          current.checkpoint = written;
          // Records made durable while the checkpoint was written count toward the next one.
          current.sinceCheckpoint = { records: current.fileSeq - written.seq, bytes: current.end - written.logEnd };
          this.report.written(current);
        },
        (error: unknown) => this.report.failed(current, error),
      );
      current.checkpointing = job;
      await job;
      current.checkpointing = null;
      // Records kept coming while it was written (a burst): catch up now, not at the next write.
      if (this.due(current)) this.queue.push(current);
    }
  }
}
