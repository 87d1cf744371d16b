/**
 * A document's files in the data dir, beside its log:
 *
 *   docs/<doc dir>/files/<sha256>              the file's bytes, named by their SHA-256
 *   docs/<doc dir>/files/<sha256>.<n>.tmp      one being written (left only by a crash)
 *
 * Written crash-safely: a temp file, fdatasync, rename, then the directories fsync'd (the
 * document's directory and `docs/` too when they were created for it). A file is complete
 * once it has its name, and its name checks its bytes (blob-files.ts `verifyDocFiles`). Files are never
 * deleted (blobs.ts). The type is not stored: it is read again from the bytes (image-type.ts).
 */
import { dirname, join, resolve } from 'node:path';
import type { BlobInfo, BlobStore } from '../blobs.js';
import { SHA256_RE } from '../blobs.js';
import { FILES_DIR, listBlobFiles } from './blob-files.js';
import { DOCS_DIR } from './data-dir.js';
import { docDirName } from './file-names.js';
import { isNotFound, nodeFs, type StoreFs } from './store-fs.js';

export class FileBlobs implements BlobStore {
  private readonly docsDir: string;
  /** Writes in progress by document and name: a second upload of the same file waits for the first. */
  private readonly writing = new Map<string, Promise<{ created: boolean }>>();
  private tempCounter = 0;

  constructor(
    dataDir: string,
    private readonly fs: StoreFs = nodeFs,
    private readonly options: { fsync?: boolean } = {},
  ) {
    this.docsDir = join(resolve(dataDir), DOCS_DIR);
  }

  filesDir(doc: string): string {
    return join(this.docsDir, docDirName(doc), FILES_DIR);
  }

  putBlob(doc: string, sha256: string, data: Uint8Array): Promise<{ created: boolean }> {
    if (!SHA256_RE.test(sha256)) return Promise.reject(new Error(`not a SHA-256 file name: ${sha256}`));
    const key = `${docDirName(doc)}/${sha256}`;
    const running = this.writing.get(key);
    if (running) return running.then(() => ({ created: false }));
    const write = this.write(doc, sha256, data).finally(() => this.writing.delete(key));
    this.writing.set(key, write);
    return write;
  }

  async readBlob(doc: string, sha256: string): Promise<Uint8Array | null> {
    if (!SHA256_RE.test(sha256)) return null;
    try {
      return await this.fs.readFile(join(this.filesDir(doc), sha256));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async hasBlob(doc: string, sha256: string): Promise<boolean> {
    return SHA256_RE.test(sha256) && (await this.fs.sizeOf(join(this.filesDir(doc), sha256))) !== null;
  }

  listBlobs(doc: string): Promise<BlobInfo[]> {
    return listBlobFiles(this.fs, join(this.docsDir, docDirName(doc)));
  }

  async blobBytes(doc: string): Promise<number> {
    return (await this.listBlobs(doc)).reduce((sum, b) => sum + b.bytes, 0);
  }

  private async write(doc: string, sha256: string, data: Uint8Array): Promise<{ created: boolean }> {
    const dir = this.filesDir(doc);
    const path = join(dir, sha256);
    if ((await this.fs.sizeOf(path)) !== null) return { created: false };
    const fsync = this.options.fsync ?? true;
    // Directories created now must be made durable in their parents too.
    const created = await this.makeDirs(dir);
    this.tempCounter += 1;
    const temp = join(dir, `${sha256}.${this.tempCounter}.tmp`);
    const handle = await this.fs.open(temp, 'w');
    try {
      await handle.writeAll(data, 0);
      if (fsync) await handle.datasync();
    } finally {
      await handle.close();
    }
    await this.fs.rename(temp, path);
    if (fsync) {
      await this.fs.syncDir(dir);
      for (const made of created) await this.fs.syncDir(dirname(made));
    }
    return { created: true };
  }

  /** Creates `dir` and its missing parents up to `docs/`'s parent; returns those it created, deepest first. */
  private async makeDirs(dir: string): Promise<string[]> {
    const missing: string[] = [];
    for (let at = dir; at !== dirname(this.docsDir); at = dirname(at)) {
      if ((await this.fs.sizeOf(at)) !== null) break;
      missing.push(at);
    }
    if (missing.length > 0) await this.fs.mkdir(dir);
    return missing;
  }
}
