/**
 * Zip archives written by hand (zlib for the deflating), for tests of what an import unpacks:
 * honest ones, and ones whose directory lies about sizes or points many entries at one
 * compressed part (the overlapping "zip bomb").
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipPart {
  name: string;
  data: Uint8Array;
  /** Stored as is (method 0) rather than deflated. */
  stored?: boolean;
  /** The uncompressed size the directory declares, when it is to lie. */
  declaredSize?: number;
}

interface Written {
  name: Buffer;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

/**
 * The fields a local header and a central entry share, in the same order from `at` (the
 * method's offset): method, time, date, crc32, sizes, name length.
 */
function writeShared(buffer: Buffer, at: number, part: Written): void {
  buffer.writeUInt16LE(part.method, at);
  buffer.writeUInt32LE(part.crc, at + 6);
  buffer.writeUInt32LE(part.compressed, at + 10);
  buffer.writeUInt32LE(part.size, at + 14);
  buffer.writeUInt16LE(part.name.length, at + 18);
}

function localHeader(part: Written): Buffer {
  const head = Buffer.alloc(30);
  head.writeUInt32LE(0x04034b50, 0);
  head.writeUInt16LE(20, 4);
  writeShared(head, 8, part);
  return Buffer.concat([head, part.name]);
}

function centralEntry(part: Written): Buffer {
  const entry = Buffer.alloc(46);
  entry.writeUInt32LE(0x02014b50, 0);
  entry.writeUInt16LE(20, 4);
  entry.writeUInt16LE(20, 6);
  writeShared(entry, 10, part);
  entry.writeUInt32LE(part.offset, 42);
  return Buffer.concat([entry, part.name]);
}

function endOfDirectory(count: number, size: number, offset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return end;
}

/** A zip archive of `parts`, in order. */
export function zipOf(parts: readonly ZipPart[]): Buffer {
  const chunks: Buffer[] = [];
  const written: Written[] = [];
  let offset = 0;
  for (const part of parts) {
    const data = part.stored ? Buffer.from(part.data) : deflateRawSync(part.data);
    const entry: Written = {
      name: Buffer.from(part.name, 'utf8'),
      method: part.stored ? 0 : 8,
      crc: crc32(part.data) >>> 0,
      compressed: data.length,
      size: part.declaredSize ?? part.data.byteLength,
      offset,
    };
    const head = localHeader(entry);
    chunks.push(head, data);
    written.push(entry);
    offset += head.length + data.length;
  }
  const directory = Buffer.concat(written.map(centralEntry));
  return Buffer.concat([...chunks, directory, endOfDirectory(written.length, directory.length, offset)]);
}

/**
 * One deflated part of `kernelBytes` zeros, named by `copies` directory entries: a small file
 * whose directory says it unpacks to `copies` × `kernelBytes`.
 */
export function overlappingZip(copies: number, kernelBytes: number): Buffer {
  const kernel = Buffer.alloc(kernelBytes);
  const data = deflateRawSync(kernel, { level: 9 });
  const first: Written = { name: Buffer.from('word/document.xml'), method: 8, crc: crc32(kernel) >>> 0, compressed: data.length, size: kernelBytes, offset: 0 };
  const head = localHeader(first);
  const entries = Array.from({ length: copies }, (_, i) => centralEntry({ ...first, name: Buffer.from(i === 0 ? 'word/document.xml' : `word/media/copy${i}.bin`) }));
  const directory = Buffer.concat(entries);
  return Buffer.concat([head, data, directory, endOfDirectory(copies, directory.length, head.length + data.length)]);
}
