/**
 * A consistent copy of a data dir, made beside the writer (file-store.ts `backup`).
 *
 * What makes it consistent: the store first copies every record acknowledged so far from the
 * journal into its document's log, so the logs alone hold every acknowledged record; the copy
 * then takes each log up to what is durable in it (a log only ever grows past that point), and
 * only the checkpoints made from that part of it. The journal is not copied: nothing in it is
 * missing from the logs taken. (Copying the files one by one instead can miss records moved
 * from the journal into a log after that log was copied.)
 *
 * The copy is a data dir of its own: `docs/<dir>/log`, its checkpoints, any orphaned
 * checkpoint still waiting for its content to be merged back, its named versions
 * (`versions`: the store changes them only between backups), and the document's files
 * (images, `files/<sha256>`). The files are copied after the log: an image is stored before any
 * record shows it, so every image the copied records show is there. The trash is copied too,
 * entry for entry (`trash/<id>/trashed.json` and the document's directory): its documents are
 * closed, and the store moves nothing in or out of it during a backup. Traces of recoveries
 * (`*.corrupt-*`), interrupted uploads and trash entries left over by a crash are not copied.
 */
import { dirname, join, relative } from 'node:path';
import { FILES_DIR, listBlobFiles } from './blob-files.js';
import { DataDirArchive, DOCS_DIR } from './data-dir.js';
import { docDirName } from './file-names.js';
import { FileTrash, TRASH_DIR, TRASH_MARKER } from './file-trash.js';
import { LOG_FILE } from './doc-files.js';
import { VERSIONS_FILE } from './file-versions.js';
import { JOURNAL_DIR } from './journal.js';
import { decodeCheckpoint, isFormatProblem } from './record-format.js';
import { checkBackupPath, type BackupFileWriter, type BackupSink } from './backup-stream.js';
import { isNotFound, nodeFs, type StoreFileHandle, type StoreFs } from './store-fs.js';

const KEPT_RE = /^(checkpoint|orphan)-\d{12}$/;
const READ_CHUNK = 1024 * 1024;

export interface BackupSummary {
  docs: number;
  files: number;
  bytes: number;
}

/**
 * Sends every document's files to `sink`. `durableLength(name)` is how much of a log is durable
 * (for logs open in the writing process); other logs are taken as long as they are when read.
 */
export async function writeBackup(fs: StoreFs, archive: DataDirArchive, durableLength: (name: string) => number | undefined, sink: BackupSink): Promise<BackupSummary> {
  const summary: BackupSummary = { docs: 0, files: 0, bytes: 0 };
  const { docs } = await archive.listDocDirs();
  for (const doc of docs) {
    const base = relative(archive.dataDir, doc.dir).split('\\').join('/');
    const length = durableLength(doc.name) ?? (await fs.sizeOf(join(doc.dir, LOG_FILE)));
    if (length === null) continue;
    await copyDocDir(fs, doc.dir, length, base, sink, summary);
    summary.docs += 1;
  }
  const trash = new FileTrash(archive.dataDir, fs);
  for (const entry of await trash.list()) {
    const base = `${TRASH_DIR}/${entry.id}`;
    const marker = await fs.readFile(join(trash.trashDir, entry.id, TRASH_MARKER));
    const out = await sink.file(`${base}/${TRASH_MARKER}`);
    await out.write(marker);
    await out.end();
    summary.files += 1;
    summary.bytes += marker.length;
    const dir = join(trash.trashDir, entry.id, DOCS_DIR, docDirName(entry.name));
    const length = await fs.sizeOf(join(dir, LOG_FILE));
    if (length !== null) await copyDocDir(fs, dir, length, `${base}/${DOCS_DIR}/${docDirName(entry.name)}`, sink, summary);
  }
  return summary;
}

/** A document's directory `dir` as `base/…`: its log's first `length` bytes, the checkpoints they confirm, its files. */
async function copyDocDir(fs: StoreFs, dir: string, length: number, base: string, sink: BackupSink, summary: BackupSummary): Promise<void> {
  summary.bytes += await copyFile(fs, join(dir, LOG_FILE), length, await sink.file(`${base}/${LOG_FILE}`));
  summary.files += 1;
  for (const entry of (await fs.readdir(dir)).filter((e) => KEPT_RE.test(e)).sort()) {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(join(dir, entry));
    } catch (error) {
      // Pruned since the listing: an older checkpoint, not needed.
      if (isNotFound(error)) continue;
      throw error;
    }
    const decoded = decodeCheckpoint(bytes);
    // Made from records past the part of the log copied: the copy could not confirm it.
    if (entry.startsWith('checkpoint-') && !isFormatProblem(decoded) && decoded.logEnd > length) continue;
    const out = await sink.file(`${base}/${entry}`);
    await out.write(bytes);
    await out.end();
    summary.files += 1;
    summary.bytes += bytes.length;
  }
  if ((await fs.sizeOf(join(dir, VERSIONS_FILE))) !== null) {
    summary.bytes += await copyWhole(fs, join(dir, VERSIONS_FILE), await sink.file(`${base}/${VERSIONS_FILE}`));
    summary.files += 1;
  }
  for (const { sha256 } of await listBlobFiles(fs, dir)) {
    summary.bytes += await copyWhole(fs, join(dir, FILES_DIR, sha256), await sink.file(`${base}/${FILES_DIR}/${sha256}`));
    summary.files += 1;
  }
}

/** A file that no longer changes (a document's files are written once, under their final name). */
async function copyWhole(fs: StoreFs, path: string, out: BackupFileWriter): Promise<number> {
  const length = await fs.sizeOf(path);
  if (length === null) throw new Error(`${path} went away while it was copied`);
  return copyFile(fs, path, length, out);
}

/** The first `length` bytes of a file (fewer if it is shorter), in chunks. */
async function copyFile(fs: StoreFs, path: string, length: number, out: BackupFileWriter): Promise<number> {
  const handle = await fs.open(path, 'r');
  let copied = 0;
  try {
    while (copied < length) {
      const chunk = await handle.read(Math.min(READ_CHUNK, length - copied), copied);
      if (chunk.length === 0) break;
      await out.write(chunk);
      copied += chunk.length;
    }
  } finally {
    await handle.close();
  }
  await out.end();
  return copied;
}

/**
 * Writes a backup's files under `dir`, each fdatasync'd; `finish` makes the directory entries
 * durable too. Only paths a backup may hold are accepted (no `..`, nothing outside `docs/`).
 */
export class DirectoryBackup implements BackupSink {
  private readonly dirs = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly fs: StoreFs = nodeFs,
  ) {}

  async file(path: string): Promise<BackupFileWriter> {
    checkBackupPath(path);
    const target = join(this.dir, path);
    const parent = dirname(target);
    if (!this.dirs.has(parent)) {
      await this.fs.mkdir(parent);
      this.dirs.add(parent);
    }
    const handle: StoreFileHandle = await this.fs.open(target, 'wx');
    let at = 0;
    return {
      write: async (bytes) => {
        await handle.writeAll(bytes, at);
        at += bytes.byteLength;
      },
      end: async () => {
        try {
          await handle.datasync();
        } finally {
          await handle.close();
        }
      },
    };
  }

  /** The journal directory a server expects, and every directory entry made durable. */
  async finish(): Promise<void> {
    await this.fs.mkdir(join(this.dir, JOURNAL_DIR));
    // Every directory made, deepest first: each holds the entry of the one below it.
    const made = new Set<string>();
    for (const dir of this.dirs) {
      for (let at = dir; at !== this.dir && at.startsWith(this.dir); at = dirname(at)) made.add(at);
    }
    for (const dir of [...made].sort((a, b) => b.length - a.length)) await this.fs.syncDir(dir);
    await this.fs.syncDir(this.dir);
  }
}
