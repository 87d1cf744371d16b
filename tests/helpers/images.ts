/**
 * Small real image files of each accepted type, and files that look like images but are not,
 * for the upload tests. `png(width, height)` draws a solid rectangle, so a browser can show it.
 */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG of one colour; `noise` makes its bytes (and so its hash) differ without changing its size much. */
export function png(width: number, height: number, rgb: [number, number, number] = [200, 40, 40], noise = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, no interlace
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const copy = Buffer.from(row);
    if (noise > 0) copy[1 + ((y * 7) % width) * 3] = (noise + y) & 0xff;
    rows.push(copy);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: noise > 0 ? 0 : 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A real PNG of exactly `bytes` bytes: a small picture padded with a private ancillary chunk
 * (`zzPd`: lowercase first letter, so decoders skip it), for tests at a size limit.
 */
export function pngOfSize(bytes: number, rgb: [number, number, number] = [30, 90, 200]): Buffer {
  const picture = png(16, 16, rgb);
  const iend = picture.subarray(picture.length - 12);
  const filler = bytes - picture.length - 12; // a chunk's length, type and CRC take 12 bytes
  if (filler < 0) throw new Error(`a PNG cannot be as small as ${bytes} bytes`);
  return Buffer.concat([picture.subarray(0, picture.length - 12), chunk('zzPd', Buffer.alloc(filler)), iend]);
}

const b64 = (text: string): Buffer => Buffer.from(text, 'base64');

/** One real small file per accepted type, with the type the server must answer. */
export const SAMPLE_IMAGES: { name: string; type: string; bytes: Buffer }[] = [
  { name: 'dot.png', type: 'image/png', bytes: png(3, 2) },
  {
    name: 'dot.jpg',
    type: 'image/jpeg',
    bytes: b64(
      '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
    ),
  },
  { name: 'dot.gif', type: 'image/gif', bytes: b64('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7') },
  { name: 'dot.webp', type: 'image/webp', bytes: b64('UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA') },
];

export const SVG = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>\n');

/** A Windows program's first bytes (the DOS header and stub), as a renamed `.exe` would send. */
export const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.from('This program cannot be run in DOS mode.\r\r\n$'), Buffer.alloc(400)]);
