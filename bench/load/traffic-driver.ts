/**
 * Issues edits and cursor moves at fixed aggregate rates from one timer. Each tick sends what
 * is due by the clock, round-robin over the writers (so every writer's edits are evenly spaced)
 * and never more than a few ticks' worth at once: when the generator cannot keep up, the
 * achieved rate falls short of the target and the result says so, instead of a burst
 * distorting the latency.
 */
import { markerToken } from './marker.js';
import type { DeliveryRecorder } from './delivery-recorder.js';
import { randomInt, type Random } from './random.js';
import type { SimClient } from './sim-client.js';

const TICK_MS = 5;
const MAX_TICKS_OF_BACKLOG = 20;

interface Stream {
  actors: readonly SimClient[];
  perSecond: number;
  recorder: DeliveryRecorder;
  act(client: SimClient, token: string): void;
  issued: number;
  next: number;
  since: number;
}

export class TrafficDriver {
  private readonly streams: Stream[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly random: Random,
    /** Receivers of a message from `client` (its room's size minus one). */
    private readonly receivers: (client: SimClient) => number,
  ) {}

  addEdits(writers: readonly SimClient[], perSecond: number, recorder: DeliveryRecorder): void {
    this.add(writers, perSecond, recorder, (client, token) => client.insert(token, randomInt(this.random, client.text.length + 1)));
  }

  addCursors(movers: readonly SimClient[], perSecond: number, recorder: DeliveryRecorder): void {
    this.add(movers, perSecond, recorder, (client, token) => client.moveCursor(token, randomInt(this.random, client.text.length + 1)));
  }

  /** Changes the rate of the first stream (edits), restarting its clock. */
  setEditRate(perSecond: number): void {
    const stream = this.streams[0];
    if (!stream) return;
    stream.perSecond = perSecond;
    stream.issued = 0;
    stream.since = performance.now();
  }

  start(): void {
    const now = performance.now();
    for (const stream of this.streams) {
      stream.since = now;
      stream.issued = 0;
    }
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private add(actors: readonly SimClient[], perSecond: number, recorder: DeliveryRecorder, act: Stream['act']): void {
    if (actors.length === 0 || perSecond <= 0) return;
    // Start each stream at a random writer so rooms do not all edit in the same order.
    this.streams.push({ actors, perSecond, recorder, act, issued: 0, next: randomInt(this.random, actors.length), since: 0 });
  }

  private tick(): void {
    const now = performance.now();
    for (const stream of this.streams) {
      const due = Math.floor(((now - stream.since) / 1000) * stream.perSecond) - stream.issued;
      const cap = Math.max(1, Math.ceil((stream.perSecond * TICK_MS * MAX_TICKS_OF_BACKLOG) / 1000));
      const count = Math.min(due, cap);
      // Work the generator could not do in time is dropped, not queued: see the class comment.
      stream.issued += due;
      for (let i = 0; i < count; i += 1) {
        const client = stream.actors[stream.next % stream.actors.length];
        stream.next += 1;
        if (!client?.isOpen) continue;
        const id = stream.recorder.register(client.index, this.receivers(client), performance.now());
        stream.act(client, markerToken(id));
      }
    }
  }
}
