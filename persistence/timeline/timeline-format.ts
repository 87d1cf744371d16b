/**
 * The timeline of a document as `GET /api/docs/<doc>/timeline` sends it (PROTOCOL.md): every
 * step of its history — a record, with its sequence number, time and author — what each step
 * brought and deleted, by Yjs ids, and the document with every step applied and nothing
 * garbage-collected. With it a browser shows any point of the history, and what any step
 * changed, without asking the server again. Shared by the server and the editor: no Node.
 *
 *   timeline := "TDTL" • varUint(1) • varString(meta) • steps • sessions • clients • claims
 *               • varUint8Array(state)
 *   meta     := JSON {"name", "startSeq", "lastSeq", "compacted": null | {"beforeSeq", "at"},
 *               "authors": [{"id", "name", "declared", "via"}], "named": [{"id", "name", "seq"}]}
 *   steps    := varUint(n) • n × (varUint(seq − previous seq) • varInt(time − previous time)
 *               • varUint(author))          -- previous seq starts at startSeq, time at 0 (ms)
 *   sessions := varUint(m) • m × varUint(end − previous end)
 *                                           -- the step each session ends with (1..n): the
 *                                           -- history's versions (persistence/history.ts)
 *   clients  := varUint(k) • k × varUint(Yjs client id)
 *   claims   := n × (varUint(i) • i × claim • varUint(d) • d × claim)
 *                                           -- what step 1..n brought (i), then deleted (d)
 *   claim    := varUint(client) • varInt(clock − mark) • varUint(length)
 *                                           -- client: index into clients; mark: the end of
 *                                           -- the last range that client's inserts claimed
 *                                           -- (0 at first), so typing costs a byte or two
 *   state    := Yjs update (v2: the smaller, faster to read) of the document after step n,
 *               without garbage collection
 *
 * Position 0 is the start of the history (`startSeq`: 0 for the empty document, or the
 * compaction's cut); position p is the document after step p. A step brings the clocks it
 * claims and deletes the ones it deletes: a clock no step brought was there from the start.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DiffAuthor } from '../../document-schema/diff/diff-tree.js';

export const TIMELINE_CONTENT_TYPE = 'application/vnd.tandem.timeline';
const MAGIC = [0x54, 0x44, 0x54, 0x4c]; // "TDTL"
const VERSION = 1;

export interface TimelineMeta {
  name: string;
  /** The point position 0 stands for. */
  startSeq: number;
  /** The last record's sequence number (that of the last step, or `startSeq`). */
  lastSeq: number;
  /** Set when history before `beforeSeq` was compacted away (`at`: when). */
  compacted: { beforeSeq: number; at: string } | null;
  /** Steps' authors, each once (persistence/author-table.ts). */
  authors: DiffAuthor[];
  /** The document's named versions (persistence/named-versions.ts), oldest first; one before `startSeq` shows the start. */
  named: TimelineName[];
}

export interface TimelineName {
  id: string;
  name: string;
  /** The record it names. */
  seq: number;
}

/** Ranges of one Yjs client's clocks, flat: client index, first clock, length — three numbers each. */
export type ClaimList = number[];

export interface Timeline {
  meta: TimelineMeta;
  /** Per step (index p − 1 for step p): its record's sequence number, time (ms) and author index. */
  seqs: Float64Array;
  times: Float64Array;
  authors: Uint32Array;
  /** The steps sessions end with, ascending. */
  sessionEnds: Uint32Array;
  clients: number[];
  /** Step p's claims are `inserts[insertAt[p − 1] .. insertAt[p])` (in threes), likewise deletes. */
  insertAt: Uint32Array;
  inserts: Float64Array;
  deleteAt: Uint32Array;
  deletes: Float64Array;
  state: Uint8Array;
}

export class TimelineFormatError extends Error {
  readonly code = 'ERR_TIMELINE_FORMAT';
}

/**
 * Writes steps and their claims as they are added: the two sections only grow, so a timeline
 * kept between requests encodes only its new steps.
 */
export class TimelineWriter {
  private readonly steps = encoding.createEncoder();
  private readonly claims = encoding.createEncoder();
  private readonly clientIndex = new Map<number, number>();
  private readonly clients: number[] = [];
  private readonly marks: number[] = [];
  private count = 0;
  private previousSeq: number;
  private previousTime = 0;

  constructor(startSeq: number) {
    this.previousSeq = startSeq;
  }

  get stepCount(): number {
    return this.count;
  }

  /** Adds the next step: `inserts` and `deletes` as (Yjs client id, clock, length) triples. */
  addStep(seq: number, timeMs: number, author: number, inserts: readonly number[], deletes: readonly number[]): void {
    encoding.writeVarUint(this.steps, seq - this.previousSeq);
    encoding.writeVarInt(this.steps, timeMs - this.previousTime);
    encoding.writeVarUint(this.steps, author);
    this.previousSeq = seq;
    this.previousTime = timeMs;
    this.count += 1;
    this.writeClaims(inserts, true);
    this.writeClaims(deletes, false);
  }

  /** The whole timeline, with `state` the document after the last step added. */
  encode(meta: TimelineMeta, sessionEnds: readonly number[], state: Uint8Array): Uint8Array {
    const out = encoding.createEncoder();
    for (const byte of MAGIC) encoding.writeUint8(out, byte);
    encoding.writeVarUint(out, VERSION);
    encoding.writeVarString(out, JSON.stringify(meta));
    encoding.writeVarUint(out, this.count);
    encoding.writeUint8Array(out, encoding.toUint8Array(this.steps));
    encoding.writeVarUint(out, sessionEnds.length);
    let previousEnd = 0;
    for (const end of sessionEnds) {
      encoding.writeVarUint(out, end - previousEnd);
      previousEnd = end;
    }
    encoding.writeVarUint(out, this.clients.length);
    for (const client of this.clients) encoding.writeVarUint(out, client);
    encoding.writeUint8Array(out, encoding.toUint8Array(this.claims));
    encoding.writeVarUint8Array(out, state);
    return encoding.toUint8Array(out);
  }

  private writeClaims(ranges: readonly number[], inserts: boolean): void {
    encoding.writeVarUint(this.claims, ranges.length / 3);
    for (let i = 0; i < ranges.length; i += 3) {
      const index = this.indexOf(ranges[i] as number);
      const clock = ranges[i + 1] as number;
      const length = ranges[i + 2] as number;
      encoding.writeVarUint(this.claims, index);
      encoding.writeVarInt(this.claims, clock - (this.marks[index] as number));
      encoding.writeVarUint(this.claims, length);
      if (inserts) this.marks[index] = clock + length;
    }
  }

  private indexOf(client: number): number {
    let index = this.clientIndex.get(client);
    if (index === undefined) {
      index = this.clients.length;
      this.clients.push(client);
      this.marks.push(0);
      this.clientIndex.set(client, index);
    }
    return index;
  }
}

function readClaims(decoder: decoding.Decoder, marks: number[], clientCount: number, out: number[], inserts: boolean): void {
  const count = decoding.readVarUint(decoder);
  for (let i = 0; i < count; i++) {
    const index = decoding.readVarUint(decoder);
    if (index >= clientCount) throw new TimelineFormatError(`claim names client ${index} of ${clientCount}`);
    const clock = (marks[index] as number) + decoding.readVarInt(decoder);
    const length = decoding.readVarUint(decoder);
    if (clock < 0) throw new TimelineFormatError('claim before clock 0');
    out.push(index, clock, length);
    if (inserts) marks[index] = clock + length;
  }
}

function readMeta(text: string): TimelineMeta {
  const meta = JSON.parse(text) as Partial<TimelineMeta> | null;
  if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || typeof meta.startSeq !== 'number' || typeof meta.lastSeq !== 'number' || !Array.isArray(meta.authors)) {
    throw new TimelineFormatError('the timeline header is not what this editor reads');
  }
  return { name: meta.name, startSeq: meta.startSeq, lastSeq: meta.lastSeq, compacted: meta.compacted ?? null, authors: meta.authors, named: Array.isArray(meta.named) ? meta.named : [] };
}

export function decodeTimeline(bytes: Uint8Array): Timeline {
  const decoder = decoding.createDecoder(bytes);
  try {
    for (const byte of MAGIC) if (decoding.readUint8(decoder) !== byte) throw new TimelineFormatError('not a Tandem timeline');
    const version = decoding.readVarUint(decoder);
    if (version !== VERSION) throw new TimelineFormatError(`timeline format ${version} is not one this editor reads (${VERSION})`);
    const meta = readMeta(decoding.readVarString(decoder));
    const n = decoding.readVarUint(decoder);
    const seqs = new Float64Array(n);
    const times = new Float64Array(n);
    const authors = new Uint32Array(n);
    let seq = meta.startSeq;
    let time = 0;
    for (let i = 0; i < n; i++) {
      seq += decoding.readVarUint(decoder);
      time += decoding.readVarInt(decoder);
      seqs[i] = seq;
      times[i] = time;
      authors[i] = decoding.readVarUint(decoder);
    }
    const sessionEnds = new Uint32Array(decoding.readVarUint(decoder));
    let end = 0;
    for (let i = 0; i < sessionEnds.length; i++) sessionEnds[i] = end += decoding.readVarUint(decoder);
    const clients: number[] = [];
    for (let i = decoding.readVarUint(decoder); i > 0; i--) clients.push(decoding.readVarUint(decoder));
    const marks = clients.map(() => 0);
    const insertAt = new Uint32Array(n + 1);
    const deleteAt = new Uint32Array(n + 1);
    const inserts: number[] = [];
    const deletes: number[] = [];
    for (let i = 0; i < n; i++) {
      readClaims(decoder, marks, clients.length, inserts, true);
      readClaims(decoder, marks, clients.length, deletes, false);
      insertAt[i + 1] = inserts.length;
      deleteAt[i + 1] = deletes.length;
    }
    const state = decoding.readVarUint8Array(decoder);
    return { meta, seqs, times, authors, sessionEnds, clients, insertAt, inserts: Float64Array.from(inserts), deleteAt, deletes: Float64Array.from(deletes), state };
  } catch (error) {
    if (error instanceof TimelineFormatError) throw error;
    // lib0 throws its own errors on truncated input.
    throw new TimelineFormatError(`the timeline is truncated or damaged: ${(error as Error).message}`);
  }
}
