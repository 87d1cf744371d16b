/**
 * Loaded rooms by document name.
 *
 * - Single-flight: concurrent `acquire`s of one name share one load.
 * - Reference counted: every `acquire` is matched by one `release`; the last release unloads
 *   the room once its writes are durable. A name being unloaded is loaded again only after
 *   the unload finished, so a new room always sees every write of the old one.
 * - Closing: while a name is closed (`close`), its room is not loaded again — `acquire` waits
 *   until it is reopened — so the store can move the document (the trash) with no room on it.
 */
import { Room, type RoomOptions } from './room.js';

interface Entry {
  room: Promise<Room>;
  refs: number;
  /** Told when the entry goes (its last release, or a failed load). */
  gone: (() => void)[];
}

/** Why a name is closed, for connections that arrive meanwhile (see `closedReason`). */
export interface Closure {
  code: number;
  reason: string;
}

export class RoomRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly closed = new Map<string, { closure: Closure; reopened: Promise<void> }>();

  constructor(
    private readonly options: RoomOptions,
    private readonly onUnloadError: (name: string, error: unknown) => void,
  ) {}

  /** Number of rooms loaded or loading. */
  get size(): number {
    return this.entries.size;
  }

  /** Rooms loaded right now (for shutdown and metrics). */
  async loadedRooms(): Promise<Room[]> {
    const settled = await Promise.allSettled([...this.entries.values()].map((e) => e.room));
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** The room for `name`, loading it if needed. Reject = the load failed; nothing to release. */
  async acquire(name: string): Promise<Room> {
    for (let closed = this.closed.get(name); closed; closed = this.closed.get(name)) await closed.reopened;
    let entry = this.entries.get(name);
    if (!entry) {
      const previous = this.unloading.get(name) ?? Promise.resolve();
      const room = previous.then(() => Room.load(name, this.options));
      entry = { room, refs: 0, gone: [] };
      this.entries.set(name, entry);
      const created = entry;
      // A failed load must not poison the name: the next acquire tries again.
      room.catch(() => {
        if (this.entries.get(name) !== created) return;
        this.entries.delete(name);
        for (const told of created.gone.splice(0)) told();
      });
    }
    entry.refs += 1;
    try {
      return await entry.room;
    } catch (error) {
      entry.refs -= 1;
      throw error;
    }
  }

  release(room: Room): void {
    const entry = this.entries.get(room.name);
    if (!entry) return;
    entry.refs -= 1;
    if (entry.refs > 0) return;
    this.entries.delete(room.name);
    for (const told of entry.gone.splice(0)) told();
    const unload = room
      .whenDurable()
      .then(() => this.options.store.flush(room.name))
      .catch((error: unknown) => this.onUnloadError(room.name, error))
      .finally(() => {
        room.destroy();
        if (this.unloading.get(room.name) === unload) this.unloading.delete(room.name);
      });
    this.unloading.set(room.name, unload);
  }

  /**
   * Closes `name`: rooms are not loaded for it until the returned function reopens it
   * (`acquire` waits). Connections that were joining meanwhile are to be turned away with
   * `closure` (`closedReason`). The caller closes the room's connections, then `whenGone`.
   */
  close(name: string, closure: Closure): () => void {
    if (this.closed.has(name)) throw new Error(`${JSON.stringify(name)} is closed already`);
    let reopen!: () => void;
    const reopened = new Promise<void>((resolve) => (reopen = resolve));
    this.closed.set(name, { closure, reopened });
    return () => {
      this.closed.delete(name);
      reopen();
    };
  }

  /** Why `name` is closed, or null when it is open. */
  closedReason(name: string): Closure | null {
    return this.closed.get(name)?.closure ?? null;
  }

  /** Resolves once no room of `name` is loaded, loading or unloading. */
  async whenGone(name: string): Promise<void> {
    for (;;) {
      const entry = this.entries.get(name);
      if (entry) await new Promise<void>((resolve) => entry.gone.push(resolve));
      else if (this.unloading.has(name)) await this.unloading.get(name);
      else return;
    }
  }

  /** Waits for every unload in progress (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all(this.unloading.values());
  }
}
