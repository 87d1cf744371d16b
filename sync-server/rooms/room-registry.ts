/**
 * Loaded rooms by document name.
 *
 * - Single-flight: concurrent `acquire`s of one name share one load.
 * - Reference counted: every `acquire` is matched by one `release`; the last release unloads
 *   the room once its writes are durable. A name being unloaded is loaded again only after
 *   the unload finished, so a new room always sees every write of the old one.
 */
import { Room, type RoomOptions } from './room.js';

interface Entry {
  room: Promise<Room>;
  refs: number;
}

export class RoomRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly unloading = new Map<string, Promise<void>>();

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
    let entry = this.entries.get(name);
    if (!entry) {
      const previous = this.unloading.get(name) ?? Promise.resolve();
      const room = previous.then(() => Room.load(name, this.options));
      entry = { room, refs: 0 };
      this.entries.set(name, entry);
      const created = entry;
      // A failed load must not poison the name: the next acquire tries again.
      room.catch(() => {
        if (this.entries.get(name) === created) this.entries.delete(name);
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

  /** Waits for every unload in progress (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all(this.unloading.values());
  }
}
