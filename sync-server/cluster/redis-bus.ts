/**
 * The Bus on Redis (7.0 or later), with node-redis:
 * - messages: sharded pub/sub (SSUBSCRIBE / SPUBLISH), on a connection of its own (a
 *   subscribed connection runs no other commands). Channel names carry a hash tag, so on a
 *   Redis Cluster each document's traffic would stay on one shard.
 * - groups: a sorted set per group, member → expiry time by the Redis server's clock (no
 *   clock skew between nodes), refreshed, pruned and read in one script call.
 *
 * Connections come back by themselves (backoff up to 2 s) and node-redis subscribes again to
 * every channel before it reports the connection ready; only then is the bus up. Commands
 * are never queued while the connection is down: a publish fails at once (the database has
 * the update; other nodes catch up from it), and a join is made again by the next heartbeat.
 * A publish, join or leave Redis does not answer fails after `commandTimeoutMs`
 * (command-deadlines.ts: one timer for all of them, not one per command), and the bus goes
 * down until Redis answers a PING again: a Redis that is stopped, or stuck in a long command,
 * keeps its connections open, so only an unanswered command tells. Going down and coming back
 * up is what makes the node catch up from the database, as after a lost connection.
 */
import { createHash } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';
import type { Bus, BusListener } from './bus.js';
import { CommandDeadlines, CommandTimeoutError } from './command-deadlines.js';
import { redactDatabaseUrl, redactSecrets } from '../../persistence/postgres/redact-url.js';

export interface RedisBusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RedisBusOptions {
  /** Shown in Redis's CLIENT LIST (e.g. `tandem:<node id>`). */
  clientName: string;
  logger: RedisBusLogger;
  /** A command unanswered for this long fails (default 5 s, node-redis's own). */
  commandTimeoutMs?: number;
}

/**
 * KEYS[1] group; ARGV[1] member, ARGV[2] ttl in ms. Expired members are removed; the key itself
 * expires when nobody refreshes it.
 */
const JOIN_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZRANGE', KEYS[1], 0, -1)`;
const JOIN_SHA = createHash('sha1').update(JOIN_SCRIPT).digest('hex');

type Client = RedisClientType;

/** How often a bus whose command went unanswered asks Redis whether it answers again. */
const PROBE_EVERY_MS = 1000;

export class RedisBus implements Bus {
  readonly label: string;
  private readonly commands: Client;
  /** `commands` without node-redis's per-command timeout: `deadlines` keeps theirs. */
  private readonly hot: Client;
  private readonly deadlines: CommandDeadlines;
  private readonly subscriber: Client;
  private readonly statusListeners: ((up: boolean) => void)[] = [];
  /** Channels subscribed to, and who gets their messages. */
  private readonly wanted = new Map<string, BusListener>();
  /** Channels node-redis holds a subscription to (it makes them again on reconnection), wanted or not. */
  private readonly held = new Set<string>();
  /** Counts the subscriber's connections, so a resubscription outrun by a reconnection is ignored. */
  private subscriberEpoch = 0;
  private readonly ready = { commands: false, subscriber: false };
  /** A command went unanswered: down until a probe is answered (`probeUntilAnswered`). */
  private unanswered = false;
  private lastError: string | null = null;
  private wasUp = false;
  /** Whether the first failure to connect was logged (later ones are, once, when the bus goes down). */
  private reportedUnreachable = false;
  private closed = false;

  constructor(private readonly url: string, private readonly options: RedisBusOptions) {
    this.label = redactDatabaseUrl(url);
    const common = {
      url,
      name: options.clientName,
      socket: { connectTimeout: 5000, reconnectStrategy: (retries: number) => Math.min(2000, 50 * 2 ** Math.min(retries, 6)) },
      // A half-open connection (a peer that vanished without closing) is found by its PING going unanswered.
      pingInterval: 5000,
      commandOptions: { timeout: options.commandTimeoutMs ?? 5000 },
    };
    this.commands = createClient({ ...common, disableOfflineQueue: true }) as Client;
    this.hot = this.commands.withCommandOptions({ timeout: 0 }) as unknown as Client;
    this.deadlines = new CommandDeadlines(options.commandTimeoutMs ?? 5000);
    // Subscriptions made while disconnected wait for the connection (node-redis sends them first).
    this.subscriber = createClient(common) as Client;
    this.watch(this.commands, 'commands');
    this.watch(this.subscriber, 'subscriber');
  }

  /** Starts connecting; never rejects (an unreachable Redis is retried, and reported as down). */
  start(): void {
    for (const client of [this.commands, this.subscriber]) {
      client.connect().catch((error: unknown) => this.failed(error));
    }
  }

  get up(): boolean {
    return this.ready.commands && this.ready.subscriber && !this.unanswered;
  }

  get downReason(): string | null {
    if (this.up) return null;
    return `cannot reach Redis at ${this.label}${this.lastError ? `: ${this.lastError}` : ''}`;
  }

  onStatus(listener: (up: boolean) => void): void {
    this.statusListeners.push(listener);
  }

  async subscribe(channel: string, listener: BusListener): Promise<void> {
    this.wanted.set(channel, listener);
    // While down, the subscription is made on reconnection, before the bus reports up.
    if (!this.up) return;
    await this.subscriber.sSubscribe(channel, this.deliver, true);
    this.held.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    // While down, the subscription is dropped on reconnection (see `resubscribe`).
    if (!this.wanted.delete(channel) || !this.up) return;
    await this.subscriber.sUnsubscribe(channel, this.deliver, true);
    if (!this.wanted.has(channel)) this.held.delete(channel);
  }

  async publish(channel: string, message: Uint8Array): Promise<void> {
    await this.answered(this.hot.sPublish(channel, Buffer.from(message.buffer, message.byteOffset, message.byteLength)));
  }

  async join(group: string, member: string, ttlMs: number): Promise<string[]> {
    const args = { keys: [group], arguments: [member, String(ttlMs)] };
    let reply: unknown;
    try {
      reply = await this.answered(this.hot.evalSha(JOIN_SHA, args));
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      reply = await this.answered(this.hot.eval(JOIN_SCRIPT, args));
    }
    if (!Array.isArray(reply)) throw new Error('unexpected reply from the group script');
    return reply.map(String);
  }

  async leave(group: string, member: string): Promise<void> {
    await this.answered(this.hot.zRem(group, member));
  }

  /** `command` under its deadline; one left unanswered takes the bus down until Redis answers again. */
  private async answered<T>(command: Promise<T>): Promise<T> {
    try {
      return await this.deadlines.watch(command);
    } catch (error) {
      if (error instanceof CommandTimeoutError) this.noAnswer(error);
      throw error;
    }
  }

  private noAnswer(error: CommandTimeoutError): void {
    if (this.unanswered || this.closed) return;
    this.lastError = error.message;
    this.unanswered = true;
    this.changed();
    void this.probeUntilAnswered();
  }

  /** PINGs (each under the same deadline) once a second until one is answered; then the bus is up again. */
  private async probeUntilAnswered(): Promise<void> {
    while (!this.closed) {
      try {
        await this.deadlines.watch(this.hot.ping());
        break;
      } catch (error) {
        // Refused at once while the connection is down (no offline queue): wait for it.
        this.lastError = redactSecrets(error instanceof Error ? error.message : String(error), this.url);
        await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS).unref());
      }
    }
    this.unanswered = false;
    this.changed();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.deadlines.close();
    // destroy, not close: pending commands would wait for a Redis that may be gone.
    for (const client of [this.commands, this.subscriber]) if (client.isOpen) client.destroy();
    this.ready.commands = this.ready.subscriber = false;
  }

  /** One listener for every channel (node-redis keeps one set of listeners per channel). */
  private readonly deliver = (message: Buffer, channel: Buffer): void => {
    this.wanted.get(channel.toString())?.(message);
  };

  private watch(client: Client, which: 'commands' | 'subscriber'): void {
    client.on('ready', () => {
      if (which === 'commands') {
        this.ready.commands = true;
        this.changed();
        return;
      }
      void this.resubscribe(++this.subscriberEpoch);
    });
    client.on('error', (error: unknown) => this.failed(error));
    const lost = (): void => {
      if (which === 'subscriber') this.subscriberEpoch += 1;
      if (!this.ready[which]) return;
      this.ready[which] = false;
      this.changed();
    };
    client.on('reconnecting', lost);
    client.on('end', lost);
  }

  /**
   * node-redis subscribes again to what it had before it reports ready; a subscription that
   * was in flight when the connection broke is not among those, so every wanted channel is
   * asked for (those already there cost nothing), and those given up meanwhile are dropped.
   */
  private async resubscribe(epoch: number): Promise<void> {
    const wanted = [...this.wanted.keys()];
    const stale = [...this.held].filter((channel) => !this.wanted.has(channel));
    try {
      await Promise.all([
        ...wanted.map(async (channel) => {
          await this.subscriber.sSubscribe(channel, this.deliver, true);
          this.held.add(channel);
        }),
        ...stale.map(async (channel) => {
          await this.subscriber.sUnsubscribe(channel, this.deliver, true);
          if (!this.wanted.has(channel)) this.held.delete(channel);
        }),
      ]);
    } catch (error) {
      this.failed(error);
      // A broken connection tries again at its next 'ready'; a live one that timed out, here.
      if (epoch === this.subscriberEpoch && !this.closed) setTimeout(() => void this.resubscribe(epoch), 1000).unref();
      return;
    }
    if (epoch !== this.subscriberEpoch || this.closed) return;
    this.ready.subscriber = true;
    this.changed();
  }

  private failed(error: unknown): void {
    this.lastError = redactSecrets(error instanceof Error ? error.message || error.name : String(error), this.url);
    if (!this.wasUp && !this.reportedUnreachable && !this.closed) {
      this.reportedUnreachable = true;
      this.options.logger.warn({ redis: this.label, err: this.lastError }, 'cannot reach Redis yet: serving this node\'s clients on their own until it answers');
    }
    // node-redis reports a broken socket here before it starts reconnecting.
    if (this.up && (!this.commands.isReady || !this.subscriber.isReady)) {
      this.ready.commands = this.commands.isReady;
      this.ready.subscriber = this.subscriber.isReady;
      this.changed();
    }
  }

  private changed(): void {
    const up = this.up;
    if (up === this.wasUp || this.closed) return;
    this.wasUp = up;
    if (up) {
      this.lastError = null;
      this.options.logger.info({ redis: this.label }, 'connected to Redis');
    } else {
      this.options.logger.warn({ redis: this.label, err: this.lastError }, 'lost Redis: serving this node\'s clients on their own, catching up from the database when it is back');
    }
    for (const listener of this.statusListeners) listener(up);
  }
}
