/**
 * Issues edits and cursor moves, in one of two ways:
 *
 * - Streams: fixed aggregate rates from one 5 ms timer. Each tick sends what is due by the
 *   clock, round-robin over the writers, never more than a few ticks' worth at once: when the
 *   generator cannot keep up, the achieved rate falls short of the target and the result says
 *   so, instead of a burst distorting the latency. Cheap for the generator (the rate sweep),
 *   but every tick sends its edits back to back: a server sees them in bursts, which it can
 *   handle (and commit) together.
 * - Typists: every writer on its own clock, as people type — a fixed period per writer from a
 *   random phase, and a cursor move right after every Nth edit. Edits reach the server spread
 *   over time, mostly one at a time. A typist whose turn came late skips the turns it missed.
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

interface Typist {
  client: SimClient;
  /** Turns taken since `start`. */
  turns: number;
  phaseMs: number;
  timer: NodeJS.Timeout | null;
}

interface Typing {
  typists: Typist[];
  periodMs: number;
  cursorEvery: number;
  edits: DeliveryRecorder;
  cursors: DeliveryRecorder;
}

export class TrafficDriver {
  private readonly streams: Stream[] = [];
  private timer: NodeJS.Timeout | null = null;
  private typing: Typing | null = null;
  private startedAt = 0;

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

  /** Every writer types `perSecond` edits a second on its own clock and moves its cursor after every `cursorEvery`th edit (0: never). */
  addTypists(writers: readonly SimClient[], perSecond: number, cursorEvery: number, edits: DeliveryRecorder, cursors: DeliveryRecorder): void {
    const periodMs = 1000 / perSecond;
    this.typing = {
      typists: writers.map((client) => ({ client, turns: 0, phaseMs: this.random() * periodMs, timer: null })),
      periodMs,
      cursorEvery,
      edits,
      cursors,
    };
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
    if (this.streams.length > 0) this.timer = setInterval(() => this.tick(), TICK_MS);
    this.startedAt = now;
    for (const typist of this.typing?.typists ?? []) {
      typist.turns = 0;
      this.scheduleTurn(typist, now);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const typist of this.typing?.typists ?? []) {
      if (typist.timer) clearTimeout(typist.timer);
      typist.timer = null;
    }
  }

  private scheduleTurn(typist: Typist, now: number): void {
    const typing = this.typing;
    if (!typing) return;
    // Turn n is due at start + phase + n × period; turns already past are skipped.
    const elapsed = now - this.startedAt - typist.phaseMs;
    const next = Math.max(typist.turns, Math.ceil(elapsed / typing.periodMs));
    const dueIn = this.startedAt + typist.phaseMs + next * typing.periodMs - now;
    typist.timer = setTimeout(() => {
      typist.turns = next + 1;
      this.takeTurn(typist, typing);
      this.scheduleTurn(typist, performance.now());
    }, Math.max(0, dueIn));
  }

  private takeTurn(typist: Typist, typing: Typing): void {
    const { client } = typist;
    if (!client.isOpen) return;
    const receivers = this.receivers(client);
    const id = typing.edits.register(client.index, receivers, performance.now());
    client.insert(markerToken(id), randomInt(this.random, client.text.length + 1));
    if (typing.cursorEvery > 0 && typist.turns % typing.cursorEvery === 0) {
      const move = typing.cursors.register(client.index, receivers, performance.now());
      client.moveCursor(markerToken(move), randomInt(this.random, client.text.length + 1));
    }
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
