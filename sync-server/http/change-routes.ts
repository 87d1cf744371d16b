/**
 * The `/api` routes about who changed what (PROTOCOL.md), read access as for any document route:
 *
 *   GET /api/docs/<name>/diff?from=<point>[&to=<point>][&format=json|html|text]
 *       what changed between two points — a seq, an ISO time or `name:<version name>`
 *       (persistence/version-point.ts); `from=0`: the empty document; `to` defaults to now —
 *       document-schema/diff/diff-tree.ts; without `format`, the Accept header chooses
 *   GET /api/docs/<name>/authorship
 *       who wrote the text the document holds now, by Yjs ids (persistence/authorship-runs.ts)
 *
 * Both read only what is durable, like the other document routes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DocArchive, DocHistory } from '../../persistence/archive.js';
import { authorshipOf } from '../../persistence/authorship-runs.js';
import { DIFF_CONTENT_TYPES, DIFF_FORMATS, isDiffFormat, renderDiff, type DiffFormat } from '../../persistence/diff/diff-render.js';
import { diffHistory } from '../../persistence/diff/doc-diff.js';
import { HistoryPointError } from '../../persistence/replay.js';
import type { VersionLister } from '../../persistence/named-versions.js';
import { resolvePoint } from '../../persistence/version-point.js';
import { apiDocName } from './api-guard.js';
import { ApiError } from './api-error.js';
import { AttributionCache } from './attribution-cache.js';
import { sendJson } from './http-routes.js';

export interface ChangeRoutesStore extends DocArchive, VersionLister {
  flush(name?: string): Promise<void>;
}

/** The format an Accept header prefers among json, html and text; json when it names none. */
export function preferredDiffFormat(accept: string | undefined): DiffFormat {
  const types: Record<string, DiffFormat> = { 'application/json': 'json', 'text/html': 'html', 'text/plain': 'text' };
  let best: DiffFormat = 'json';
  let bestQ = 0;
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...params] = range.trim().toLowerCase().split(';');
    const format = types[type.trim()];
    if (!format) continue;
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    if (Number.isFinite(q) && q > bestQ) {
      best = format;
      bestQ = q;
    }
  }
  return best;
}

async function seqOf(store: VersionLister, history: DocHistory, raw: string, name: 'from' | 'to'): Promise<number> {
  try {
    return await resolvePoint(history, raw, () => store.listVersions(history.name));
  } catch (error) {
    if (error instanceof HistoryPointError) throw new ApiError(400, `"${name}": ${error.message.replace(/^"at" /, '')}`);
    throw error;
  }
}

/** Handles the routes above and returns true; false for any other path. */
export function createChangeRoutes(store: ChangeRoutesStore): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const attributions = new AttributionCache();

  const history = async (name: string): Promise<DocHistory> => {
    await store.flush(name);
    const found = await store.readHistory(name);
    if (!found || found.records.length === 0) throw new ApiError(404, `no document named ${JSON.stringify(name)}`);
    return found;
  };

  const diff = async (name: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> => {
    const format = query.get('format') ?? preferredDiffFormat(req.headers.accept);
    if (!isDiffFormat(format)) throw new ApiError(400, `"format" must be one of ${DIFF_FORMATS.join(', ')}`);
    const fromRaw = query.get('from');
    if (fromRaw === null) throw new ApiError(400, '"from" is required: a sequence number (0 for the empty document) or an ISO time');
    const found = await history(name);
    const from = await seqOf(store, found, fromRaw, 'from');
    const toRaw = query.get('to');
    const to = toRaw === null ? (found.records.at(-1)?.seq ?? 0) : await seqOf(store, found, toRaw, 'to');
    if (from > to) throw new ApiError(400, `"from" (seq ${from}) is after "to" (seq ${to})`);
    let body: string;
    try {
      body = await renderDiff(await diffHistory(found, from, to, attributions.of(found)), format);
    } catch (error) {
      if (error instanceof HistoryPointError) throw new ApiError(400, error.message);
      throw error;
    }
    res.writeHead(200, { 'content-type': DIFF_CONTENT_TYPES[format], 'cache-control': 'no-store', 'x-tandem-from': String(from), 'x-tandem-to': String(to), vary: 'accept' });
    res.end(body);
  };

  const authorship = async (name: string, res: ServerResponse): Promise<void> => {
    const found = await history(name);
    sendJson(res, 200, await authorshipOf(found, attributions.of(found)));
  };

  return async (req, res, url) => {
    const match = /^\/api\/docs\/[^/]+\/(diff|authorship)$/.exec(url.pathname);
    if (!match) return false;
    const doc = apiDocName(url.pathname);
    if (!doc) return false;
    if (!doc.ok) throw new ApiError(400, `invalid document name: ${doc.reason}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'use GET');
    if (match[1] === 'diff') await diff(doc.name, req, res, url.searchParams);
    else await authorship(doc.name, res);
    return true;
  };
}
