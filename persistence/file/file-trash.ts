/**
 * The file store's trash: each deleted document's directory, moved as it is, with a marker
 * saying what it was and when it was deleted.
 *
 *   <data-dir>/trash/<id>/            id = <deletion time in ms>-<8 random hex digits>
 *     trashed.json                    {"name", "deletedAt" (ms), "deletedBy"}
 *     docs/n=<encoded name>/          the document's directory (log, checkpoints) as it was
 *
 * Each step is one atomic rename, and the marker is written (temp file, fsync, rename, fsync
 * dir) before the document moves, so a crash at any moment leaves the document either live or
 * in the trash, never both and never lost:
 *
 *   delete   mkdir <id>/docs, marker → rename docs/n=… to <id>/docs/n=…
 *   restore  rename <id>/docs/n=… to docs/n=… (under another name: a renamed copy is made in
 *            <id>/docs first, doc-rename.ts) → remove <id>
 *   purge    rename <id> to .purge-<id> → remove it
 *
 * An entry whose marker is there but whose document is not (a crash mid-delete, before the
 * move, or mid-restore, after it) is left over: it is never listed and the next purge removes
 * it, as it does `.purge-*` directories and entries without a readable marker.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TrashError, nameTakenMessage, type TrashedDoc } from '../trash.js';
import { DataDirArchive, DOCS_DIR } from './data-dir.js';
import { LOG_FILE } from './doc-files.js';
import { writeRenamedCopy } from './doc-rename.js';
import { FILES_DIR } from './blob-files.js';
import { checkStorableName } from './file-names.js';
import { isNotFound, type StoreFs } from './store-fs.js';

export const TRASH_DIR = 'trash';
/** Each entry's marker file. */
export const TRASH_MARKER = 'trashed.json';
const MARKER = TRASH_MARKER;
const ENTRY_RE = /^\d+-[0-9a-f]{8}$/;

/** An entry's id: its deletion time and 8 hex digits that tell entries of one moment apart. */
export function trashEntryId(deletedAtMs: number, distinct: string): string {
  return `${deletedAtMs}-${distinct}`;
}

/** The bytes of an entry's marker. */
export function trashMarker(name: string, deletedAt: number, deletedBy: string | null): Buffer {
  const marker: Marker = { name, deletedAt, deletedBy };
  return Buffer.from(JSON.stringify(marker));
}

/**
 * Writes entry directory `entry`'s marker crash-safely (temp file, fsync, rename, fsync of the
 * entry and of the trash): once it is there, the entry is what the marker says.
 */
export async function writeTrashMarker(fs: StoreFs, entry: string, name: string, deletedAt: number, deletedBy: string | null): Promise<void> {
  const temp = join(entry, `${MARKER}.tmp`);
  // A marker a crash cut short (a copy into the trash run again: trash-move.ts) is written anew.
  await fs.unlink(temp).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
  const handle = await fs.open(temp, 'wx');
  try {
    await handle.writeAll(trashMarker(name, deletedAt, deletedBy), 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, join(entry, MARKER));
  await fs.syncDir(entry);
  await fs.syncDir(dirname(entry));
}

interface Marker {
  name: string;
  deletedAt: number;
  deletedBy: string | null;
}

function parseMarker(text: string): Marker | null {
  try {
    const value = JSON.parse(text) as Partial<Marker>;
    if (typeof value.name !== 'string' || typeof value.deletedAt !== 'number') return null;
    return { name: value.name, deletedAt: value.deletedAt, deletedBy: typeof value.deletedBy === 'string' ? value.deletedBy : null };
  } catch {
    return null;
  }
}

export class FileTrash {
  readonly trashDir: string;
  private readonly docs: DataDirArchive;

  constructor(
    readonly dataDir: string,
    private readonly fs: StoreFs,
  ) {
    this.trashDir = join(dataDir, TRASH_DIR);
    this.docs = new DataDirArchive(dataDir, fs, undefined, { journal: false });
  }

  /** The entry's documents, read as a data dir of its own. */
  private entryArchive(id: string): DataDirArchive {
    return new DataDirArchive(join(this.trashDir, id), this.fs, undefined, { journal: false });
  }

  /** Where entry `id` keeps its document (named `name`, as its marker says). */
  entryDocDir(id: string, name: string): string {
    return this.entryArchive(id).docDir(name);
  }

  /** Whether a live document named `name` has records in its log. */
  async hasRecords(name: string): Promise<boolean> {
    return ((await this.docs.readHistory(name))?.records.length ?? 0) > 0;
  }

  /** Moves `name`'s directory into the trash; null when it holds no records. Its log must be closed. */
  async moveIn(name: string, deletedBy: string | null, nowMs: number): Promise<TrashedDoc | null> {
    const source = this.docs.docDir(name);
    if (!(await this.hasRecords(name))) return null;
    const id = trashEntryId(nowMs, randomBytes(4).toString('hex'));
    const entry = join(this.trashDir, id);
    await this.fs.mkdir(this.trashDir);
    await this.fs.mkdir(entry);
    await this.fs.mkdir(join(entry, DOCS_DIR));
    await writeTrashMarker(this.fs, entry, name, nowMs, deletedBy);
    await this.fs.rename(source, join(entry, DOCS_DIR, basename(source)));
    await this.fs.syncDir(this.docs.docsDir);
    await this.fs.syncDir(join(entry, DOCS_DIR));
    return (await this.read(id)) ?? { id, name, deletedAtMs: nowMs, deletedBy, bytes: 0, records: 0, lastChangeMs: null };
  }

  /** One entry, or null when it is not a complete one. */
  private async read(id: string): Promise<TrashedDoc | null> {
    let marker: Marker | null;
    try {
      marker = parseMarker((await this.fs.readFile(join(this.trashDir, id, MARKER))).toString('utf8'));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    if (!marker) return null;
    const archive = this.entryArchive(id);
    const dir = archive.docDir(marker.name);
    if ((await this.fs.sizeOf(join(dir, LOG_FILE))) === null) return null;
    const summary = await archive.summarize({ dir, name: marker.name });
    return { id, name: marker.name, deletedAtMs: marker.deletedAt, deletedBy: marker.deletedBy, bytes: summary.bytes, records: summary.records, lastChangeMs: summary.lastChangeMs };
  }

  private async entries(): Promise<string[]> {
    try {
      return await this.fs.readdir(this.trashDir);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  async list(): Promise<TrashedDoc[]> {
    const found: TrashedDoc[] = [];
    for (const id of await this.entries()) {
      if (!ENTRY_RE.test(id)) continue;
      const doc = await this.read(id);
      if (doc) found.push(doc);
    }
    return found.sort((a, b) => b.deletedAtMs - a.deletedAtMs);
  }

  /**
   * Puts entry `id` back as a live document named `as` (default: its own name). Any log of
   * that name must be closed; an empty one (no records) is replaced.
   */
  async restore(id: string, as?: string): Promise<TrashedDoc> {
    const doc = ENTRY_RE.test(id) ? await this.read(id) : null;
    if (!doc) throw new TrashError('not-found', `nothing in the trash has the id ${JSON.stringify(id)}`);
    const target = as ?? doc.name;
    checkStorableName(target);
    if (await this.hasRecords(target)) throw new TrashError('name-taken', nameTakenMessage(target));
    const entry = join(this.trashDir, id);
    const archive = this.entryArchive(id);
    // A directory without records (a document opened but never written) holds nothing.
    const targetDir = this.docs.docDir(target);
    if ((await this.fs.sizeOf(targetDir)) !== null) await this.remove(targetDir);
    if (target !== doc.name) {
      await writeRenamedCopy(this.fs, archive, join(entry, 'staging'), doc.name, target, { files: false });
      // The document's files (images) go along; the renamed copy holds its log and checkpoints.
      const files = join(archive.docDir(doc.name), FILES_DIR);
      if ((await this.fs.sizeOf(files)) !== null) await this.fs.rename(files, join(archive.docDir(target), FILES_DIR));
    }
    await this.fs.mkdir(this.docs.docsDir);
    await this.fs.rename(archive.docDir(target), targetDir);
    await this.fs.syncDir(this.docs.docsDir);
    await this.fs.syncDir(archive.docsDir);
    await this.remove(entry);
    return { ...doc, name: target };
  }

  /** Removes entries deleted before `beforeMs`, and whatever a crash left over. */
  async purge(beforeMs: number): Promise<TrashedDoc[]> {
    const purged: TrashedDoc[] = [];
    for (const id of await this.entries()) {
      const path = join(this.trashDir, id);
      if (id.startsWith('.purge-')) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      const doc = ENTRY_RE.test(id) ? await this.read(id) : null;
      // Not a complete entry: a delete or restore that a crash cut short, or a stray.
      const leftover = doc === null && ENTRY_RE.test(id);
      if (!leftover && (doc === null || doc.deletedAtMs >= beforeMs)) continue;
      await this.remove(path);
      if (doc) purged.push(doc);
    }
    return purged;
  }

  /** Renames `path` to a `.purge-*` name in the trash (atomic), then deletes it. */
  private async remove(path: string): Promise<void> {
    const aside = join(this.trashDir, `.purge-${basename(path)}-${randomBytes(4).toString('hex')}`);
    await this.fs.mkdir(this.trashDir);
    await this.fs.rename(path, aside);
    await this.fs.syncDir(dirname(path));
    await this.fs.syncDir(this.trashDir);
    await rm(aside, { recursive: true, force: true });
  }
}
