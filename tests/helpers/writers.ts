/**
 * People editing one document through a simulated server that keeps a history the way Tandem's
 * does: each update a writer sends becomes a record with that writer's author, in the order the
 * server received them. Writers edit concurrently — each keeps unsent changes in an outbox until
 * it is delivered — and receive what the server relays.
 */
import * as Y from 'yjs';
import type { LogRecord } from '../../persistence/record.js';

const LOCAL = Symbol('local');

export class Writer {
  readonly doc = new Y.Doc();
  readonly outbox: Uint8Array[] = [];

  constructor(
    readonly author: string | null,
    /** The characters this writer types, so a character tells who typed it. */
    readonly alphabet: string,
    /** Yjs orders concurrent insertions by client id: a seeded test sets it, to replay exactly. */
    clientID?: number,
  ) {
    if (clientID !== undefined) this.doc.clientID = clientID;
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === LOCAL) this.outbox.push(update);
    });
  }

  edit(change: (doc: Y.Doc) => void): void {
    this.doc.transact(() => change(this.doc), LOCAL);
  }
}

export class HistoryServer {
  readonly doc = new Y.Doc();
  readonly records: LogRecord[] = [];
  private time = Date.UTC(2025, 0, 1);

  constructor(readonly writers: Writer[]) {}

  /** Records an update under `author` and relays it to every writer. */
  receive(update: Uint8Array, author: string | null, from: Writer | null = null): void {
    this.time += 1000;
    this.records.push({ seq: this.records.length + 1, timeMs: this.time, author, update });
    Y.applyUpdate(this.doc, update);
    for (const writer of this.writers) if (writer !== from) Y.applyUpdate(writer.doc, update, 'server');
  }

  /** Sends a writer's oldest unsent update. */
  deliverOne(writer: Writer): boolean {
    const update = writer.outbox.shift();
    if (!update) return false;
    this.receive(update, writer.author, writer);
    return true;
  }

  /**
   * A writer that connects again and sends its whole state, everyone's items included: records
   * may hold items the server already has, which stay their first writer's.
   */
  resync(writer: Writer): void {
    writer.outbox.length = 0;
    this.receive(Y.encodeStateAsUpdate(writer.doc), writer.author, writer);
  }

  deliverAll(): void {
    for (const writer of this.writers) while (this.deliverOne(writer));
  }
}
