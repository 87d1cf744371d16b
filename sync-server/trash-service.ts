/**
 * Deleting and restoring documents on a running server, and purging its trash.
 *
 * A delete closes the document's room first: its connections are closed with 4410 (y-websocket
 * does not reconnect on 44xx codes), connections that were joining are turned away the same
 * way, and no room is loaded for the name until the document has moved to the trash. A new
 * document of the same name is then a different document. Restoring closes the room of the
 * name it restores into the same way, with 1012 (stock clients reconnect, and get the restored
 * document) — only ever a room of a document without content: a name a document holds is
 * refused before anything is closed.
 *
 * In a cluster the other nodes are told to close the document the same way, and the store
 * changes only once none of them has it open (their clients' last records committed).
 *
 * The trash is purged at start and every `purgeEveryMs` of what was deleted more than
 * `trashDays` ago. One operation at a time; the clock is `now` (tests move it).
 */
import type { Logger } from 'pino';
import { DAY_MS, TrashError, latestTrashed, nameTakenMessage, type DocTrash, type TrashedDoc } from '../persistence/trash.js';
import type { DocArchive } from '../persistence/archive.js';
import { CloseCode } from './protocol.js';
import type { Closure, RoomRegistry } from './rooms/room-registry.js';

export interface TrashHost {
  readonly rooms: RoomRegistry;
  /** Closes every connection to `name`'s room with `closure`; returns how many. */
  closeConnections(name: string, closure: Closure): number;
  /** In a cluster: the other nodes close the document too (cluster-node.ts); null alone. */
  readonly cluster: { closeEverywhere(name: string, closure: Closure): Promise<void> } | null;
}

export interface TrashServiceOptions {
  trashDays: number;
  now: () => number;
  logger: Logger;
  /** Default one hour. */
  purgeEveryMs?: number;
}

export const DELETED: Closure = { code: CloseCode.documentDeleted, reason: 'document deleted' };
export const REPLACED: Closure = { code: CloseCode.serviceRestart, reason: 'document restored from the trash: reconnect' };

export class TrashService {
  private turn: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly host: TrashHost,
    readonly store: DocTrash & DocArchive,
    readonly options: TrashServiceOptions,
  ) {}

  get trashDays(): number {
    return this.options.trashDays;
  }

  /** Purges now, then every `purgeEveryMs`. */
  start(): void {
    void this.purgeLogged();
    this.timer = setInterval(() => void this.purgeLogged(), this.options.purgeEveryMs ?? 60 * 60 * 1000);
    this.timer.unref();
  }

  /** Stops the timer and waits for the operation in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.turn;
  }

  list(): Promise<TrashedDoc[]> {
    return this.store.listTrash();
  }

  /** Moves `name` to the trash; null when there is no such document. */
  delete(name: string, deletedBy: string | null): Promise<TrashedDoc | null> {
    return this.inTurn(() =>
      this.withRoomClosed(name, DELETED, async () => {
        const deleted = await this.store.trashDoc(name, deletedBy, this.options.now());
        if (deleted) this.options.logger.info({ doc: name, id: deleted.id, by: deletedBy }, 'document moved to the trash');
        return deleted;
      }),
    );
  }

  /**
   * Restores trashed document `id` (default: the latest deleted one named `name`) under `as`
   * (default: its name). Throws `TrashError` (`not-found`, `name-taken`).
   */
  restore(target: { id?: string; name: string }, as?: string): Promise<TrashedDoc> {
    return this.inTurn(async () => {
      const trash = await this.store.listTrash();
      const doc = target.id === undefined ? latestTrashed(trash, target.name) : trash.find((d) => d.id === target.id && d.name === target.name);
      if (!doc) throw new TrashError('not-found', `no deleted document named ${JSON.stringify(target.name)}${target.id === undefined ? '' : ` with the id ${JSON.stringify(target.id)}`} is in the trash`);
      const into = as ?? doc.name;
      // Refused before any room is closed: nobody is disconnected from a document that stays.
      if (((await this.store.readHistory(into))?.records.length ?? 0) > 0) throw new TrashError('name-taken', nameTakenMessage(into));
      const restored = await this.withRoomClosed(into, REPLACED, () => this.store.restoreDoc(doc.id, as));
      this.options.logger.info({ doc: restored.name, id: doc.id, from: doc.name }, 'document restored from the trash');
      return restored;
    });
  }

  /** Purges what was deleted more than `trashDays` ago. */
  purge(): Promise<TrashedDoc[]> {
    return this.inTurn(() => this.store.purgeTrash(this.options.now() - this.options.trashDays * DAY_MS));
  }

  private async purgeLogged(): Promise<void> {
    try {
      const purged = await this.purge();
      for (const doc of purged) this.options.logger.info({ doc: doc.name, id: doc.id, deletedAt: new Date(doc.deletedAtMs).toISOString() }, 'deleted document purged from the trash');
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'purging the trash failed; trying again later');
    }
  }

  private async withRoomClosed<T>(name: string, closure: Closure, work: () => Promise<T>): Promise<T> {
    const reopen = this.host.rooms.close(name, closure);
    try {
      this.host.closeConnections(name, closure);
      await this.host.rooms.whenGone(name);
      // Their clients' last records are committed before the document moves.
      await this.host.cluster?.closeEverywhere(name, closure).catch((error: unknown) => {
        throw new TrashError('busy', `cannot ${closure === DELETED ? 'delete' : 'restore'} it now: ${(error as Error).message}; try again`);
      });
      return await work();
    } finally {
      reopen();
    }
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.turn.then(work);
    this.turn = turn.catch(() => undefined);
    return turn;
  }
}
