/**
 * The `/api` routes (JSON unless noted; `<name>` is `encodeURIComponent(docName)`):
 *
 *   GET  /api/docs                                  {"docs":[{name,bytes,records,lastChange,lastAuthor}]}
 *   GET  /api/backup                                a consistent copy of the data dir, as a
 *                                                   backup stream (persistence/file/backup-stream.ts)
 *   GET  /api/docs/<name>/history[?pause=<s>]       {"name","records","compacted","versions":[…],"named":[…]}
 *                                                   oldest first (persistence/history.ts historyJson)
 *   GET  /api/docs/<name>/export?format=…[&at=…]    the document then: json|html|markdown|text|yjs
 *   POST /api/docs/<name>/restore  {"at": point[, "name"]}  {"restoredFrom","seq","restoredBy"}
 *   GET, POST /api/docs/<name>/versions, PATCH, DELETE …/versions/<id>   named versions: version-routes.ts
 *
 * A point (`at`, and `from`/`to` of a diff) is a seq, an ISO time, or `name:<version name>`
 * (persistence/version-point.ts).
 *        (Content-Type: application/json; recorded as the requester's: restorer.ts)
 *   POST /api/docs/<name>/files, GET /api/docs/<name>/files/<sha256>   the document's images (file-routes.ts)
 *   GET  /api/docs/<name>/diff, /authorship         who changed what: change-routes.ts
 *   GET  /api/docs/<name>/timeline[?pause=<s>]      every step of its history, for the timeslider:
 *                                                   timeline-route.ts
 *   POST /api/docs/<name>/import[?format=…]         a new document from a file: import-route.ts
 *   DELETE /api/docs/<name>, GET /api/trash,
 *   POST /api/docs/<name>/undelete                  the trash: trash-routes.ts
 *   POST /api/docs/<name>/compact  {"before": point}  {"compactedBefore","removed","bytesBefore","bytesAfter"}
 *        (Content-Type: application/json)
 *
 * Errors: 400 {"error"} for bad parameters, 404 {"error"} for an unknown document, 405 for a
 * wrong method, 415 for a body that is not of the route's type (body-type.ts). Access control runs before these routes (api-guard.ts); the list shows only
 * the documents the caller may read.
 *
 * A restore goes through the live room — loading it if nobody has it open — so connected
 * clients receive the old content at once, as a new update recorded with its own sequence
 * number: history is never rewritten.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { docSummaryJson, type DocArchive } from '../../persistence/archive.js';
import { documentFileAddresses, documentFileReader } from '../../persistence/blobs.js';
import { CONTENT_TYPES, FILE_EXTENSIONS, exportDoc, isExportFormat, EXPORT_FORMATS } from '../../persistence/export-format.js';
import { historyJson } from '../../persistence/history.js';
import { HistoryPointError, RESTORE_AUTHOR, docAt, isEmptyHistory, lastSeq, parseHistoryPoint, revertUpdate, type HistoryPoint } from '../../persistence/replay.js';
import type { NamedVersions } from '../../persistence/named-versions.js';
import { checkPoint, compactionPoint, resolvePoint } from '../../persistence/version-point.js';
import { CompactionError, type CompactionResult } from '../../persistence/compaction.js';
import { BackupStreamWriter, type BackupSink } from '../../persistence/file/backup-stream.js';
import { apiDocName } from './api-guard.js';
import { readJson } from './api-body.js';
import { ApiError } from './api-error.js';
import { bodyTypeRefusal } from './body-type.js';
import { FileRouteError, createFileRoutes, type FileHost } from './file-routes.js';
import { restorerOf } from './restorer.js';
import { restoreAuthor } from '../../persistence/author.js';
import type { Principal } from '../access/principal.js';
import { createChangeRoutes } from './change-routes.js';
import { TimelineCache, createTimelineRoute, pauseMsOf } from './timeline-route.js';
import { sendJson, type RouteHandler } from './http-routes.js';
import { createImportRoute, type ImportHost } from './import-route.js';
import { createTrashRoutes, type TrashRoutesHost } from './trash-routes.js';
import { createVersionRoutes } from './version-routes.js';

/** What the routes need from the server: its rooms and files, who may read what, its public origin, imports and the trash. */
export interface ApiHost extends FileHost, ImportHost, TrashRoutesHost {
  canRead(request: IncomingMessage, docName: string): Promise<boolean>;
  /** The origin the request was made to, for exported image addresses; null when unknown. */
  publicOrigin(request: IncomingMessage): string | null;
  /** Who a request is, for a document it was allowed to reach (the API guard let it through). */
  principal(request: IncomingMessage, docName: string): Promise<Principal>;
  /** For failures after an answer has started (it can only be cut short). */
  logError(message: string, error: unknown): void;
}

/** What the routes need from the store: read access to what is durable, named versions, and compaction. */
export interface ApiStore extends DocArchive, NamedVersions {
  compact(name: string, before: HistoryPoint): Promise<CompactionResult>;
  /** Sends a consistent copy of every document to `sink`. */
  backup(sink: BackupSink): Promise<unknown>;
  flush(name?: string): Promise<void>;
}

export { RESTORE_AUTHOR };
/** Writes to the response, waiting while the client is slower than the disk. */
function send(res: ServerResponse, bytes: Uint8Array): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error('the client went away'));
  if (res.write(bytes)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      if (res.destroyed && res.writableNeedDrain) reject(new Error('the client went away'));
      else resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** `field`: the JSON field or query parameter it came from, for the error. */
function historyPoint(raw: unknown, field = '"at"') {
  try {
    return parseHistoryPoint(raw, field);
  } catch (error) {
    if (error instanceof HistoryPointError) throw new ApiError(400, error.message);
    throw error;
  }
}

/** A point's form (a seq, an ISO time, `name:<version>`), checked before the document is read. */
function checkedPoint(raw: unknown, field = '"at"'): void {
  try {
    checkPoint(raw, field);
  } catch (error) {
    if (error instanceof HistoryPointError) throw new ApiError(400, error.message);
    throw error;
  }
}

export function createApiRoutes(server: ApiHost, store: ApiStore): RouteHandler {
  const changes = createChangeRoutes(store);
  const versions = createVersionRoutes(server, store);
  const timelines = new TimelineCache();
  const timeline = createTimelineRoute(store, timelines);
  const history = async (name: string) => {
    const found = await store.readHistory(name);
    if (!found || isEmptyHistory(found)) throw new ApiError(404, `no document named ${JSON.stringify(name)}`);
    return found;
  };
  const seqOf = async (found: Awaited<ReturnType<typeof history>>, raw: unknown): Promise<number> => {
    try {
      return await resolvePoint(found, raw, () => store.listVersions(found.name));
    } catch (error) {
      if (error instanceof HistoryPointError) throw new ApiError(400, error.message);
      throw error;
    }
  };

  const listDocs = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const docs = [];
    for (const doc of await store.listDocs()) {
      if (!(await server.canRead(req, doc.name))) continue;
      docs.push(docSummaryJson(doc));
    }
    docs.sort((a, b) => (b.lastChange ?? '').localeCompare(a.lastChange ?? '') || (a.name < b.name ? -1 : 1));
    sendJson(res, 200, { docs });
  };

  const showHistory = async (name: string, query: URLSearchParams, res: ServerResponse): Promise<void> => {
    const pauseMs = pauseMsOf(query);
    await store.flush(name);
    const found = await history(name);
    sendJson(res, 200, historyJson(found, await store.listVersions(name), pauseMs));
    // The timeslider opens from the history: have its timeline ready.
    timelines.prepare(found);
  };

  const files = createFileRoutes(server);

  const exportAt = async (name: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const format = query.get('format') ?? 'json';
    if (!isExportFormat(format)) throw new ApiError(400, `"format" must be one of ${EXPORT_FORMATS.join(', ')}`);
    await store.flush(name);
    const found = await history(name);
    const at = query.get('at');
    const seq = at === null ? lastSeq(found) : await seqOf(found, at);
    const doc = await docAt(found, seq);
    try {
      const files = server.blobs ? { readFile: documentFileReader(server.blobs, name), fileAddress: await documentFileAddresses(server.blobs, name) } : {};
      const body = await exportDoc(doc, format, { imageOrigin: server.publicOrigin(req), title: name, ...files });
      const fileName = encodeURIComponent(`${name}.${FILE_EXTENSIONS[format]}`);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[format],
        'cache-control': 'no-store',
        'content-disposition': `inline; filename*=UTF-8''${fileName}`,
        'x-tandem-seq': String(seq),
      });
      res.end(body);
    } finally {
      doc.destroy();
    }
  };

  const restore = async (name: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const wrongType = bodyTypeRefusal(req, 'json');
    if (wrongType) throw new ApiError(wrongType.status, wrongType.message);
    const body = await readJson(req, '{"at": 42}');
    if (typeof body !== 'object' || body === null || !('at' in body)) throw new ApiError(400, 'the body must name the point to restore: {"at": <seq or ISO time>}');
    const at = (body as { at: unknown }).at;
    checkedPoint(at); // a malformed point is a 400 before any room is loaded
    const by = restorerOf(await server.principal(req, name), body);
    await history(name);
    const room = await server.rooms.acquire(name);
    try {
      // The log must hold everything the room has applied, so the rebuilt old state is a past of it.
      await room.whenDurable();
      await store.flush(name);
      const found = await history(name);
      const restoredFrom = await seqOf(found, at);
      const old = await docAt(found, restoredFrom, { gc: false });
      const update = revertUpdate(old, room.doc);
      old.destroy();
      const appended = update ? await room.applyOwnUpdate(update, restoreAuthor(by)) : lastSeq(found);
      if (appended === null) throw new ApiError(503, 'the store refused the restored content (it is shutting down)');
      sendJson(res, 200, { restoredFrom, seq: appended, restoredBy: by });
    } finally {
      server.rooms.release(room);
    }
  };

  const importDoc = createImportRoute(server);
  const trash = createTrashRoutes(server);

  /** Drops history before a point; the document's content and clients are untouched. */
  const compact = async (name: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const wrongType = bodyTypeRefusal(req, 'json');
    if (wrongType) throw new ApiError(wrongType.status, wrongType.message);
    const body = await readJson(req, '{"before": 42}');
    if (typeof body !== 'object' || body === null || !('before' in body)) throw new ApiError(400, 'the body must name the point to compact before: {"before": <seq, ISO time or "name:<version>">}');
    const raw = (body as { before: unknown }).before;
    checkedPoint(raw, '"before"');
    await history(name);
    try {
      const before = await compactionPoint(name, raw, () => store.listVersions(name));
      const done = await store.compact(name, before);
      sendJson(res, 200, { compactedBefore: done.cut, removed: done.removed, bytesBefore: done.bytesBefore, bytesAfter: done.bytesAfter });
    } catch (error) {
      if (error instanceof HistoryPointError || error instanceof CompactionError) throw new ApiError(400, error.message);
      throw error;
    }
  };

  /** The whole data dir: only for callers who may read every document in it. */
  const backup = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const doc of await store.listDocs()) {
      if (!(await server.canRead(req, doc.name))) throw new ApiError(403, 'a backup holds every document: it needs a token that grants them all ("docs": ["*"])');
    }
    res.writeHead(200, { 'content-type': 'application/vnd.tandem.backup', 'cache-control': 'no-store' });
    const writer = new BackupStreamWriter((bytes) => send(res, bytes));
    try {
      await store.backup(writer);
      await writer.close();
      res.end();
    } catch (error) {
      // The answer has started: cutting it short is how the client learns (no end marker).
      res.destroy(error as Error);
      server.logError('backup failed', error);
    }
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    try {
      if (path === '/api/backup') {
        if (method !== 'GET') throw new ApiError(405, 'use GET');
        await backup(req, res);
        return true;
      }
      if (path === '/api/docs' || path === '/api/docs/') {
        if (method !== 'GET') throw new ApiError(405, 'use GET');
        await listDocs(req, res);
        return true;
      }
      const fileMatch = /^\/api\/docs\/[^/]+\/files(?:\/([^/]+))?\/?$/.exec(path);
      if (fileMatch) {
        const doc = apiDocName(path);
        if (!doc) return false;
        if (!doc.ok) throw new ApiError(400, `invalid document name: ${doc.reason}`);
        await files(req, res, doc.name, fileMatch[1] ?? null);
        return true;
      }
      if (await changes(req, res, url)) return true;
      if (await versions(req, res, url)) return true;
      if (await timeline(req, res, url)) return true;
      if (path === '/api/trash' || path === '/api/trash/') {
        if (method !== 'GET') throw new ApiError(405, 'use GET');
        await trash.list(req, res);
        return true;
      }
      const match = /^\/api\/docs\/[^/]+(?:\/(history|export|restore|compact|import|undelete))?\/?$/.exec(path);
      if (!match) return false;
      const doc = apiDocName(path);
      if (!doc) return false;
      if (!doc.ok) throw new ApiError(400, `invalid document name: ${doc.reason}`);
      const action = match[1];
      if (action === undefined) {
        if (method !== 'DELETE') throw new ApiError(405, 'use DELETE (to move the document to the trash)');
        await trash.delete(doc.name, req, res);
      } else if (action === 'restore' || action === 'compact' || action === 'import' || action === 'undelete') {
        if (method !== 'POST') throw new ApiError(405, 'use POST');
        if (action === 'restore') await restore(doc.name, req, res);
        else if (action === 'compact') await compact(doc.name, req, res);
        else if (action === 'import') await importDoc(doc.name, req, url, res);
        else await trash.undelete(doc.name, req, res);
      } else {
        if (method !== 'GET') throw new ApiError(405, 'use GET');
        if (action === 'history') await showHistory(doc.name, url.searchParams, res);
        else await exportAt(doc.name, url.searchParams, req, res);
      }
      return true;
    } catch (error) {
      if (!(error instanceof ApiError || error instanceof FileRouteError)) throw error;
      sendJson(res, error.status, { error: error.message });
      return true;
    }
  };
}
