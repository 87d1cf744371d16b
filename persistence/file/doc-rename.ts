/**
 * Renaming one document's files, for the name carry-over (name-carry-over.ts). A document's
 * name is in its directory name, its log header and its checkpoints, so a rename writes a new
 * directory and moves the old one aside, never touching its bytes:
 *
 *   1. `<aside>/.staging-<new dir>-<time>/` gets the log — the new header, then every byte
 *      after the old header as it is (damage included, for the usual recovery to handle) —
 *      and each checkpoint and orphan re-encoded with the new name and its offsets moved by
 *      the header's change in length, the named versions (`versions`, which holds no name of
 *      the document) as they are, and its images (`files/`, named by their SHA-256, each
 *      checked against its name on the way). Each file is fsync'd, then the directories.
 *   2. It is renamed to `docs/<new dir>` (atomic), and `docs/` fsync'd.
 *   3. The old directory is renamed to `<aside>/<old dir>` and both directories fsync'd.
 *
 * A crash between 2 and 3 leaves both directories: `isCopyOf` recognises the new one as this
 * copy, and the carry-over then copies the images it lacks (`copyDocFiles`: an earlier release
 * left them behind) and does step 3. Leftover staging directories are inert.
 */
import { basename, join } from 'node:path';
import { SHA256_RE, sha256Hex } from '../blobs.js';
import { FILES_DIR } from './blob-files.js';
import type { DataDirArchive } from './data-dir.js';
import { LOG_FILE } from './doc-files.js';
import { decodeCheckpoint, decodeLogHeader, encodeCheckpoint, encodeLogHeader, isFormatProblem } from './record-format.js';
import { isNotFound, readdirIfExists, type StoreFs } from './store-fs.js';
import { VERSIONS_FILE } from './file-versions.js';

const COPY_CHUNK = 8 * 1024 * 1024;
const MAX_HEADER_BYTES = 12 + 0xffff + 4;
const CHECKPOINT_LIKE = /^(checkpoint|orphan)-\d{12}$/;

export class DocRenameError extends Error {
  readonly code = 'ERR_DOC_RENAME';
}

/** The old log's header size and file size; throws when its header is not this document's. */
async function readHeader(fs: StoreFs, logPath: string, name: string): Promise<{ headerSize: number; size: number }> {
  const handle = await fs.open(logPath, 'r');
  try {
    const size = await handle.size();
    const header = decodeLogHeader(await handle.read(Math.min(size, MAX_HEADER_BYTES), 0));
    if (header === 'incomplete' || isFormatProblem(header)) {
      throw new DocRenameError(`${logPath}: ${header === 'incomplete' ? 'the log header is incomplete' : header.problem}`);
    }
    if (header.name !== name) throw new DocRenameError(`${logPath}: the log header names ${JSON.stringify(header.name)}, not ${JSON.stringify(name)}`);
    return { headerSize: header.size, size };
  } finally {
    await handle.close();
  }
}

/** Reads `length` bytes at `from` of `path`, in chunks, calling `each` with them in order. */
async function readChunks(fs: StoreFs, path: string, from: number, length: number, each: (chunk: Buffer, at: number) => Promise<void>): Promise<void> {
  const handle = await fs.open(path, 'r');
  try {
    for (let done = 0; done < length; ) {
      const chunk = await handle.read(Math.min(COPY_CHUNK, length - done), from + done);
      if (chunk.length === 0) throw new DocRenameError(`${path}: the file ended early at byte ${from + done}`);
      await each(chunk, done);
      done += chunk.length;
    }
  } finally {
    await handle.close();
  }
}

async function writeFileDurably(fs: StoreFs, path: string, data: Uint8Array): Promise<void> {
  const handle = await fs.open(path, 'wx');
  try {
    await handle.writeAll(data, 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Whether `copyDir` holds `to`'s copy of `from`'s log in `srcDir`: every byte after each
 * header alike. A document that merely has the new name is something else.
 */
export async function isCopyOf(fs: StoreFs, srcDir: string, from: string, copyDir: string, to: string): Promise<boolean> {
  let src: { headerSize: number; size: number };
  let copy: { headerSize: number; size: number };
  try {
    src = await readHeader(fs, join(srcDir, LOG_FILE), from);
    copy = await readHeader(fs, join(copyDir, LOG_FILE), to);
  } catch (error) {
    if (error instanceof DocRenameError || isNotFound(error)) return false;
    throw error;
  }
  const length = src.size - src.headerSize;
  if (copy.size - copy.headerSize !== length) return false;
  const other = await fs.open(join(copyDir, LOG_FILE), 'r');
  let same = true;
  try {
    await readChunks(fs, join(srcDir, LOG_FILE), src.headerSize, length, async (chunk, at) => {
      if (same) same = chunk.equals(await other.read(chunk.length, copy.headerSize + at));
    });
  } finally {
    await other.close();
  }
  return same;
}

/**
 * Steps 1 and 2: writes `to`'s directory from `from`'s. Returns the checkpoint and image files
 * that were not copied because they fail their checksum (they stay with the old directory).
 * `files: false` leaves the images to the caller (the trash moves them: file-trash.ts).
 */
export async function writeRenamedCopy(fs: StoreFs, archive: DataDirArchive, asideDir: string, from: string, to: string, options: { files?: boolean } = {}): Promise<string[]> {
  const srcDir = archive.docDir(from);
  const dstDir = archive.docDir(to);
  const { headerSize, size } = await readHeader(fs, join(srcDir, LOG_FILE), from);
  const header = encodeLogHeader(to);
  const shift = header.length - headerSize;
  await fs.mkdir(asideDir);
  const staging = join(asideDir, `.staging-${basename(dstDir)}-${Date.now()}`);
  await fs.mkdir(staging);

  const log = await fs.open(join(staging, LOG_FILE), 'wx');
  try {
    await log.writeAll(header, 0);
    await readChunks(fs, join(srcDir, LOG_FILE), headerSize, size - headerSize, (chunk, at) => log.writeAll(chunk, header.length + at));
    await log.datasync();
  } finally {
    await log.close();
  }
  const skipped: string[] = [];
  for (const entry of (await fs.readdir(srcDir)).filter((e) => CHECKPOINT_LIKE.test(e)).sort()) {
    const decoded = decodeCheckpoint(await fs.readFile(join(srcDir, entry)));
    if (isFormatProblem(decoded) || decoded.name !== from) {
      skipped.push(join(srcDir, entry));
      continue;
    }
    const moved = { ...decoded, name: to, recordOffset: decoded.recordOffset + shift, logEnd: decoded.logEnd + shift };
    await writeFileDurably(fs, join(staging, entry), encodeCheckpoint(moved));
  }
  try {
    await writeFileDurably(fs, join(staging, VERSIONS_FILE), await fs.readFile(join(srcDir, VERSIONS_FILE)));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (options.files ?? true) skipped.push(...(await copyDocFiles(fs, srcDir, staging)));
  await fs.syncDir(staging);
  await fs.rename(staging, dstDir);
  await fs.syncDir(archive.docsDir);
  return skipped;
}

/**
 * Copies the images in `srcDir/files/` that `dstDir/files/` lacks, each made durable under a
 * temp name before it gets its own (a file is complete once named), then the directories.
 * Returns the files not copied because their bytes do not match their name (they stay behind).
 */
export async function copyDocFiles(fs: StoreFs, srcDir: string, dstDir: string): Promise<string[]> {
  const from = join(srcDir, FILES_DIR);
  const to = join(dstDir, FILES_DIR);
  const skipped: string[] = [];
  const had = (await fs.sizeOf(to)) !== null;
  let copied = 0;
  for (const entry of (await readdirIfExists(fs, from)).filter((e) => SHA256_RE.test(e)).sort()) {
    if ((await fs.sizeOf(join(to, entry))) !== null) continue;
    const data = await fs.readFile(join(from, entry));
    if (sha256Hex(data) !== entry) {
      skipped.push(join(from, entry));
      continue;
    }
    await fs.mkdir(to);
    const temp = join(to, `${entry}.0.tmp`);
    await fs.unlink(temp).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    await writeFileDurably(fs, temp, data);
    await fs.rename(temp, join(to, entry));
    copied += 1;
  }
  if (copied > 0) {
    await fs.syncDir(to);
    if (!had) await fs.syncDir(dstDir);
  }
  return skipped;
}

/** Step 3: moves `from`'s directory into `asideDir`; returns where it went. */
export async function moveAside(fs: StoreFs, archive: DataDirArchive, asideDir: string, from: string): Promise<string> {
  const srcDir = archive.docDir(from);
  await fs.mkdir(asideDir);
  let target = join(asideDir, basename(srcDir));
  if ((await fs.sizeOf(target)) !== null) target = `${target}.${Date.now()}`;
  await fs.rename(srcDir, target);
  await fs.syncDir(archive.docsDir);
  await fs.syncDir(asideDir);
  return target;
}
