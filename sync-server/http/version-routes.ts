/**
 * Named versions over HTTP (persistence/named-versions.ts); `<id>` is `encodeURIComponent(id)`:
 *
 *   GET    /api/docs/<name>/versions        200 {"versions": [NamedVersion]} oldest first
 *   POST   /api/docs/<name>/versions        201 NamedVersion; body {"name": "…", "at"?: point,
 *          "author"?: "…"}: names `at` (a seq, an ISO time or "name:<version>"; default: the
 *          last record), recorded as the token's user, else as `author` (self-declared)
 *   PATCH  /api/docs/<name>/versions/<id>   200 NamedVersion; body {"name": "…"}
 *   DELETE /api/docs/<name>/versions/<id>   200 {"removed": NamedVersion}; the history stays
 *
 *   NamedVersion := {id, name, seq, time, author: {"user"}|{"name"}|null, compacted?: true}
 *
 * Reading needs read access, the others write access (api-guard.ts: viewers and commenters get
 * 403, as for a restore). 400 for a bad name or point (one before a compaction's cut, past the
 * end, or the empty document), 404 for an unknown document or id, 409 for a name the document
 * has, 415 for a body that is not JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DocArchive, DocHistory } from '../../persistence/archive.js';
import { cleanRestorerName, declaredAuthor, MAX_RESTORER_NAME } from '../../persistence/author.js';
import { VersionError, namedVersionJson, type NamedVersion, type NamedVersions } from '../../persistence/named-versions.js';
import { HistoryPointError, isEmptyHistory, lastSeq } from '../../persistence/replay.js';
import { resolvePoint } from '../../persistence/version-point.js';
import type { Principal } from '../access/principal.js';
import { apiDocName } from './api-guard.js';
import { readJson } from './api-body.js';
import { ApiError } from './api-error.js';
import { bodyTypeRefusal } from './body-type.js';
import { sendJson } from './http-routes.js';

export interface VersionRoutesStore extends DocArchive, NamedVersions {
  flush(name?: string): Promise<void>;
}

export interface VersionRoutesHost {
  /** Who a request is, for a document it was allowed to reach. */
  principal(request: IncomingMessage, docName: string): Promise<Principal>;
}

const STATUS: Record<VersionError['reason'], number> = { invalid: 400, 'out-of-range': 400, 'not-found': 404, 'name-taken': 409 };

async function versionCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof VersionError) throw new ApiError(STATUS[error.reason], error.message);
    if (error instanceof HistoryPointError) throw new ApiError(400, error.message);
    throw error;
  }
}

/** The body of a POST or PATCH, as an object. */
async function jsonObject(req: IncomingMessage, example: string): Promise<Record<string, unknown>> {
  const wrongType = bodyTypeRefusal(req, 'json');
  if (wrongType) throw new ApiError(wrongType.status, wrongType.message);
  const body = await readJson(req, example);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, `the body must be a JSON object such as ${example}`);
  return body as Record<string, unknown>;
}

/** The recorded author: the token's user, else the name the body gives (self-declared), else nobody. */
function authorOf(principal: Principal, body: Record<string, unknown>): string | null {
  if (principal.author) return principal.author;
  const raw = body['author'];
  if (raw === undefined || raw === null || raw === '') return null;
  const name = cleanRestorerName(raw);
  if (name === null) throw new ApiError(400, `"author" must be text of at most ${MAX_RESTORER_NAME} characters, without control characters`);
  return declaredAuthor(name);
}

export function createVersionRoutes(host: VersionRoutesHost, store: VersionRoutesStore) {
  const history = async (name: string): Promise<DocHistory> => {
    await store.flush(name);
    const found = await store.readHistory(name);
    if (!found || isEmptyHistory(found)) throw new ApiError(404, `no document named ${JSON.stringify(name)}`);
    return found;
  };
  const json = (found: DocHistory, version: NamedVersion) => namedVersionJson(version, found.compacted?.seq ?? null);

  const list = async (name: string, res: ServerResponse): Promise<void> => {
    const found = await history(name);
    sendJson(res, 200, { versions: (await store.listVersions(name)).map((v) => json(found, v)) });
  };

  const add = async (name: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await jsonObject(req, '{"name": "Sent to legal"}');
    const given = body['name'];
    if (typeof given !== 'string') throw new ApiError(400, 'the body must give the version a name: {"name": "…"}');
    const author = authorOf(await host.principal(req, name), body);
    const found = await history(name);
    const seq = await versionCall(() => (body['at'] === undefined || body['at'] === null ? Promise.resolve(lastSeq(found)) : resolvePoint(found, body['at'], () => store.listVersions(name))));
    if (seq === 0) throw new ApiError(400, `there is no record of ${JSON.stringify(name)} at or before that point to name (the empty document cannot be named)`);
    const added = await versionCall(() => store.addVersion(name, { name: given, seq, timeMs: Date.now(), author }));
    sendJson(res, 201, json(found, added));
  };

  const rename = async (name: string, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await jsonObject(req, '{"name": "Final"}');
    const given = body['name'];
    if (typeof given !== 'string') throw new ApiError(400, 'the body must give the new name: {"name": "…"}');
    const found = await history(name);
    sendJson(res, 200, json(found, await versionCall(() => store.renameVersion(name, id, given))));
  };

  const remove = async (name: string, id: string, res: ServerResponse): Promise<void> => {
    const found = await history(name);
    sendJson(res, 200, { removed: json(found, await versionCall(() => store.removeVersion(name, id))) });
  };

  /** Handles the routes above and returns true; false for any other path. */
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const match = /^\/api\/docs\/[^/]+\/versions(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!match) return false;
    const doc = apiDocName(url.pathname);
    if (!doc) return false;
    if (!doc.ok) throw new ApiError(400, `invalid document name: ${doc.reason}`);
    const method = req.method ?? 'GET';
    if (match[1] === undefined) {
      if (method === 'GET' || method === 'HEAD') await list(doc.name, res);
      else if (method === 'POST') await add(doc.name, req, res);
      else throw new ApiError(405, 'use GET or POST');
      return true;
    }
    let id: string;
    try {
      id = decodeURIComponent(match[1]);
    } catch {
      throw new ApiError(400, 'the version id in the path must be encodeURIComponent(id)');
    }
    if (method === 'PATCH') await rename(doc.name, id, req, res);
    else if (method === 'DELETE') await remove(doc.name, id, res);
    else throw new ApiError(405, 'use PATCH (to rename) or DELETE');
    return true;
  };
}
