/** The part of fs-native-extensions (byte-range locks: OFD locks on Linux, flock on macOS) Tandem uses. */
declare module 'fs-native-extensions' {
  /** Takes a lock on `length` bytes from `offset` (0: to the end) at once; false when another holder conflicts. */
  export function tryLock(fd: number, offset?: number, length?: number, options?: { shared?: boolean }): boolean;
  /** Waits for the lock (in the thread pool). */
  export function waitForLock(fd: number, offset?: number, length?: number, options?: { shared?: boolean }): Promise<void>;
  export function unlock(fd: number, offset?: number, length?: number): void;
}
