/**
 * `POST /api/docs/<name>/import[?format=markdown|html|docx]`: a new document from a file.
 *
 * The body is the file itself (its own type, or `application/octet-stream` with `?format=`).
 * The server converts it (persistence/import/) and writes the result through the document's
 * room as the document's first update, recorded with the importer as its author, so anyone
 * who has the document open sees it at once and nobody's browser ever seeds content.
 *
 *   201 {"name", "format", "seq", "notes": [...]}   notes: what was left out (images of other
 *                                                   types or elsewhere on the web…)
 *
 * Images the file holds (PNG, JPEG, GIF, WebP) become the document's files, stored before its
 * content is written, and counted in its size (--max-document-bytes).
 *   409 the document has content already (an import never merges into a document)
 *   413 the file is larger than --max-import-bytes, a Word file would unpack to more than four
 *       times that (or holds more than 10,000 parts: import-format.ts), or the document would
 *       be larger than --max-document-bytes
 *   415 a type or format that is not Markdown, HTML or Word
 *   422 the file is not what its format says (not UTF-8, not a Word document…)
 *
 * The writer role is needed (api-guard.ts refuses viewers and commenters).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../access/principal.js';
import type { BlobStore } from '../../persistence/blobs.js';
import { IMPORT_FORMAT_NAMES, ImportError, ImportTooLargeError, importDocument, importFormatOf, type ImportedImage } from '../../persistence/import/import-format.js';
import { documentFileUrl } from '../../document-schema/image-policy.js';
import type { Room } from '../rooms/room.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { hasContent } from '../../persistence/shared-types.js';
import { readBytes } from './api-body.js';
import { ApiError } from './api-error.js';
import { bodyTypeRefusal } from './body-type.js';
import { sendJson } from './http-routes.js';

export interface ImportHost {
  readonly rooms: RoomRegistry;
  /** Where the imported images are kept; null: images are left out. */
  readonly blobs: BlobStore | null;
  /** Who `request` is for `docName` (the import's author; the request was let through). */
  principal(request: IncomingMessage, docName: string): Promise<Principal>;
  readonly importLimits: { maxImportBytes: number; maxDocumentBytes: number };
}


/** Stores the imported images as the document's files, within its size limit (413 past it). */
async function storeImages(blobs: BlobStore, room: Room, name: string, images: readonly ImportedImage[]): Promise<void> {
  for (const image of images) {
    if (await blobs.hasBlob(name, image.sha256)) continue;
    if (!room.reserveFile(image.data.byteLength)) {
      throw new ApiError(413, `the imported document's images would take it past its size limit of ${room.maxBytes} bytes (--max-document-bytes counts its text and its files)`);
    }
    let created = false;
    try {
      created = (await blobs.putBlob(name, image.sha256, image.data)).created;
    } finally {
      if (!created) room.releaseFile(image.data.byteLength);
    }
  }
}

export function createImportRoute(host: ImportHost): (name: string, req: IncomingMessage, url: URL, res: ServerResponse) => Promise<void> {
  /** Imports in progress, by document: a second one into the same name waits its turn and finds content. */
  const inProgress = new Map<string, Promise<unknown>>();

  return async (name, req, url, res) => {
    const wrongType = bodyTypeRefusal(req, 'file');
    if (wrongType) throw new ApiError(wrongType.status, wrongType.message);
    const spelled = url.searchParams.get('format') ?? req.headers['content-type'] ?? '';
    const format = importFormatOf(spelled);
    if (format === null) {
      throw new ApiError(415, `cannot import ${JSON.stringify(spelled)}: send ${IMPORT_FORMAT_NAMES}, with ?format=markdown|html|docx or the file's own Content-Type`);
    }
    const bytes = await readBytes(req, host.importLimits.maxImportBytes);
    const { blobs } = host;
    let imported: Awaited<ReturnType<typeof importDocument>>;
    try {
      imported = await importDocument(bytes, format, blobs ? (sha256) => documentFileUrl(name, sha256) : null, host.importLimits);
    } catch (error) {
      if (error instanceof ImportTooLargeError) throw new ApiError(413, error.message);
      if (error instanceof ImportError) throw new ApiError(422, error.message);
      throw error;
    }
    if (imported.update.byteLength > host.importLimits.maxDocumentBytes) {
      throw new ApiError(413, `the imported document would take ${imported.update.byteLength} bytes, more than the ${host.importLimits.maxDocumentBytes} a document may hold`);
    }
    const { author } = await host.principal(req, name);
    const previous = inProgress.get(name) ?? Promise.resolve();
    const turn = previous.then(async () => {
      const room = await host.rooms.acquire(name);
      try {
        await room.whenDurable();
        if (hasContent(room.doc)) throw new ApiError(409, `document ${JSON.stringify(name)} already has content: import into a new document (an import never merges)`);
        // The images first: nobody sees an image node before its file is there.
        if (blobs) await storeImages(blobs, room, name, imported.images);
        const seq = await room.applyOwnUpdate(imported.update, author);
        if (seq === null) throw new ApiError(503, 'the store refused the imported content (it is shutting down)');
        return seq;
      } finally {
        host.rooms.release(room);
      }
    });
    const settled = turn.catch(() => undefined);
    inProgress.set(name, settled);
    void settled.then(() => {
      if (inProgress.get(name) === settled) inProgress.delete(name);
    });
    const seq = await turn;
    sendJson(res, 201, { name, format, seq, notes: imported.notes });
  };
}
