/**
 * `@y/websocket-server` 0.1.1 in memory, as its own `server.js` runs it (`npx y-websocket`),
 * with the `ws` it ships with (6.x) — only the port is printed once bound.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { setupWSConnection } from '@y/websocket-server/utils';
import { announce, exitOnSignals, requestedPort } from './ready-line.js';

interface ShippedWebSocketServer {
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, done: (ws: unknown) => void): void;
  on(event: 'connection', listener: (ws: unknown, req: http.IncomingMessage) => void): void;
  emit(event: 'connection', ws: unknown, req: http.IncomingMessage): boolean;
}
interface ShippedWs {
  Server: new (options: { noServer: true }) => ShippedWebSocketServer;
}

// Resolve `ws` from the package's own directory, as its server.js does.
const requireFromPackage = createRequire(import.meta.resolve('@y/websocket-server/utils'));
const ws = requireFromPackage('ws') as ShippedWs;

const wss = new ws.Server({ noServer: true });
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain' });
  response.end('okay');
});

wss.on('connection', (conn, req) => setupWSConnection(conn as Parameters<typeof setupWSConnection>[0], req));
server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
  wss.handleUpgrade(request, socket, head, (conn) => {
    wss.emit('connection', conn, request);
  });
});

exitOnSignals();
server.listen(requestedPort(), '127.0.0.1', () => announce(server));
