/**
 * The file system operations the file store uses, behind a small interface so tests can make
 * them fail (tests run as root, where permissions cannot make a write fail).
 */
import { promises as fsp, writeSync } from 'node:fs';

export interface StoreFileHandle {
  /** Writes all of `data` at `position` (positional, so a retried write lands in the same place). */
  writeAll(data: Uint8Array, position: number): Promise<void>;
  /**
   * The same on the calling thread, which waits for the disk: for the journal's small commit
   * writes, where handing each one to the thread pool and back costs more than the write.
   */
  writeAllSync(data: Uint8Array, position: number): void;
  read(length: number, position: number): Promise<Buffer>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface StoreFs {
  /** `flags` as for `fs.open`: 'r', 'r+', 'w', 'wx', or numeric (the journal opens O_DSYNC). */
  open(path: string, flags: string | number): Promise<StoreFileHandle>;
  readFile(path: string): Promise<Buffer>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Size in bytes, or null when the path does not exist. */
  sizeOf(path: string): Promise<number | null>;
  /** Makes a directory's entries (created, renamed, removed files) durable. */
  syncDir(path: string): Promise<void>;
}

class NodeFileHandle implements StoreFileHandle {
  constructor(private readonly handle: fsp.FileHandle) {}

  async writeAll(data: Uint8Array, position: number): Promise<void> {
    let written = 0;
    while (written < data.byteLength) {
      const { bytesWritten } = await this.handle.write(data, written, data.byteLength - written, position + written);
      written += bytesWritten;
    }
  }

  writeAllSync(data: Uint8Array, position: number): void {
    let written = 0;
    while (written < data.byteLength) written += writeSync(this.handle.fd, data, written, data.byteLength - written, position + written);
  }

  async read(length: number, position: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.handle.read(buffer, got, length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === length ? buffer : buffer.subarray(0, got);
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export const nodeFs: StoreFs = {
  async open(path, flags) {
    return new NodeFileHandle(await fsp.open(path, flags));
  },
  readFile: (path) => fsp.readFile(path),
  readdir: (path) => fsp.readdir(path),
  async mkdir(path) {
    await fsp.mkdir(path, { recursive: true });
  },
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  async sizeOf(path) {
    try {
      return (await fsp.stat(path)).size;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  },
  async syncDir(path) {
    const handle = await fsp.open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** A directory's entries; none when it does not exist. */
export async function readdirIfExists(fs: StoreFs, path: string): Promise<string[]> {
  try {
    return await fs.readdir(path);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

export function errorMessage(error: unknown): string {
  // Node's own messages already start with the code ("ENOSPC: no space left on device, write").
  return error instanceof Error ? error.message : String(error);
}
