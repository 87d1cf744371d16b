/**
 * One open document's link to the other nodes of the cluster (a room's `RoomLink`).
 *
 *   open:      join the document's group → subscribe to its channel → hello → catch up
 *   committed: (an update of this node's peers, committed with seq s) → publish record(s)
 *   record:    in order → apply and relay; after a hole → hold it, and unless the hole fills
 *              within GAP_GRACE_MS, catch up from the database
 *   hello:     → answer here (our newest seq and our clients' presence)
 *   bye / gone from the group: → remove that node's clients' presence
 *   close:     the document was deleted or replaced on another node → close our clients of it
 *
 * Durability: nothing is published before it is committed, and everything applied from other
 * nodes was committed there — so no node ever relays an update that is not in the database.
 * Convergence: every committed record has a seq; a node that misses one (the bus dropped it,
 * Redis restarted, the node was not subscribed yet) sees a hole, or a newer seq from a peer's
 * `here` or the periodic check, and reads the missing records from the database. Yjs updates
 * are idempotent, so a record applied twice is harmless.
 *
 * Work stays where the clients are: records and presence are published only while another
 * node has the document open (its group, refreshed by every heartbeat, and its messages say so).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { SharedLog } from '../../persistence/store.js';
import type { RoomLink } from '../rooms/room-link.js';
import type { Room } from '../rooms/room.js';
import type { Bus } from './bus.js';
import { decodeBusMessage, encodeBusMessage, type BusMessage } from './bus-message.js';
import type { CatchUpReason, ClusterMetrics } from './cluster-metrics.js';
import { ClusterPresence, RemoteNode } from './cluster-presence.js';
import { SeqTracker } from './seq-tracker.js';

/** How long a hole may stay open before the database is asked (bus messages from several nodes may cross). */
const GAP_GRACE_MS = 200;
/** Records read from the database per query while catching up. */
const CATCH_UP_BATCH = 500;
/** Updates larger than this are not carried by the bus: receivers read them from the database. */
const MAX_INLINE_UPDATE_BYTES = 256 * 1024;
/** Origin of the updates a catch-up reads from the database, and of held bus records released together. */
const FROM_DATABASE = Object.freeze({ source: 'database' });
const FROM_BUS = Object.freeze({ source: 'bus' });

/** What every channel of a node shares. */
export interface ChannelContext {
  readonly nodeId: string;
  readonly bus: Bus;
  readonly log: SharedLog;
  readonly logger: Logger;
  readonly metrics: ClusterMetrics;
  readonly presenceIntervalMs: number;
  /** A member stays in a document's group this long after its last heartbeat. */
  readonly groupTtlMs: number;
  /** Told of what a closing document still sends (shutdown waits for it). */
  leaving(goodbye: Promise<unknown>): void;
  /** The one origin object for each other node. */
  remoteNode(id: string): RemoteNode;
  /** Closes this node's connections to a document another node deleted (or replaced). */
  closeClients(doc: string, closure: { code: number; reason: string }): void;
}

/** The channel and group of a document: named by a hash of its name (any length, any bytes), tagged so that Redis Cluster keeps both on one shard. */
export function docKeys(name: string): { channel: string; group: string } {
  const tag = createHash('sha256').update(name).digest('base64url').slice(0, 22);
  return { channel: `tandem:{${tag}}:updates`, group: `tandem:{${tag}}:nodes` };
}

export class DocChannel implements RoomLink {
  readonly channel: string;
  readonly group: string;
  private readonly seqs: SeqTracker;
  private readonly presence: ClusterPresence;
  /** Other nodes with this document open, as far as this node knows, and when that was last confirmed (ms). */
  private readonly others = new Map<string, number>();
  private catching: Promise<void> | null = null;
  private catchUpAgain: CatchUpReason | null = null;
  private gapTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly room: Room,
    private readonly ctx: ChannelContext,
    private readonly onClosed: (channel: DocChannel) => void,
  ) {
    ({ channel: this.channel, group: this.group } = docKeys(room.name));
    this.seqs = new SeqTracker(room.loadedSeq);
    this.presence = new ClusterPresence(room.awareness, ctx.presenceIntervalMs, (awareness) => {
      if (this.others.size > 0) void this.send({ kind: 'presence', node: ctx.nodeId, doc: room.name, awareness });
    });
  }

  get name(): string {
    return this.room.name;
  }

  /** Whether another node has this document open. */
  get shared(): boolean {
    return this.others.size > 0;
  }

  otherNodes(): Iterable<string> {
    return this.others.keys();
  }

  /**
   * Joins the group, subscribes, says hello and reads what was committed since the room was
   * loaded. Never rejects: with the bus down, `reconnected` does the rest later.
   */
  async open(): Promise<void> {
    await this.refreshMembers(false).catch(() => undefined);
    if (this.closed) return;
    await this.ctx.bus.subscribe(this.channel, this.onMessage).catch(() => undefined);
    if (this.closed) return;
    this.hello();
    await this.catchUp('open');
  }

  /** The bus is back and subscribed again: greet everyone, read what the bus did not bring. Never rejects. */
  async reconnected(): Promise<void> {
    await this.refreshMembers(false).catch(() => undefined);
    if (this.closed) return;
    this.hello();
    // A read already under way may have started before the subscription was back, so what was
    // committed between its query and the resubscription would be in neither: read again after it.
    while (this.catching) await this.catching.catch(() => undefined);
    if (this.closed) return;
    await this.catchUp('reconnect');
  }

  /** The bus has been down for a group's lifetime: other nodes count this one gone, and it counts them gone. */
  isolated(): void {
    for (const node of [...this.others.keys()]) this.gone(node);
  }

  /**
   * Heartbeat: stays in the group; new members are greeted, and a node neither in the group nor
   * heard from for a group's lifetime is gone (it died, or lost the bus).
   */
  async refreshMembers(greetNewcomers = true): Promise<void> {
    const members = new Set(await this.ctx.bus.join(this.group, this.ctx.nodeId, this.ctx.groupTtlMs));
    if (this.closed) return;
    members.delete(this.ctx.nodeId);
    const now = Date.now();
    // A member not listed may have joined after the list was read: its own messages vouch for it.
    for (const [node, seen] of [...this.others]) if (!members.has(node) && now - seen > this.ctx.groupTtlMs) this.gone(node);
    let newcomer = false;
    for (const node of members) {
      if (!this.others.has(node)) newcomer = true;
      this.others.set(node, now);
    }
    // They may have missed our clients' presence (and we theirs): trade it.
    if (newcomer && greetNewcomers) this.hello();
  }

  /** The database's newest seq for this document (the periodic check). */
  checkHead(head: number): void {
    this.seqs.heard(head);
    if (this.seqs.behind && !this.catching && !this.gapTimer) void this.catchUp('check');
  }

  committed(update: Uint8Array, seq: number): void {
    if (this.closed) return;
    const unblocked = this.seqs.own(seq);
    if (this.others.size > 0) {
      const { nodeId: node } = this.ctx;
      const doc = this.room.name;
      void this.send(update.byteLength > MAX_INLINE_UPDATE_BYTES ? { kind: 'recordRef', node, doc, seq } : { kind: 'record', node, doc, seq, update });
    }
    // Other nodes' records held behind this one.
    if (unblocked.length > 0) this.applyInOrder(unblocked, null);
    if (this.seqs.behind) this.watchGap();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.presence.destroy();
    this.onClosed(this);
    const { bus, nodeId, logger } = this.ctx;
    const bye = this.others.size > 0 ? this.send({ kind: 'bye', node: nodeId, doc: this.room.name }) : null;
    const left = Promise.all([bye, bus.unsubscribe(this.channel), bus.leave(this.group, nodeId)]).catch((error: unknown) => {
      // The membership lapses by itself; a subscription the bus keeps delivers nothing.
      logger.debug({ room: this.room.name, err: (error as Error).message }, 'could not leave the document\'s group');
    });
    this.ctx.leaving(left);
  }

  private readonly onMessage = (bytes: Uint8Array): void => {
    if (this.closed) return;
    const message = decodeBusMessage(bytes);
    if (!message) {
      this.ctx.metrics.malformed.inc();
      return;
    }
    // Our own messages come back; a hash collision would bring another document's.
    if (message.node === this.ctx.nodeId || message.doc !== this.room.name) return;
    this.ctx.metrics.received.inc({ kind: message.kind });
    if (message.kind === 'bye') {
      this.gone(message.node);
      return;
    }
    if (message.kind === 'close') {
      // The room unloads once its connections are gone, and this node leaves the group.
      this.ctx.closeClients(this.room.name, { code: message.code, reason: message.reason });
      return;
    }
    this.others.set(message.node, Date.now());
    switch (message.kind) {
      case 'record':
        this.applyInOrder(this.seqs.offer(message.seq, message.update), message.node);
        if (this.seqs.behind) this.watchGap();
        return;
      case 'recordRef':
        this.seqs.heard(message.seq);
        void this.catchUp('peer');
        return;
      case 'presence':
        this.applyPresence(message.awareness, message.node);
        return;
      case 'hello':
      case 'here':
        this.applyPresence(message.awareness, message.node);
        if (message.kind === 'hello') void this.send({ kind: 'here', node: this.ctx.nodeId, doc: this.room.name, head: this.seqs.highest, awareness: this.presence.localSnapshot() });
        this.seqs.heard(message.head);
        if (this.seqs.behind) void this.catchUp('peer');
        return;
    }
  };

  /** Applies committed updates from another node (`from`, null when from several). */
  private applyInOrder(updates: Uint8Array[], from: string | null): void {
    const origin = from === null ? FROM_BUS : this.ctx.remoteNode(from);
    for (const update of updates) {
      try {
        this.room.applyCommitted(update, origin);
      } catch (error) {
        this.ctx.logger.error({ room: this.room.name, node: from, err: (error as Error).message }, 'a committed update from another node does not apply');
      }
    }
  }

  private applyPresence(awareness: Uint8Array, from: string): void {
    try {
      this.room.applyRemotePresence(awareness, this.ctx.remoteNode(from));
    } catch (error) {
      this.ctx.metrics.malformed.inc();
      this.ctx.logger.warn({ room: this.room.name, node: from, err: (error as Error).message }, 'malformed presence from another node');
    }
  }

  private gone(node: string): void {
    this.others.delete(node);
    this.presence.forget(this.ctx.remoteNode(node));
  }

  private hello(): void {
    void this.send({ kind: 'hello', node: this.ctx.nodeId, doc: this.room.name, head: this.seqs.highest, awareness: this.presence.localSnapshot() });
  }

  /** Publishes; never rejects (a message the bus could not take is counted, and made up for by catch-ups and hellos). */
  private send(message: BusMessage): Promise<void> {
    const { bus, metrics } = this.ctx;
    metrics.published.inc({ kind: message.kind });
    return bus.publish(this.channel, encodeBusMessage(message)).catch(() => metrics.publishFailed.inc());
  }

  /** A hole: records from several nodes may cross on the bus, so give it a moment to fill. */
  private watchGap(): void {
    if (this.gapTimer || this.catching) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      if (this.seqs.behind && !this.closed) void this.catchUp('gap');
    }, GAP_GRACE_MS);
    this.gapTimer.unref();
  }

  /** Reads the records after `contiguous` from the database, one catch-up at a time; never rejects. */
  catchUp(reason: CatchUpReason): Promise<void> {
    if (this.catching) {
      this.catchUpAgain ??= reason;
      return this.catching;
    }
    this.ctx.metrics.catchUps.inc({ reason });
    const catching = this.readMissing().finally(() => {
      this.catching = null;
      const again = this.catchUpAgain;
      this.catchUpAgain = null;
      if (again && !this.closed && this.seqs.behind) void this.catchUp(again);
    });
    this.catching = catching;
    return catching;
  }

  private async readMissing(): Promise<void> {
    const { log, logger, metrics } = this.ctx;
    for (;;) {
      let records;
      try {
        records = await log.recordsAfter(this.room.name, this.seqs.contiguous, CATCH_UP_BATCH);
      } catch (error) {
        // The periodic check tries again.
        logger.warn({ room: this.room.name, err: (error as Error).message }, 'could not read missed updates from the database');
        return;
      }
      if (this.closed) return;
      metrics.catchUpRecords.inc(records.length);
      const updates = this.seqs.fill(records);
      try {
        this.room.catchUp(updates, FROM_DATABASE);
      } catch (error) {
        logger.error({ room: this.room.name, err: (error as Error).message }, 'committed updates read from the database do not apply');
      }
      if (records.length < CATCH_UP_BATCH) return;
    }
  }
}
