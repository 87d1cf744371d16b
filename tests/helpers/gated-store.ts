/** A memory store whose appends wait until the test releases them: updates stay "not yet durable". */
import { MemoryStore } from '../../persistence/memory-store.js';
import type { AppendMeta } from '../../persistence/store.js';

/** Appends wait until `release()`; with `failing` set they reject instead. */
export class GatedStore extends MemoryStore {
  private waiting: Array<() => void> = [];
  failing = false;

  /** Appends waiting for `release()`. */
  get pending(): number {
    return this.waiting.length;
  }

  override async append(name: string, update: Uint8Array, meta: AppendMeta): Promise<number> {
    if (this.failing) throw new Error('disk went away');
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.append(name, update, meta);
  }

  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
