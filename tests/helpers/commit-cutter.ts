/**
 * A TCP proxy in front of PostgreSQL that can lose a COMMIT's answer: once armed, it passes
 * the next `COMMIT` query to the server, then cuts the connection as soon as the server answers,
 * without forwarding the answer. The client sees its COMMIT fail; the server has committed —
 * exactly the unknown outcome a network cut or crash can leave.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

const COMMIT_QUERY = Buffer.from('COMMIT\0');

export class CommitCutter {
  private armed = false;
  cuts = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<CommitCutter> {
    const server = createServer();
    const cutter = new CommitCutter(server);
    server.on('connection', (client) => cutter.pipe(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return cutter;
  }

  get port(): number {
    const address = this.server.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    return address.port;
  }

  /** Loses the answer to the next COMMIT. */
  arm(): void {
    this.armed = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let cutting = false;
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (this.armed && chunk[0] === 0x51 && chunk.subarray(5).equals(COMMIT_QUERY)) {
        this.armed = false;
        cutting = true;
        this.cuts += 1;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutting) cut();
      else client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }
}
