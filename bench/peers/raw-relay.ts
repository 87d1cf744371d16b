/**
 * The ceiling for a Node relay: a `ws` server that forwards every frame to the other sockets
 * of the same path without decoding it. No document state, no sync handshake, no presence
 * bookkeeping — what Tandem would cost if Yjs and durability were free.
 */
import http from 'node:http';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { announce, exitOnSignals, requestedPort } from './ready-line.js';

const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('relay\n');
});

server.on('upgrade', (req, socket, head) => {
  const room = (req.url ?? '/').split('?')[0] ?? '/';
  wss.handleUpgrade(req, socket, head, (ws) => {
    let peers = rooms.get(room);
    if (!peers) {
      peers = new Set();
      rooms.set(room, peers);
    }
    const members = peers;
    members.add(ws);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      for (const peer of members) {
        if (peer !== ws) peer.send(data, { binary: isBinary });
      }
    });
    ws.on('close', () => {
      members.delete(ws);
      if (members.size === 0 && rooms.get(room) === members) rooms.delete(room);
    });
    ws.on('error', () => ws.terminate());
  });
});

exitOnSignals();
server.listen(requestedPort(), '127.0.0.1', () => announce(server));
