/**
 * A document's files (images) over HTTP, under the document's own access rules (api-guard.ts:
 * reading needs read access, adding a file write access):
 *
 *   POST     /api/docs/<name>/files            the file's bytes as the body, with its own type
 *                                              or application/octet-stream
 *            → 201 {"url","type","bytes","sha256"} (200 when the document already held it)
 *   GET|HEAD /api/docs/<name>/files/<sha256>   the file, with the type its bytes say
 *
 * Limits where the bytes arrive: a declared `Content-Length` over `maxFileBytes` is refused
 * before any byte is read, and a body that grows past it is refused as soon as it does —
 * nothing past the limit is kept (the rest is read and thrown away, so the client sees the
 * answer, up to DISCARD_BYTES; then the connection is cut). The type is decided from the
 * first bytes (image-type.ts), so a file that is no image is refused early too.
 *
 * The file counts toward the document's size (`maxDocumentBytes`): the room reserves its
 * bytes before it is stored, so two uploads at once cannot both take the last of the room.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlobStore } from '../../persistence/blobs.js';
import { SHA256_RE, fileUrl, sha256Hex, type StoredFile } from '../../persistence/blobs.js';
import { IMAGE_EXTENSIONS, imageTypeOf, refusalMessage } from '../../persistence/image-type.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { bodyTypeRefusal } from './body-type.js';
import { sendJson } from './http-routes.js';

export interface FileHost {
  readonly rooms: RoomRegistry;
  readonly blobs: BlobStore | null;
  readonly limits: { readonly maxFileBytes: number };
}

/** A refusal the route answers with `{"error": message}`. */
export class FileRouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Enough of a refused body's start to say what it is (image-type.ts). */
const DESCRIBE_BYTES = 512;
/** After a refusal, at most this much more of the body is read (and thrown away). */
const DISCARD_BYTES = 64 * 1024 * 1024;

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

function tooLarge(max: number): FileRouteError {
  return new FileRouteError(413, `The file is larger than ${sizeText(max)}, the largest this server takes (--max-file-bytes).`);
}

/** Reads and throws away the rest of a refused body, so the client sees the answer; past DISCARD_BYTES the connection is cut. */
function discardRest(req: IncomingMessage): void {
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_BYTES) req.socket.destroy();
  });
  req.resume();
}

type Received = { ok: true; data: Buffer } | { ok: false; error: FileRouteError } | { ok: false; error: null };

/**
 * Reads an upload's body up to `max` bytes. Resolves as soon as it is refused (too large, or
 * its first bytes are no accepted image); `error: null` when the client went away.
 */
function receive(req: IncomingMessage, max: number): Promise<Received> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let checked = false;
    let decided = false;
    const decide = (result: Received): void => {
      if (decided) return;
      decided = true;
      chunks.length = 0;
      if (!req.complete) discardRest(req);
      resolve(result);
    };
    const checkType = (final: boolean): void => {
      if (checked || (!final && size < DESCRIBE_BYTES)) return;
      checked = true;
      const head = Buffer.concat(chunks).subarray(0, DESCRIBE_BYTES);
      if (imageTypeOf(head) === null) decide({ ok: false, error: new FileRouteError(415, refusalMessage(head)) });
    };
    req.on('data', (chunk: Buffer) => {
      if (decided) return;
      size += chunk.length;
      if (size > max) return decide({ ok: false, error: tooLarge(max) });
      chunks.push(chunk);
      checkType(false);
    });
    req.on('end', () => {
      checkType(true);
      decide({ ok: true, data: Buffer.concat(chunks) });
    });
    req.on('error', () => decide({ ok: false, error: null }));
    req.on('close', () => decide({ ok: false, error: null }));
  });
}

export function createFileRoutes(host: FileHost): (req: IncomingMessage, res: ServerResponse, doc: string, sha256: string | null) => Promise<void> {
  const blobsOf = (): BlobStore => {
    if (!host.blobs) throw new FileRouteError(404, 'this server keeps no files');
    return host.blobs;
  };

  const upload = async (req: IncomingMessage, res: ServerResponse, doc: string): Promise<void> => {
    const blobs = blobsOf();
    const wrongType = bodyTypeRefusal(req, 'file');
    if (wrongType) throw new FileRouteError(wrongType.status, wrongType.message);
    const max = host.limits.maxFileBytes;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      discardRest(req);
      throw tooLarge(max);
    }
    const received = await receive(req, max);
    if (!received.ok) {
      if (received.error) throw received.error;
      return; // the client went away: nobody to answer
    }
    const { data } = received;
    const type = imageTypeOf(data);
    if (type === null) throw new FileRouteError(415, refusalMessage(data.subarray(0, DESCRIBE_BYTES)));
    const sha256 = sha256Hex(data);
    const room = await host.rooms.acquire(doc);
    let created = false;
    try {
      if (!(await blobs.hasBlob(doc, sha256))) {
        if (!room.reserveFile(data.byteLength)) {
          throw new FileRouteError(413, `The document would grow past its size limit of ${sizeText(room.maxBytes)} with this file (--max-document-bytes counts its text and its files).`);
        }
        try {
          created = (await blobs.putBlob(doc, sha256, data)).created;
        } finally {
          if (!created) room.releaseFile(data.byteLength);
        }
      }
    } finally {
      host.rooms.release(room);
    }
    const url = fileUrl(doc, sha256);
    const body: StoredFile = { url, type, bytes: data.byteLength, sha256 };
    if (created) res.setHeader('location', url);
    sendJson(res, created ? 201 : 200, body);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, doc: string, sha256: string): Promise<void> => {
    const notFound = new FileRouteError(404, `no file ${sha256} in ${JSON.stringify(doc)}`);
    if (!SHA256_RE.test(sha256)) throw notFound;
    const data = await blobsOf().readBlob(doc, sha256);
    if (!data) throw notFound;
    const type = imageTypeOf(data);
    const headers: Record<string, string> = {
      // The name is the content's hash: what this URL answers never changes. Private: reading
      // it takes the document's access rules, which a shared cache does not know.
      'cache-control': 'private, max-age=31536000, immutable',
      etag: `"${sha256}"`,
      // An exported HTML file shows the document's images from wherever it is opened. Only a
      // reader of the document knows the address (a SHA-256 cannot be guessed), and the access
      // rules still apply to every request.
      'cross-origin-resource-policy': 'cross-origin',
    };
    if (req.headers['if-none-match']?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === `"${sha256}"`)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      // Stored files are accepted images; should one not read as such (damage), it is served as bytes.
      'content-type': type ?? 'application/octet-stream',
      'content-length': String(data.byteLength),
      'content-disposition': `inline; filename="${sha256.slice(0, 16)}.${type ? IMAGE_EXTENSIONS[type] : 'bin'}"`,
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  };

  return async (req, res, doc, sha256) => {
    const method = req.method ?? 'GET';
    if (sha256 === null) {
      if (method !== 'POST') throw new FileRouteError(405, 'use POST to add a file');
      await upload(req, res, doc);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') throw new FileRouteError(405, 'use GET');
    await serve(req, res, doc, sha256);
  };
}
