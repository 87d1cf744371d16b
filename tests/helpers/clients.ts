/** Stock y-websocket clients and raw WebSocket clients for tests. */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { DEADLINE_MS, waitFor } from './wait.js';

export interface YClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  destroy(): void;
}

/** A stock `WebsocketProvider` in Node; `disableBc` so nothing syncs around the server. */
export function yClient(wsUrl: string, room: string, options: { connect?: boolean; params?: Record<string, string> } = {}): YClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: options.connect ?? true,
    params: options.params ?? {},
    // Keep reconnects quick so disconnect tests stay short.
    maxBackoffTime: 200,
  });
  return {
    doc,
    provider,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export async function synced(client: YClient, timeoutMs = DEADLINE_MS): Promise<void> {
  await waitFor(() => client.provider.synced, 'provider to sync', timeoutMs);
}

/** A raw WebSocket to a room, for hand-built frames. Resolves once open. */
export async function rawSocket(wsUrl: string, room: string): Promise<{ ws: WebSocket; received: Buffer[]; closed: Promise<{ code: number; reason: string }> }> {
  // As a stock client does: the room goes into the URL as it is.
  const ws = new WebSocket(`${wsUrl}/${room}`);
  const received: Buffer[] = [];
  ws.on('message', (data: Buffer) => received.push(data));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, received, closed };
}

/** Resolves with the close event or rejects after `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
