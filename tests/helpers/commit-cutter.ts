/**
 * A TCP proxy in front of PostgreSQL that can leave a write cycle's outcome unknown to the
 * client, as a network cut or a crash can. It follows the messages both ways and, armed, acts
 * on the next batch statement (the prepared statement that commits a write cycle, its own
 * transaction: its Parse on a new connection, else its Bind):
 * - `answer`: passes the statement on and cuts the connection when the server's answer is
 *   complete (ReadyForQuery), without forwarding it: the client sees its statement fail, the
 *   server has committed.
 * - `unsent`: cuts the client's side the moment the statement arrives and never sends it on:
 *   the server's session stays open, idle, until the server goes away.
 * - `sent`: passes the statement on, through its Sync, then cuts the client's side: the server
 *   runs it (commits it, or waits for a row lock) with nobody listening, and its session stays
 *   open until it is ended or the server goes away.
 * Every other connection is cut (both sides) when the statement is caught, as a network cut
 * takes them all: the store then needs a new connection to find out what happened, which
 * `refusing` can hold back.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { COMMIT_BATCH_NAME } from '../../persistence/postgres/sql.js';

export type Cut = 'answer' | 'unsent' | 'sent';

/** Named in the Parse of the batch statement and in every Bind that runs it. */
const BATCH_MARKER = COMMIT_BATCH_NAME;
/** The protocol version a StartupMessage carries (3.0); SSL and GSS requests come before it, untyped too. */
const PROTOCOL_3 = 196608;

/**
 * Splits a byte stream into whole protocol messages: a type byte and a length that counts
 * itself, except the client's first messages (startup, SSL request), which have no type byte.
 */
class MessageSplitter {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private untyped: boolean) {}

  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const messages: Buffer[] = [];
    for (;;) {
      const typeBytes = this.untyped ? 0 : 1;
      if (this.buffered.length < typeBytes + 4) break;
      const size = typeBytes + this.buffered.readUInt32BE(typeBytes);
      if (this.buffered.length < size) break;
      const message = this.buffered.subarray(0, size);
      if (this.untyped && message.length >= 8 && message.readUInt32BE(4) === PROTOCOL_3) this.untyped = false;
      messages.push(message);
      this.buffered = this.buffered.subarray(size);
    }
    return messages;
  }
}

export class CommitCutter {
  private armed: Cut | null = null;
  /** While set, every new connection is cut as soon as it arrives. */
  refusing = false;
  cuts = 0;
  private readonly sockets = new Set<Socket>();
  /** Ends each open connection, both sides. */
  private readonly connections = new Set<() => void>();

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<CommitCutter> {
    const server = createServer();
    const cutter = new CommitCutter(server);
    server.on('connection', (client) => (cutter.refusing ? client.destroy() : cutter.pipe(client, targetPort)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return cutter;
  }

  get port(): number {
    const address = this.server.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    return address.port;
  }

  /** Acts on the next batch statement, once. */
  arm(cut: Cut = 'answer'): void {
    this.armed = cut;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    const fromClient = new MessageSplitter(true);
    const fromServer = new MessageSplitter(false);
    // What this connection does with the batch it caught, and how far that has got.
    let cut: Cut | null = null;
    let synced = false;
    let holding = false;
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    this.connections.add(end);
    const hold = (): void => {
      holding = true;
      client.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      for (const message of fromClient.push(chunk)) {
        if (this.armed && (message[0] === 0x50 || message[0] === 0x42) && message.includes(BATCH_MARKER)) {
          cut = this.armed;
          this.armed = null;
          this.cuts += 1;
          for (const other of this.connections) if (other !== end) other();
        }
        if (cut === 'unsent') return hold();
        upstream.write(message);
        if (cut && message[0] === 0x53) {
          synced = true;
          if (cut === 'sent') return hold();
        }
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const message of fromServer.push(chunk)) {
        if (client.destroyed) return;
        if (cut !== 'answer' || !synced) {
          client.write(message);
          continue;
        }
        // The answer is withheld; ReadyForQuery ends it, after the commit.
        if (message[0] === 0x5a) {
          client.destroy();
          upstream.destroy();
          return;
        }
      }
    });
    client.on('close', () => {
      this.connections.delete(end);
      if (!holding) upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }
}
