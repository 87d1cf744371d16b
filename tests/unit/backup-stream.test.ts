/**
 * The backup stream: what one side writes the other reads back file for file; a stream cut
 * short, a damaged chunk or a path outside a data dir's documents is refused, never written.
 */
import { describe, expect, it } from 'vitest';
import { BackupStreamError, BackupStreamWriter, readBackupStream, type BackupSink } from '../../persistence/file/backup-stream.js';

async function encode(files: [string, Buffer[]][]): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const writer = new BackupStreamWriter(async (bytes) => void parts.push(Buffer.from(bytes)));
  for (const [path, chunks] of files) {
    const out = await writer.file(path);
    for (const chunk of chunks) await out.write(chunk);
    await out.end();
  }
  await writer.close();
  return Buffer.concat(parts);
}

function collect(): BackupSink & { files: Map<string, Buffer> } {
  const files = new Map<string, Buffer>();
  return {
    files,
    async file(path) {
      const chunks: Buffer[] = [];
      return { write: async (bytes) => void chunks.push(Buffer.from(bytes)), end: async () => void files.set(path, Buffer.concat(chunks)) };
    },
  };
}

/** The bytes in pieces of 3, as a network would deliver them. */
async function* pieces(bytes: Buffer): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 3) yield bytes.subarray(at, at + 3);
}

describe('backup stream', () => {
  it('round-trips files of any size, in any slicing', async () => {
    const big = Buffer.alloc(70_000, 7);
    const image = `docs/n=a/files/${'ab'.repeat(32)}`;
    const trashed = ['trash/1740924311201-3fa2b1c9/trashed.json', 'trash/1740924311201-3fa2b1c9/docs/n=b/log'];
    const stream = await encode([
      ['docs/n=a/log', [Buffer.from('TANDEMLG…'), big]], ['docs/n=a/checkpoint-000000000010', [Buffer.from('cp')]], [image, [Buffer.from('PNG')]],
      ['docs/h=ab%20=x/log', []], [trashed[0] ?? '', [Buffer.from('{}')]], [trashed[1] ?? '', [Buffer.from('L')]],
    ]);
    const sink = collect();
    expect(await readBackupStream(pieces(stream), sink)).toEqual({ files: 6, bytes: 9 + 70_000 + 2 + 3 + 0 + 2 + 1 + 2 });
    expect(sink.files.get(image)?.toString()).toBe('PNG');
    expect(sink.files.get('docs/n=a/log')?.equals(Buffer.concat([Buffer.from('TANDEMLG…'), big]))).toBe(true);
    expect(sink.files.get('docs/h=ab%20=x/log')?.length).toBe(0);
  });

  it('refuses a stream cut short, a damaged byte and a path outside the documents', async () => {
    const stream = await encode([['docs/n=a/log', [Buffer.from('hello world')]]]);
    await expect(readBackupStream(pieces(stream.subarray(0, stream.length - 1)), collect())).rejects.toThrow('ended early');
    const damaged = Buffer.from(stream);
    damaged[30] = (damaged[30] ?? 0) ^ 1;
    await expect(readBackupStream(pieces(damaged), collect())).rejects.toThrow('checksum mismatch');
    const notAFile = ['docs/n=a/files/abc', `docs/n=a/files/${'ab'.repeat(32)}.1.tmp`, 'docs/n=a/files/../log', 'trash/x/trashed.json', 'trash/1-3fa2b1c9/log', 'trash/.purge-1-3fa2b1c9/trashed.json'];
    for (const path of ['../etc/passwd', 'docs/../../x/log', 'docs/n=a/log.corrupt-1-2', 'tandem.lock', '/docs/n=a/log', ...notAFile]) {
      await expect(encode([[path, []]])).rejects.toBeInstanceOf(BackupStreamError);
    }
    // A hand-made stream naming a path outside: refused before anything is written.
    const evil = Buffer.from(stream);
    const at = evil.indexOf('docs/n=a/log');
    evil.write('../../../log', at, 'latin1');
    const sink = collect();
    await expect(readBackupStream(pieces(evil), sink)).rejects.toBeInstanceOf(BackupStreamError);
    expect(sink.files.size).toBe(0);
  });
});
