/**
 * The three ways the load generator talks to a server. The message bodies are the y-websocket
 * protocol in every case (y-protocols: sync step 1/2/update, awareness); what differs is the
 * framing around them and who answers the sync handshake.
 *
 * - `y-websocket`: one document per socket, named by the URL path; the server runs the sync.
 * - `hocuspocus`: every message is prefixed with `varString(documentName)`; the client must send
 *   an auth message first; sync replies may come as type 4 (SyncReply), and the server adds
 *   SyncStatus (8) acknowledgements, which are ignored.
 * - `relay`: y-websocket framing to a server that only forwards frames. Nobody answers a sync
 *   step 1, so clients skip the handshake and count as synced once the socket is open; the
 *   workloads start every client before the first edit, so all documents still converge.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

export type WireProtocol = 'y-websocket' | 'hocuspocus' | 'relay';

export const Message = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3, syncReply: 4 } as const;
export const Sync = { step1: 0, step2: 1, update: 2 } as const;

export interface Wire {
  readonly handshake: boolean;
  url(baseUrl: string, room: string): string;
  /** Frames sent once the socket opens, before sync step 1. */
  opening(): Uint8Array[];
  /** Starts an outgoing message: the framing prefix is already written. */
  encoder(): encoding.Encoder;
  /** A decoder positioned at the message type (past any framing prefix). */
  decoder(frame: Uint8Array): decoding.Decoder;
}

const roomUrl = (baseUrl: string, room: string): string =>
  `${baseUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/${room}`;

class PlainWire implements Wire {
  constructor(readonly handshake: boolean) {}
  url(baseUrl: string, room: string): string {
    return roomUrl(baseUrl, room);
  }
  opening(): Uint8Array[] {
    return [];
  }
  encoder(): encoding.Encoder {
    return encoding.createEncoder();
  }
  decoder(frame: Uint8Array): decoding.Decoder {
    return decoding.createDecoder(frame);
  }
}

class HocuspocusWire implements Wire {
  readonly handshake = true;
  constructor(private readonly room: string) {}
  url(baseUrl: string, room: string): string {
    return roomUrl(baseUrl, room);
  }
  opening(): Uint8Array[] {
    // auth := varString(doc) • varUint(2) • varUint(0 = token) • varString(token)
    const e = this.encoder();
    encoding.writeVarUint(e, Message.auth);
    encoding.writeVarUint(e, 0);
    encoding.writeVarString(e, '');
    return [encoding.toUint8Array(e)];
  }
  encoder(): encoding.Encoder {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, this.room);
    return e;
  }
  decoder(frame: Uint8Array): decoding.Decoder {
    const d = decoding.createDecoder(frame);
    decoding.readVarString(d);
    return d;
  }
}

export function createWire(protocol: WireProtocol, room: string): Wire {
  switch (protocol) {
    case 'y-websocket':
      return new PlainWire(true);
    case 'relay':
      return new PlainWire(false);
    case 'hocuspocus':
      return new HocuspocusWire(room);
  }
}
