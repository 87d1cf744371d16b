/**
 * The timeline route (PROTOCOL.md), read access as for any document route:
 *
 *   GET /api/docs/<name>/timeline[?pause=<s>]
 *       every step of the document's history, what each changed, and the document with all of
 *       it (persistence/timeline/timeline-format.ts), with the versions named in it, for the
 *       editor's timeslider; sessions are the history's versions at pauses longer than `pause`
 *       seconds (default 60, as for the history)
 *
 * Like the other document routes it reads only what is durable. Building a timeline replays
 * the whole history once, so builds are kept (`TimelineCache`) and take only new records.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import type { DocArchive, DocHistory } from '../../persistence/archive.js';
import { DEFAULT_PAUSE_MS } from '../../persistence/history.js';
import { isEmptyHistory, lastSeq } from '../../persistence/replay.js';
import { TimelineBuild } from '../../persistence/timeline/timeline-build.js';
import { TIMELINE_CONTENT_TYPE, type TimelineName } from '../../persistence/timeline/timeline-format.js';
import type { VersionLister } from '../../persistence/named-versions.js';
import { apiDocName } from './api-guard.js';
import { ApiError } from './api-error.js';

export interface TimelineRouteStore extends DocArchive, VersionLister {
  flush(name?: string): Promise<void>;
}

/** What a timeline is made of: the history, and the versions named in it. */
export interface NamedHistory {
  history: DocHistory | null;
  named: readonly TimelineName[];
}

/**
 * Builds of the documents asked about lately, at most `maxDocs` (the least recently used
 * dropped). One request per document at a time: the history is read in turn, so each build
 * only ever moves forward.
 */
export class TimelineCache {
  private readonly builds = new Map<string, TimelineBuild>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly maxDocs = 4) {}

  /** The timeline of the history `read` gives, or null when there is none. */
  timeline(name: string, read: () => Promise<NamedHistory>, pauseMs: number): Promise<{ bytes: Uint8Array; lastSeq: number } | null> {
    return this.inTurn(name, async () => {
      const { history, named } = await read();
      const build = history ? await this.build(name, history) : this.drop(name);
      return history && build ? { bytes: build.encode(pauseMs, named), lastSeq: build.lastSeq } : null;
    });
  }

  /**
   * Builds (or brings up to date) the timeline of a history just read for something else — the
   * history panel, from which the timeslider opens — so that opening it finds it ready. Its
   * failures are the next request's to report.
   */
  prepare(history: DocHistory): void {
    const task = async (): Promise<void> => {
      // Read before the requests queued ahead of it: a build already further on stays as it is.
      const kept = this.builds.get(history.name);
      if (kept && lastSeq(history) <= kept.lastSeq) return;
      await this.build(history.name, history);
    };
    this.inTurn(history.name, task).catch(() => undefined);
  }

  /** Runs `task` after the ones queued for the same document. */
  private inTurn<T>(name: string, task: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(name) ?? Promise.resolve()).then(task, task);
    this.queues.set(name, run);
    const forget = (): void => {
      if (this.queues.get(name) === run) this.queues.delete(name);
    };
    run.then(forget, forget);
    return run;
  }

  private drop(name: string): null {
    this.builds.get(name)?.destroy();
    this.builds.delete(name);
    return null;
  }

  private async build(name: string, history: DocHistory): Promise<TimelineBuild | null> {
    let build = this.builds.get(name);
    this.builds.delete(name);
    if (isEmptyHistory(history)) {
      build?.destroy();
      return null;
    }
    if (build && !build.continuedBy(history)) {
      build.destroy();
      build = undefined;
    }
    if (build) await build.extend(history);
    else build = await TimelineBuild.of(history);
    this.builds.set(name, build);
    for (const [oldest, old] of this.builds) {
      if (this.builds.size <= this.maxDocs) break;
      this.builds.delete(oldest);
      old.destroy();
    }
    return build;
  }
}

/** The `pause` parameter of the history and the timeline, in milliseconds. */
export function pauseMsOf(query: URLSearchParams): number {
  const raw = query.get('pause');
  const seconds = raw === null ? DEFAULT_PAUSE_MS / 1000 : Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new ApiError(400, '"pause" must be a number of seconds ≥ 0');
  return seconds * 1000;
}

/**
 * A timeline gzipped (about a third of its size: worth it beyond the local network), once per
 * timeline a build keeps, off the event loop.
 */
const gzips = new WeakMap<Uint8Array, Promise<Uint8Array>>();
function gzipped(bytes: Uint8Array): Promise<Uint8Array> {
  let packed = gzips.get(bytes);
  if (!packed) {
    packed = new Promise((resolve, reject) => gzip(bytes, { level: 1 }, (error, result) => (error ? reject(error) : resolve(result))));
    gzips.set(bytes, packed);
  }
  return packed;
}

/** Handles the route above and returns true; false for any other path. */
export function createTimelineRoute(store: TimelineRouteStore, cache = new TimelineCache()): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  return async (req, res, url) => {
    if (!/^\/api\/docs\/[^/]+\/timeline\/?$/.test(url.pathname)) return false;
    const doc = apiDocName(url.pathname);
    if (!doc) return false;
    if (!doc.ok) throw new ApiError(400, `invalid document name: ${doc.reason}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'use GET');
    const pauseMs = pauseMsOf(url.searchParams);
    const name = doc.name;
    const found = await cache.timeline(
      name,
      async () => {
        await store.flush(name);
        const history = await store.readHistory(name);
        return { history, named: history ? await store.listVersions(name) : [] };
      },
      pauseMs,
    );
    if (!found) throw new ApiError(404, `no document named ${JSON.stringify(name)}`);
    const headers: Record<string, string | number> = { 'content-type': TIMELINE_CONTENT_TYPE, 'cache-control': 'no-store', vary: 'accept-encoding', 'x-tandem-seq': String(found.lastSeq) };
    let body: Uint8Array = found.bytes;
    if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      body = await gzipped(found.bytes);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.byteLength;
    res.writeHead(200, headers);
    res.end(body);
    return true;
  };
}
