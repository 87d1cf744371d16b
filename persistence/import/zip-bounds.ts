/**
 * A Word file is a zip archive, and a zip can unpack to far more than its own size (a "zip
 * bomb": a few hundred kilobytes that inflate to gigabytes). The converter (mammoth, through
 * JSZip) unpacks entries whole in memory, so before it sees a file this reads the archive's
 * central directory and refuses one that would unpack past the limits:
 *
 *   - at most `maxEntries` entries;
 *   - the uncompressed sizes the directory declares add up to at most `maxUnpackedBytes`;
 *   - no entry unpacks to more than it declares: each is inflated here, with zlib's output
 *     capped at its declared size, so a directory that lies is caught before any converter
 *     believes it.
 *
 * Grammar (APPNOTE.TXT; integers little-endian):
 *
 *   end of central directory := u32(0x06054b50) • u16 disk • u16 directory's disk
 *       • u16 entries on this disk • u16 entries • u32 directory size • u32 directory offset
 *       • u16 comment length • comment                      (the last 22..65,557 bytes)
 *   central entry := u32(0x02014b50) • u16 made by • u16 needed • u16 flags • u16 method
 *       • u16 time • u16 date • u32 crc32 • u32 compressed size • u32 uncompressed size
 *       • u16 name length • u16 extra length • u16 comment length • u16 disk • u16 internal
 *       • u32 external • u32 local header offset • name • extra • comment
 *   local header := u32(0x04034b50) • u16 needed • u16 flags • u16 method • u16 time • u16 date
 *       • u32 crc32 • u32 compressed • u32 uncompressed • u16 name length • u16 extra length
 *       • name • extra • data (the central entry's compressed size of it)
 *
 * ZIP64 (a size or count at its maximum: 4 GiB, 65,535 entries) is past every limit here.
 */
import { inflateRawSync } from 'node:zlib';

export interface ZipBounds {
  maxUnpackedBytes: number;
  maxEntries: number;
}

/** Why an archive is refused: `too-large` past a bound, `malformed` not a readable zip. */
export class ZipRefusal extends Error {
  readonly code = 'ERR_ZIP_REFUSED';

  constructor(
    readonly reason: 'too-large' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const MAX_COMMENT = 0xffff;
const ZIP64_SIZE = 0xffffffff;
const ZIP64_COUNT = 0xffff;
const STORED = 0;
const DEFLATED = 8;
const ENCRYPTED_FLAG = 0x1;

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  compressed: number;
  uncompressed: number;
  localOffset: number;
}

const malformed = (why: string): ZipRefusal => new ZipRefusal('malformed', why);

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return `${+(bytes / 1024).toFixed(1)} KiB`;
}

/** The end of central directory record's offset: the last signature that leaves room for its comment. */
function findEnd(view: DataView): number {
  const last = view.byteLength - EOCD_BYTES;
  for (let at = last; at >= 0 && at >= last - MAX_COMMENT; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE && at + EOCD_BYTES + view.getUint16(at + 20, true) <= view.byteLength) return at;
  }
  throw malformed('it has no zip directory (the file is cut short, or not a zip archive)');
}

function readDirectory(bytes: Uint8Array, bounds: ZipBounds): CentralEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEnd(view);
  const count = view.getUint16(end + 10, true);
  const size = view.getUint32(end + 12, true);
  const offset = view.getUint32(end + 16, true);
  if (count === ZIP64_COUNT || size === ZIP64_SIZE || offset === ZIP64_SIZE) {
    throw new ZipRefusal('too-large', 'it is a ZIP64 archive (over 4 GiB or 65,535 files), larger than any Word file this server imports');
  }
  if (count > bounds.maxEntries) throw new ZipRefusal('too-large', `it holds ${count} files, more than the ${bounds.maxEntries} a Word file may hold here`);
  if (offset + size > end) throw malformed('its zip directory lies outside the file');
  const entries: CentralEntry[] = [];
  let declared = 0;
  for (let at = offset; entries.length < count; ) {
    if (at + CENTRAL_BYTES > offset + size || view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw malformed('its zip directory is damaged');
    const nameLength = view.getUint16(at + 28, true);
    const entry: CentralEntry = {
      name: Buffer.from(bytes.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameLength)).toString('utf8'),
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      compressed: view.getUint32(at + 20, true),
      uncompressed: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    };
    if (entry.compressed === ZIP64_SIZE || entry.uncompressed === ZIP64_SIZE || entry.localOffset === ZIP64_SIZE) {
      throw new ZipRefusal('too-large', `its part ${JSON.stringify(entry.name)} is a ZIP64 entry (over 4 GiB), larger than any Word file this server imports`);
    }
    declared += entry.uncompressed;
    if (declared > bounds.maxUnpackedBytes) {
      throw new ZipRefusal('too-large', `it unpacks to more than ${sizeText(bounds.maxUnpackedBytes)}, the most this server unpacks from one Word file`);
    }
    entries.push(entry);
    at += CENTRAL_BYTES + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

/** The entry's compressed bytes, found through its local header. */
function entryData(bytes: Uint8Array, entry: CentralEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + LOCAL_BYTES > bytes.byteLength || view.getUint32(at, true) !== LOCAL_SIGNATURE) throw malformed(`its part ${JSON.stringify(entry.name)} is missing`);
  const start = at + LOCAL_BYTES + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressed > bytes.byteLength) throw malformed(`its part ${JSON.stringify(entry.name)} is cut short`);
  return bytes.subarray(start, start + entry.compressed);
}

/** Inflates the entry with its output capped just past what it declares; throws if it holds more. */
function checkEntry(bytes: Uint8Array, entry: CentralEntry): void {
  if (entry.flags & ENCRYPTED_FLAG) throw malformed(`its part ${JSON.stringify(entry.name)} is encrypted (save the document without a password first)`);
  const data = entryData(bytes, entry);
  const overstated = new ZipRefusal('too-large', `its part ${JSON.stringify(entry.name)} unpacks to more than the ${entry.uncompressed} bytes its zip directory declares`);
  if (entry.method === STORED) {
    if (data.byteLength !== entry.uncompressed) throw malformed(`its part ${JSON.stringify(entry.name)} is not the size its zip directory declares`);
    return;
  }
  if (entry.method !== DEFLATED) throw malformed(`its part ${JSON.stringify(entry.name)} is compressed with method ${entry.method}, which Word files do not use`);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(data, { maxOutputLength: entry.uncompressed + 1 });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw overstated;
    throw malformed(`its part ${JSON.stringify(entry.name)} is damaged (${(error as Error).message})`);
  }
  if (inflated.byteLength > entry.uncompressed) throw overstated;
}

/**
 * Throws a `ZipRefusal` unless the zip archive in `bytes` unpacks within `bounds`. Reads every
 * entry once, so its cost is bounded by `maxUnpackedBytes` too.
 */
export function checkZipBounds(bytes: Uint8Array, bounds: ZipBounds): void {
  for (const entry of readDirectory(bytes, bounds)) checkEntry(bytes, entry);
}
