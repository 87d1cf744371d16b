/**
 * Deadlines for the bus's Redis commands, kept by one timer: a command still unanswered after
 * `timeoutMs` fails (between `timeoutMs` and 1.25 × `timeoutMs` after it was issued). The timer
 * runs only while commands are pending, so an idle node is not woken for it.
 *
 * Why not node-redis's own per-command timeout: it arms an `AbortSignal.timeout` and adds an
 * event listener for every command, which costs several times what the command itself does
 * on the hot paths — a publish per committed record, a membership renewal per open document
 * every heartbeat. Here a command costs one entry in a set.
 *
 * A command failed here may still be answered later; that answer is ignored (as node-redis
 * ignores a reply to a command it timed out).
 */

/** A command Redis left unanswered past its deadline. */
export class CommandTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Redis did not answer within ${timeoutMs} ms`);
    this.name = 'CommandTimeoutError';
  }
}

interface Pending {
  readonly issuedAt: number;
  readonly fail: (error: Error) => void;
}

export class CommandDeadlines {
  /** In the order issued, so the oldest come first. */
  private readonly pending = new Set<Pending>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly timeoutMs: number) {
    if (!(timeoutMs > 0)) throw new RangeError('a command timeout must be positive');
  }

  /** `command`, failed with a timeout error if it is not settled in time. */
  watch<T>(command: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { issuedAt: performance.now(), fail: reject };
      this.pending.add(entry);
      this.arm();
      command.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(entry);
          reject(error as Error);
        },
      );
    });
  }

  /** Stops the timer; commands still pending settle with their own answer (or with the connection's end). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(this.expire, Math.max(10, this.timeoutMs / 4));
    this.timer.unref();
  }

  private readonly expire = (): void => {
    this.timer = null;
    const due = performance.now() - this.timeoutMs;
    for (const entry of this.pending) {
      if (entry.issuedAt > due) break;
      this.pending.delete(entry);
      entry.fail(new CommandTimeoutError(this.timeoutMs));
    }
    if (this.pending.size > 0) this.arm();
  };
}
