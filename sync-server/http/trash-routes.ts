/**
 * The trash over HTTP (trash-service.ts does the work):
 *
 *   DELETE /api/docs/<name>                       200 {"deleted": TrashedDoc}; 404 no such document
 *   GET    /api/trash                             200 {"trashDays", "docs": [TrashedDoc]} newest first,
 *                                                 only the documents the caller may read
 *   POST   /api/docs/<name>/undelete              200 {"restored": TrashedDoc}
 *          {"id"?: string, "as"?: string}         id: which deleted document of that name (default:
 *                                                 the latest); as: restore under another name.
 *                                                 404 nothing of that name in the trash; 409 a
 *                                                 document holds the name now
 *
 *   TrashedDoc := {id, name, deletedAt, deletedBy, purgeAfter, bytes, records, lastChange}
 *
 * Deleting and restoring need write access to the document (api-guard.ts), restoring under
 * another name write access to that name too. A server whose store has no trash answers 501.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TrashError, trashedDocJson, type TrashedDoc } from '../../persistence/trash.js';
import { parseDocName } from '../doc-name.js';
import type { TrashService } from '../trash-service.js';
import type { Principal } from '../access/principal.js';
import { readJson } from './api-body.js';
import { ApiError } from './api-error.js';
import { bodyTypeRefusal } from './body-type.js';
import { UpgradeRefusal } from './upgrade.js';
import { sendJson } from './http-routes.js';

export interface TrashRoutesHost {
  readonly trash: TrashService | null;
  /** Who `request` is for `docName`; throws an `UpgradeRefusal` when it has no access. */
  principal(request: IncomingMessage, docName: string): Promise<Principal>;
  canRead(request: IncomingMessage, docName: string): Promise<boolean>;
}

const STATUS: Record<TrashError['reason'], number> = { 'not-found': 404, 'name-taken': 409, busy: 503 };

function service(host: TrashRoutesHost): TrashService {
  if (!host.trash) throw new ApiError(501, 'this server keeps no trash: documents cannot be deleted here');
  return host.trash;
}

async function trashCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TrashError) throw new ApiError(STATUS[error.reason], error.message);
    throw error;
  }
}

function optionalString(body: object, key: string): string | undefined {
  const value = (body as Record<string, unknown>)[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw new ApiError(400, `"${key}" must be a non-empty string`);
  return value;
}

export function createTrashRoutes(host: TrashRoutesHost) {
  const json = (doc: TrashedDoc) => trashedDocJson(doc, service(host).trashDays);

  return {
    async list(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const trash = service(host);
      const docs = [];
      for (const doc of await trash.list()) if (await host.canRead(req, doc.name)) docs.push(json(doc));
      sendJson(res, 200, { trashDays: trash.trashDays, docs });
    },

    async delete(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
      const trash = service(host);
      const { author: by } = await host.principal(req, name);
      const deleted = await trashCall(() => trash.delete(name, by));
      if (!deleted) throw new ApiError(404, `no document named ${JSON.stringify(name)}`);
      sendJson(res, 200, { deleted: json(deleted) });
    },

    async undelete(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
      const trash = service(host);
      const wrongType = bodyTypeRefusal(req, 'json');
      if (wrongType) throw new ApiError(wrongType.status, wrongType.message);
      const body = await readJson(req, '{"as": "new name"}');
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'the body must be a JSON object: {} or {"id": "…", "as": "…"}');
      const id = optionalString(body, 'id');
      const rawAs = optionalString(body, 'as');
      let as: string | undefined;
      if (rawAs !== undefined) {
        const parsed = parseDocName(rawAs);
        if (!parsed.ok) throw new ApiError(400, `"as" is not a document name: ${parsed.reason}`);
        const principal = await host.principal(req, parsed.name).catch((error: unknown) => {
          if (error instanceof UpgradeRefusal) return null;
          throw error;
        });
        if (!principal || principal.readOnly) throw new ApiError(403, `this token may not write ${JSON.stringify(parsed.name)}`);
        as = parsed.name;
      }
      const restored = await trashCall(() => trash.restore({ name, ...(id === undefined ? {} : { id }) }, as));
      sendJson(res, 200, { restored: json(restored) });
    },
  };
}
