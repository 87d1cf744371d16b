/**
 * Refusing a WebSocket upgrade in HTTP terms, before any WebSocket exists: the client gets a
 * real status line (400, 401, 403, 503…) it can act on, and the socket is released at once.
 */
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

export class UpgradeRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'UpgradeRefusal';
  }
}

export function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${refusal.message}\n`;
  const headers = {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': String(Buffer.byteLength(body)),
    ...refusal.headers,
  };
  const head = [`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Error'}`]
    .concat(Object.entries(headers).map(([k, v]) => `${k}: ${v}`))
    .join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`);
  // end() flushes; destroy soon after in case the client never reads.
  setTimeout(() => socket.destroy(), 1000).unref();
}
