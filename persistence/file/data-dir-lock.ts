/**
 * One writing process per data dir: `<data-dir>/tandem.lock` holds the owner's pid, the
 * command and (for a server) the URL it serves, as JSON. Created with O_EXCL; a lock whose
 * process is gone (after a crash or kill -9) is stale and taken over.
 *
 * Read-only commands do not lock; `tandem restore` reads the lock to find a running server
 * and goes through its HTTP API, so live clients see the restored content.
 */
import { promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'tandem.lock';

export interface LockInfo {
  pid: number;
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
    super(`${path} is held by process ${owner.pid} (tandem ${owner.command}${owner.url ? ` at ${owner.url}` : ''}); one process per data dir`);
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process its parent has not reaped yet (a zombie) still answers signal 0.
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
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

/** The lock's owner if a live process holds it, else null. */
export async function readLiveLock(dataDir: string): Promise<LockInfo | null> {
  let text: string;
  try {
    text = await fsp.readFile(join(dataDir, LOCK_FILE), 'utf8');
  } catch {
    return null;
  }
  const info = parseLock(text);
  return info && info.pid !== process.pid && isAlive(info.pid) ? info : null;
}

export class DataDirLock {
  private released = false;

  private constructor(
    readonly path: string,
    private info: LockInfo,
  ) {}

  static async acquire(dataDir: string, command: string): Promise<DataDirLock> {
    await fsp.mkdir(dataDir, { recursive: true });
    const path = join(dataDir, LOCK_FILE);
    const info: LockInfo = { pid: process.pid, command, url: null, startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const handle = await fsp.open(path, 'wx');
        try {
          await handle.writeFile(JSON.stringify(info));
          await handle.sync();
        } finally {
          await handle.close();
        }
        return new DataDirLock(path, info);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = parseLock(await fsp.readFile(path, 'utf8').catch(() => ''));
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) throw new DataDirLockedError(path, owner);
      // Stale (its process is gone) or unreadable (torn while being written): take it over.
      await fsp.unlink(path).catch(() => undefined);
    }
    throw new Error(`could not take ${path}: another process keeps creating it`);
  }

  /** Records the URL a server listens on, for `tandem restore` to find it. */
  async setUrl(url: string): Promise<void> {
    this.info = { ...this.info, url };
    const temp = `${this.path}.tmp`;
    await fsp.writeFile(temp, JSON.stringify(this.info));
    await fsp.rename(temp, this.path);
  }

  /** Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const owner = parseLock(await fsp.readFile(this.path, 'utf8').catch(() => ''));
    if (owner?.pid === process.pid) await fsp.unlink(this.path).catch(() => undefined);
  }
}
