/**
 * How a peer server started by the bench tells the runner where it listens, and how it stops:
 * one line `ready http://127.0.0.1:<port>` on stdout, and a clean exit on SIGTERM/SIGINT so that
 * `--cpu-prof` profiles get written.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function announce(server: Server): void {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`ready http://127.0.0.1:${port}\n`);
}

export function exitOnSignals(): void {
  const stop = (): void => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** The port to listen on: the first argument, else 0 (any free port). */
export function requestedPort(): number {
  const raw = process.argv[2];
  const port = raw === undefined ? 0 : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port "${raw}"`);
  return port;
}
