import type { StoreLogger } from '../../persistence/file/file-store.js';

/** A store logger that keeps every line ("message {fields}") for assertions. */
export function captureLogger(): StoreLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (obj: object, msg: string): void => void lines.push(`${msg} ${JSON.stringify(obj)}`);
  return { lines, info: push, warn: push, error: push };
}
