/**
 * One writing process per data dir: `<data-dir>/tandem.lock`, locked through the OS.
 *
 * The owner holds an exclusive lock on byte 0 of the file and a shared lock on byte 1 for as
 * long as it runs (open-file-description locks on Linux, flock on macOS). The kernel drops
 * them when the process ends in any way, `kill -9` included, so a lock is never stale and no
 * pid is ever consulted to decide: a pid reused after a container restart cannot block a start.
 *
 * - Byte 0 decides ownership: only a process that wants to write the data dir tries it.
 * - Byte 1 answers "is anyone holding this data dir?" for readers: a probe takes it
 *   exclusively for an instant, which fails while an owner holds its shared lock; an owner
 *   taking its shared lock waits that instant out, so probes never keep an owner from starting.
 *
 * The file's content says who holds it, as JSON (pid, command, the URL a server listens on),
 * for messages and for commands that go through a running server (`restore`, `compact`,
 * `backup`). It is written in place, never renamed: a lock lives on the file. The owner
 * deletes it when it releases the lock; so a process that locked the file checks that it is
 * still the one at the path (not one deleted meanwhile) before taking it as the lock. A file
 * left by a process that died is no lock at all: the next owner locks it and writes over it.
 */
import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { tryLock, unlock, waitForLock } from 'fs-native-extensions';

export const LOCK_FILE = 'tandem.lock';
const OWNER_BYTE = 0;
const PROBE_BYTE = 1;

export interface LockInfo {
  /** null when the holder has not written its details yet. */
  pid: number | null;
  command: string;
  url: string | null;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  readonly code = 'ERR_DATA_DIR_LOCKED';
  constructor(
    readonly path: string,
    readonly owner: LockInfo,
  ) {
    super(`${path} is held by ${describeHolder(owner)}; one process per data dir`);
  }
}

/** "process 42 (tandem serve at http://…)", for messages. */
export function describeHolder(info: LockInfo): string {
  return info.pid === null ? 'another process' : `process ${info.pid} (tandem ${info.command}${info.url ? ` at ${info.url}` : ''})`;
}

function parseLock(text: string): LockInfo | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const v = value as Record<string, unknown>;
    if (typeof v.pid !== 'number' || typeof v.command !== 'string') return null;
    return { pid: v.pid, command: v.command, url: typeof v.url === 'string' ? v.url : null, startedAt: typeof v.startedAt === 'string' ? v.startedAt : '' };
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Who holds the lock, as its file says; the holder writes it right after locking. */
async function holderInfo(handle: fsp.FileHandle): Promise<LockInfo> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const { size } = await handle.stat();
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(size), 0, size, 0);
    const info = parseLock(buffer.toString('utf8', 0, bytesRead));
    if (info) return info;
    await sleep(20);
  }
  return { pid: null, command: 'unknown', url: null, startedAt: '' };
}

/** Whether `path` still names the file `handle` has open. */
async function isAt(handle: fsp.FileHandle, path: string): Promise<boolean> {
  const opened = await handle.stat();
  const current = await fsp.stat(path).catch(() => null);
  return current !== null && current.ino === opened.ino && current.dev === opened.dev;
}

const openLockFile = (path: string): Promise<fsp.FileHandle> => fsp.open(path, constants.O_RDWR | constants.O_CREAT, 0o644);

/** The lock's holder if a live process holds it (this one included), else null. */
export async function readLiveLock(dataDir: string): Promise<LockInfo | null> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(join(dataDir, LOCK_FILE), constants.O_RDWR);
  } catch {
    return null;
  }
  try {
    if (tryLock(handle.fd, PROBE_BYTE, 1)) {
      unlock(handle.fd, PROBE_BYTE, 1);
      return null;
    }
    return await holderInfo(handle);
  } finally {
    await handle.close();
  }
}

export class DataDirLock {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly handle: fsp.FileHandle,
    private info: LockInfo,
  ) {}

  /** Takes the data dir for this process, or throws `DataDirLockedError` naming the holder. */
  static async acquire(dataDir: string, command: string): Promise<DataDirLock> {
    await fsp.mkdir(dataDir, { recursive: true });
    const path = join(dataDir, LOCK_FILE);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const handle = await openLockFile(path);
      try {
        if (!tryLock(handle.fd, OWNER_BYTE, 1)) throw new DataDirLockedError(path, await holderInfo(handle));
        if (!(await isAt(handle, path))) {
          // Deleted by the owner releasing it after we opened it: open the path again.
          await handle.close();
          continue;
        }
        await waitForLock(handle.fd, PROBE_BYTE, 1, { shared: true });
        const lock = new DataDirLock(path, handle, { pid: process.pid, command, url: null, startedAt: new Date().toISOString() });
        await lock.write();
        return lock;
      } catch (error) {
        // Closing the file drops any lock taken on it.
        await handle.close();
        throw error;
      }
    }
    throw new Error(`could not take ${path}: it keeps being replaced`);
  }

  /** Records the URL a server listens on, for the commands that go through it. */
  async setUrl(url: string): Promise<void> {
    this.info = { ...this.info, url };
    await this.write();
  }

  /** Idempotent. Deletes the file while still holding it, then lets go. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await fsp.unlink(this.path).catch(() => undefined);
    await this.handle.close();
  }

  private async write(): Promise<void> {
    const bytes = Buffer.from(JSON.stringify(this.info));
    await this.handle.truncate(0);
    await this.handle.write(bytes, 0, bytes.length, 0);
  }
}
