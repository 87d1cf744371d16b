/**
 * A document's named versions in the data dir, beside its log (versions-format.ts for the bytes):
 *
 *   docs/<doc dir>/versions                  the document's named versions
 *   docs/<doc dir>/versions.tmp              the next one being written (left only by a crash;
 *                                            removed when the document is next written)
 *   docs/<doc dir>/versions.corrupt-<ms>     a damaged file, kept for inspection when it was
 *                                            replaced by its valid lines
 *
 * Written whole and atomically: a temp file, fdatasync, rename over the old one, fsync the
 * directory. The file moves with the document's directory (trash, backups, renames). The file
 * store calls `writeDocVersions` one write at a time per document (file-store.ts).
 */
import { join } from 'node:path';
import { byPoint, type NamedVersion } from '../named-versions.js';
import type { StoreProblem } from '../record.js';
import { decodeVersions, encodeVersions } from './versions-format.js';
import { isNotFound, type StoreFs } from './store-fs.js';

export const VERSIONS_FILE = 'versions';

export interface DocVersions {
  /** The valid versions, oldest first. */
  versions: NamedVersion[];
  /** Damage found, with the file's path and byte offsets. */
  problems: StoreProblem[];
}

/** The versions in a document directory (none when it has no versions file). */
export async function readDocVersions(fs: StoreFs, docDir: string): Promise<DocVersions> {
  const path = join(docDir, VERSIONS_FILE);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    if (isNotFound(error)) return { versions: [], problems: [] };
    throw error;
  }
  const decoded = decodeVersions(bytes);
  return {
    versions: decoded.versions.sort(byPoint),
    problems: decoded.problems.map((p) => ({ path, offset: p.offset, message: p.message })),
  };
}

/**
 * Replaces the document's versions with `versions`. `damaged`: the file there now has damage
 * (`readDocVersions` found problems), so a copy of it is kept as `versions.corrupt-<ms>` first.
 */
export async function writeDocVersions(fs: StoreFs, docDir: string, versions: readonly NamedVersion[], options: { fsync: boolean; damaged: boolean }): Promise<void> {
  const path = join(docDir, VERSIONS_FILE);
  if (options.damaged) await keepCopy(fs, path, `${path}.corrupt-${Date.now()}`, options.fsync);
  const temp = `${path}.tmp`;
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeAll(encodeVersions([...versions].sort(byPoint)), 0);
    if (options.fsync) await handle.datasync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, path);
  if (options.fsync) await fs.syncDir(docDir);
}

/** Copies `from` to `to` (a new file), durably: the original stays until it is replaced. */
async function keepCopy(fs: StoreFs, from: string, to: string, fsync: boolean): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(from);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  const handle = await fs.open(to, 'wx');
  try {
    await handle.writeAll(bytes, 0);
    if (fsync) await handle.datasync();
  } finally {
    await handle.close();
  }
}
