/**
 * The bytes of a document's named versions in the data dir (`docs/<dir>/versions`): UTF-8
 * text, one version per line, each line checked on its own so damage costs only the lines it
 * touches. Pure codec — no file system here (file-versions.ts reads and writes the file).
 *
 *   versionsFile := "TANDEMVN 1\n" • line*
 *   line         := json • " " • crc32hex • "\n"
 *                   -- crc32hex: 8 lowercase hex digits, the CRC-32 of json's UTF-8 bytes
 *   json         := {"id": string, "name": string, "seq": int ≥ 1, "time": ms since epoch,
 *                    "author": string | null}     -- author as records keep it (author.ts)
 *
 * The file is always rewritten whole (temp file, fsync, rename), so a torn line means damage,
 * not an interrupted write. Decoding never throws: every line that checks out is kept, every
 * other is a problem with its byte offset.
 */
import { crc32 } from 'node:zlib';
import { MAX_VERSION_NAME, type NamedVersion } from '../named-versions.js';

export const VERSIONS_MAGIC = 'TANDEMVN 1\n';
const LINE_RE = /^(\{.*\}) ([0-9a-f]{8})$/;

export interface VersionsProblem {
  offset: number;
  message: string;
}

const hex = (text: string): string => crc32(Buffer.from(text, 'utf8')).toString(16).padStart(8, '0');

export function encodeVersions(versions: readonly NamedVersion[]): Buffer {
  const lines = versions.map((v) => {
    const json = JSON.stringify({ id: v.id, name: v.name, seq: v.seq, time: v.timeMs, author: v.author });
    return `${json} ${hex(json)}\n`;
  });
  return Buffer.from(VERSIONS_MAGIC + lines.join(''), 'utf8');
}

/** A version from a line's JSON, or what is wrong with it. */
function parseEntry(json: string): NamedVersion | string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'not JSON';
  }
  const v = value as Record<string, unknown>;
  if (typeof v['id'] !== 'string' || v['id'] === '') return 'no id';
  if (typeof v['name'] !== 'string' || v['name'].trim() === '' || [...v['name']].length > MAX_VERSION_NAME) return 'no usable name';
  if (typeof v['seq'] !== 'number' || !Number.isSafeInteger(v['seq']) || v['seq'] < 1) return 'no sequence number';
  if (typeof v['time'] !== 'number' || !Number.isSafeInteger(v['time'])) return 'no time';
  if (v['author'] !== null && typeof v['author'] !== 'string') return 'an author that is not text';
  return { id: v['id'], name: v['name'], seq: v['seq'], timeMs: v['time'], author: v['author'] as string | null };
}

/** The versions the bytes hold (damaged lines left out), and what is wrong, by byte offset. */
export function decodeVersions(bytes: Buffer): { versions: NamedVersion[]; problems: VersionsProblem[] } {
  const versions: NamedVersion[] = [];
  const problems: VersionsProblem[] = [];
  const magic = Buffer.from(VERSIONS_MAGIC, 'utf8');
  if (!bytes.subarray(0, magic.length).equals(magic)) {
    problems.push({ offset: 0, message: 'not a named-versions file (it does not start with "TANDEMVN 1")' });
    return { versions, problems };
  }
  let offset = magic.length;
  while (offset < bytes.length) {
    const newline = bytes.indexOf(0x0a, offset);
    const end = newline === -1 ? bytes.length : newline;
    const text = bytes.subarray(offset, end).toString('utf8');
    const line = LINE_RE.exec(text);
    let problem: string | null = null;
    if (newline === -1) problem = 'the last line is cut short (no line end)';
    else if (!line?.[1] || !line[2]) problem = 'the line is not a version with its checksum';
    else if (hex(line[1]) !== line[2]) problem = 'the line fails its checksum';
    else {
      const parsed = parseEntry(line[1]);
      if (typeof parsed === 'string') problem = `the line has ${parsed}`;
      else if (versions.some((v) => v.id === parsed.id)) problem = `a second version with the id ${JSON.stringify(parsed.id)}`;
      else if (versions.some((v) => v.name === parsed.name)) problem = `a second version named ${JSON.stringify(parsed.name)}`;
      else versions.push(parsed);
    }
    if (problem) problems.push({ offset, message: `${problem}; the line is left out` });
    offset = end + 1;
  }
  return { versions, problems };
}
