/**
 * A TCP proxy in front of PostgreSQL that can leave a COMMIT's outcome unknown to the client,
 * as a network cut or a crash can. Armed with `answer`, it passes the next `COMMIT` query to the
 * server, then cuts the connection as soon as the server answers, without forwarding the answer:
 * the client sees its COMMIT fail, the server has committed. Armed with `commit`, it cuts the
 * client's side the moment the next `COMMIT` arrives and never sends it on: the server's session
 * stays open, inside its transaction, until the server goes away.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

const COMMIT_QUERY = Buffer.from('COMMIT\0');

export class CommitCutter {
  private armed: 'answer' | 'commit' | null = null;
  /** While set, every new connection is cut as soon as it arrives. */
  refusing = false;
  cuts = 0;
  private readonly sockets = new Set<Socket>();

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

  /** Loses the answer to the next COMMIT (`answer`), or that COMMIT itself (`commit`). */
  arm(what: 'answer' | 'commit' = 'answer'): void {
    this.armed = what;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let cutting = false;
    let holding = false;
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (this.armed && chunk[0] === 0x51 && chunk.subarray(5).equals(COMMIT_QUERY)) {
        const what = this.armed;
        this.armed = null;
        this.cuts += 1;
        if (what === 'commit') {
          holding = true;
          client.destroy();
          return;
        }
        cutting = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutting) cut();
      else client.write(chunk);
    });
    client.on('close', () => {
      if (!holding) upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }
}
