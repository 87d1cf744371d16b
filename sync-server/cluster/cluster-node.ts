/**
 * This server as one node of a cluster: a `DocChannel` for every open document, and the
 * node-wide timers.
 *
 * - Heartbeat (every HEARTBEAT_MS): each open document's group membership is renewed for
 *   GROUP_TTL_MS; what the groups say also tells which other nodes are gone.
 * - Check (every CHECK_MS): one query for the newest seq of every open document; a document
 *   behind it catches up. This is the safety net under the bus: it needs no message at all,
 *   so documents open on several nodes converge through the database even while Redis is down.
 * - Bus status: when the bus comes back, every document is greeted again and caught up; when
 *   it has been down for a group's lifetime, other nodes' clients are removed here (those
 *   nodes count this one gone too, and it cannot hear their presence).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SharedLog } from '../../persistence/store.js';
import type { RoomLink } from '../rooms/room-link.js';
import type { Room } from '../rooms/room.js';
import type { Bus } from './bus.js';
import { createClusterMetrics } from './cluster-metrics.js';
import { RemoteNode } from './cluster-presence.js';
import { encodeBusMessage } from './bus-message.js';
import { DocChannel, docKeys, type ChannelContext } from './doc-channel.js';

const HEARTBEAT_MS = 2000;
const GROUP_TTL_MS = 3 * HEARTBEAT_MS;
const CHECK_MS = 5000;
/** Documents asked about per query by the check. */
const CHECK_BATCH = 1000;
/** At shutdown, goodbyes still being sent are waited for this long at most. */
const GOODBYE_WAIT_MS = 2000;

export interface ClusterNodeOptions {
  nodeId: string;
  bus: Bus;
  log: SharedLog;
  logger: Logger;
  registry: Registry;
  presenceIntervalMs: number;
  /** Closes this node's connections to a document (another node deleted or replaced it). */
  closeClients(doc: string, closure: { code: number; reason: string }): void;
}

/** How long a delete waits for the other nodes to close the document (closeEverywhere). */
const CLOSE_WAIT_MS = 10_000;

export class ClusterNode {
  readonly nodeId: string;
  private readonly channels = new Map<string, DocChannel>();
  private readonly remoteNodes = new Map<string, RemoteNode>();
  private readonly ctx: ChannelContext;
  /** Goodbyes of closed documents still being sent (unsubscribe, leave the group, bye). */
  private readonly leaving = new Set<Promise<unknown>>();
  private readonly timers: NodeJS.Timeout[];
  private isolation: NodeJS.Timeout | null = null;
  private heartbeating = false;
  private checking = false;
  private closed = false;

  constructor(private readonly options: ClusterNodeOptions) {
    const { bus, log, logger, nodeId } = options;
    this.nodeId = nodeId;
    const metrics = createClusterMetrics(options.registry, {
      busUp: () => bus.up,
      sharedDocuments: () => [...this.channels.values()].filter((c) => c.shared).length,
      otherNodes: () => new Set([...this.channels.values()].flatMap((c) => [...c.otherNodes()])).size,
    });
    this.ctx = {
      nodeId, bus, log, logger, metrics,
      presenceIntervalMs: options.presenceIntervalMs,
      groupTtlMs: GROUP_TTL_MS,
      leaving: (goodbye) => {
        this.leaving.add(goodbye);
        void goodbye.finally(() => this.leaving.delete(goodbye));
      },
      closeClients: (doc, closure) => options.closeClients(doc, closure),
      remoteNode: (id) => {
        let node = this.remoteNodes.get(id);
        if (!node) {
          node = new RemoteNode(id);
          this.remoteNodes.set(id, node);
        }
        return node;
      },
    };
    bus.onStatus(this.onBusStatus);
    this.timers = [setInterval(() => void this.heartbeat(), HEARTBEAT_MS), setInterval(() => void this.check(), CHECK_MS)];
    for (const timer of this.timers) timer.unref();
  }

  /** `RoomOptions.link`: connects a freshly loaded room to the other nodes. */
  attach(room: Room): RoomLink {
    const channel = new DocChannel(room, this.ctx, (closed) => {
      if (this.channels.get(closed.name) === closed) this.channels.delete(closed.name);
    });
    this.channels.set(room.name, channel);
    void channel.open();
    return channel;
  }

  /**
   * Tells every other node to close `name`'s connections with `closure` (it is being deleted,
   * or replaced), and resolves once none of them has it open: each leaves the document's group
   * when its room has unloaded, its last records committed. Rejects, saying why, when the bus
   * is down (they cannot be told) or they still have it open after `waitMs`.
   */
  async closeEverywhere(name: string, closure: { code: number; reason: string }, waitMs = CLOSE_WAIT_MS): Promise<void> {
    const { bus, nodeId } = this.options;
    if (!bus.up) throw new Error(`the cluster bus is down (${bus.downReason ?? 'unknown'}): the other nodes cannot be told to close the document`);
    const { channel, group } = docKeys(name);
    await bus.publish(channel, encodeBusMessage({ kind: 'close', node: nodeId, doc: name, ...closure }));
    const deadline = Date.now() + waitMs;
    for (;;) {
      // The group's members, read by joining it for a moment.
      const others = (await bus.join(group, nodeId, 1000)).filter((member) => member !== nodeId);
      await bus.leave(group, nodeId);
      if (others.length === 0) return;
      if (Date.now() > deadline) throw new Error(`nodes ${others.join(', ')} still have the document open`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  health(): { up: boolean; reason: string | null } {
    return { up: this.options.bus.up, reason: this.options.bus.downReason };
  }

  /** After every room was unloaded (their goodbyes sent): stops the timers and disconnects. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    if (this.isolation) clearTimeout(this.isolation);
    await Promise.race([Promise.allSettled(this.leaving), new Promise((resolve) => setTimeout(resolve, GOODBYE_WAIT_MS).unref())]);
    await this.options.bus.close();
  }

  private async heartbeat(): Promise<void> {
    if (this.heartbeating || !this.options.bus.up) return;
    this.heartbeating = true;
    try {
      // A failed renewal is made again by the next beat (the group's lifetime spans three).
      await Promise.all([...this.channels.values()].map((channel) => channel.refreshMembers().catch(() => undefined)));
    } finally {
      this.heartbeating = false;
    }
  }

  private async check(): Promise<void> {
    if (this.checking || this.channels.size === 0) return;
    this.checking = true;
    try {
      const names = [...this.channels.keys()];
      for (let i = 0; i < names.length; i += CHECK_BATCH) {
        const heads = await this.options.log.lastSeqs(names.slice(i, i + CHECK_BATCH));
        for (const [name, head] of heads) this.channels.get(name)?.checkHead(head);
      }
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not check open documents against the database');
    } finally {
      this.checking = false;
    }
  }

  private readonly onBusStatus = (up: boolean): void => {
    if (this.closed) return;
    if (!up) {
      this.isolation ??= setTimeout(() => {
        this.isolation = null;
        for (const channel of this.channels.values()) channel.isolated();
      }, GROUP_TTL_MS);
      return;
    }
    if (this.isolation) clearTimeout(this.isolation);
    this.isolation = null;
    for (const channel of this.channels.values()) void channel.reconnected();
  };
}
