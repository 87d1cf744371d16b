/**
 * A backup of a data dir as one byte stream, so a running server can hand a consistent copy to
 * `tandem backup` over its HTTP API (`GET /api/backup`), and the receiving side can check it:
 *
 *   backup := "TANDEMBK" • u16(version = 1) • file* • u16(0)
 *   file   := u16(pathLength) • path • chunk* • u32(0) • u32(crc32 of the file's bytes)
 *   chunk  := u32(length ≥ 1) • bytes
 *
 * Big-endian. `path` is relative to the data dir (`docs/<dir>/log`, `docs/<dir>/checkpoint-…`,
 * `docs/<dir>/versions` for its named versions,
 * `docs/<dir>/files/<sha256>` for a document's images, `trash/<id>/trashed.json` and
 * `trash/<id>/docs/<dir>/…` for the trash);
 * files are sent in chunks because a log's length is known only once it has been read.
 * A stream that ends without the final u16(0) was cut short: the copy is incomplete.
 */
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from('TANDEMBK', 'latin1');
const VERSION = 1;
/**
 * What a backup may hold: documents' logs, checkpoints, orphaned checkpoints, named versions and files (images),
 * live or in the trash (with each entry's marker), nothing else.
 */
const DOC_FILE = String.raw`docs/[a-z0-9_^%=-]+/(log|versions|checkpoint-\d{12}|orphan-\d{12}|files/[0-9a-f]{64})`;
const PATH_RE = new RegExp(String.raw`^(trash/\d+-[0-9a-f]{8}/(trashed\.json|${DOC_FILE})|${DOC_FILE})$`);

export class BackupStreamError extends Error {
  readonly code = 'ERR_BACKUP_STREAM';
}

/** Where a backup's files go, one at a time, each in order. */
export interface BackupSink {
  file(path: string): Promise<BackupFileWriter>;
}

export interface BackupFileWriter {
  write(bytes: Uint8Array): Promise<void>;
  end(): Promise<void>;
}

export function checkBackupPath(path: string): void {
  if (!PATH_RE.test(path)) throw new BackupStreamError(`${JSON.stringify(path)} is not a file a backup holds`);
}

/** Encodes a backup into a byte stream through `send` (which may wait: back-pressure). */
export class BackupStreamWriter implements BackupSink {
  private started = false;

  constructor(private readonly send: (bytes: Uint8Array) => Promise<void>) {}

  async file(path: string): Promise<BackupFileWriter> {
    checkBackupPath(path);
    await this.start();
    const name = Buffer.from(path, 'utf8');
    const head = Buffer.alloc(2);
    head.writeUInt16BE(name.length, 0);
    await this.send(Buffer.concat([head, name]));
    let crc = 0;
    return {
      write: async (bytes) => {
        if (bytes.byteLength === 0) return;
        crc = crc32(bytes, crc);
        const length = Buffer.alloc(4);
        length.writeUInt32BE(bytes.byteLength, 0);
        await this.send(length);
        await this.send(bytes);
      },
      end: async () => {
        const tail = Buffer.alloc(8);
        tail.writeUInt32BE(crc >>> 0, 4);
        await this.send(tail);
      },
    };
  }

  /** Ends the stream: everything was sent. */
  async close(): Promise<void> {
    await this.start();
    await this.send(Buffer.alloc(2));
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const head = Buffer.alloc(MAGIC.length + 2);
    MAGIC.copy(head, 0);
    head.writeUInt16BE(VERSION, MAGIC.length);
    await this.send(head);
  }
}

/** Exact reads from a stream of chunks. */
class ByteReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  async read(length: number): Promise<Buffer> {
    while (this.buffered.length < length) {
      const next = await this.source.next();
      if (next.done) throw new BackupStreamError('the backup stream ended early: the copy is incomplete');
      this.buffered = this.buffered.length === 0 ? Buffer.from(next.value) : Buffer.concat([this.buffered, next.value]);
    }
    const out = this.buffered.subarray(0, length);
    this.buffered = this.buffered.subarray(length);
    return out;
  }

  async atEnd(): Promise<boolean> {
    if (this.buffered.length > 0) return false;
    const next = await this.source.next();
    if (next.done) return true;
    this.buffered = Buffer.from(next.value);
    return this.buffered.length === 0 ? this.atEnd() : false;
  }
}

/** Decodes a backup stream into `sink`, checking every path and every file's checksum. */
export async function readBackupStream(source: AsyncIterable<Uint8Array>, sink: BackupSink): Promise<{ files: number; bytes: number }> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  const head = await reader.read(MAGIC.length + 2);
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupStreamError('not a Tandem backup stream');
  const version = head.readUInt16BE(MAGIC.length);
  if (version !== VERSION) throw new BackupStreamError(`backup stream version ${version} is not supported (this build reads ${VERSION})`);
  let files = 0;
  let bytes = 0;
  for (;;) {
    const nameLength = (await reader.read(2)).readUInt16BE(0);
    if (nameLength === 0) break;
    const path = (await reader.read(nameLength)).toString('utf8');
    checkBackupPath(path);
    const out = await sink.file(path);
    let crc = 0;
    for (;;) {
      const length = (await reader.read(4)).readUInt32BE(0);
      if (length === 0) break;
      const chunk = await reader.read(length);
      crc = crc32(chunk, crc);
      bytes += length;
      await out.write(chunk);
    }
    await out.end();
    if ((await reader.read(4)).readUInt32BE(0) !== crc >>> 0) throw new BackupStreamError(`${path}: checksum mismatch in the backup stream`);
    files += 1;
  }
  if (!(await reader.atEnd())) throw new BackupStreamError('unexpected bytes after the end of the backup stream');
  return { files, bytes };
}
