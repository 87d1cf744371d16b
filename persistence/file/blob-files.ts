/**
 * Reading the `files/` directory of a document's directory (file-blobs.ts writes it):
 *
 *   docs/<doc dir>/files/<sha256>              a file's bytes, named by their SHA-256
 *   docs/<doc dir>/files/<sha256>.<n>.tmp      one being written (left only by a crash)
 *
 * for the store, the document list's sizes and `tandem verify`. Reads only.
 */
import { basename, join } from 'node:path';
import type { BlobInfo } from '../blobs.js';
import { SHA256_RE, sha256Hex } from '../blobs.js';
import { imageTypeOf } from '../image-type.js';
import type { StoreProblem } from '../record.js';
import { readdirIfExists, type StoreFs } from './store-fs.js';

export const FILES_DIR = 'files';
const TEMP_RE = /^[0-9a-f]{64}\.\d+\.tmp$/;

/** The files in a document directory's `files/` (none when it has no such directory). */
export async function listBlobFiles(fs: StoreFs, docDir: string): Promise<BlobInfo[]> {
  const dir = join(docDir, FILES_DIR);
  const entries = await readdirIfExists(fs, dir);
  const files: BlobInfo[] = [];
  for (const entry of entries.filter((e) => SHA256_RE.test(e)).sort()) {
    const bytes = await fs.sizeOf(join(dir, entry));
    if (bytes !== null) files.push({ sha256: entry, bytes });
  }
  return files;
}

/** Bytes of a document directory's files (for the document list's sizes). */
export async function docFilesBytes(fs: StoreFs, docDir: string): Promise<number> {
  return (await listBlobFiles(fs, docDir)).reduce((sum, b) => sum + b.bytes, 0);
}

/**
 * `tandem verify` for a document's files: each must hash to its name and be an accepted
 * image; anything else in `files/` is reported too. Leftover temp files are warnings.
 */
export async function verifyDocFiles(fs: StoreFs, docDir: string): Promise<{ files: number; errors: StoreProblem[]; warnings: StoreProblem[] }> {
  const dir = join(docDir, FILES_DIR);
  const result = { files: 0, errors: [] as StoreProblem[], warnings: [] as StoreProblem[] };
  for (const entry of (await readdirIfExists(fs, dir)).sort()) {
    const path = join(dir, entry);
    if (TEMP_RE.test(entry)) {
      result.warnings.push({ path, message: 'a file whose upload was interrupted (never acknowledged; safe to delete)' });
      continue;
    }
    if (!SHA256_RE.test(entry)) {
      result.errors.push({ path, message: `not a file Tandem writes (${basename(path)} is not a SHA-256 name)` });
      continue;
    }
    result.files += 1;
    const data = await fs.readFile(path);
    const actual = sha256Hex(data);
    if (actual !== entry) result.errors.push({ path, message: `damaged: its bytes hash to ${actual}, not to its name` });
    else if (imageTypeOf(data) === null) result.errors.push({ path, message: 'not a PNG, JPEG, GIF or WebP image' });
  }
  return result;
}
