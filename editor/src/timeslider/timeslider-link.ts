/**
 * The address of a point of a document's history: its page with the point in the fragment,
 * `/d/<path key>#at=<seq>` — or `#at=<ISO time>`, the last change at or before it. The
 * fragment never leaves the browser, and the link carries no token (token.ts): whoever opens
 * it sees the timeslider at that point with their own access.
 */
import { parseHistoryPoint, type HistoryPoint } from '../../../persistence/replay.js';
import { documentHref } from '../routes.js';

const PREFIX = '#at=';

export function timesliderHref(name: string, seq: number): string {
  return `${documentHref(name)}${PREFIX}${seq}`;
}

/** The point a location's fragment names; null when it names none (or not one that reads). */
export function timesliderPoint(hash: string): HistoryPoint | null {
  if (!hash.startsWith(PREFIX)) return null;
  let raw: string;
  try {
    raw = decodeURIComponent(hash.slice(PREFIX.length));
  } catch {
    return null;
  }
  try {
    return parseHistoryPoint(raw);
  } catch {
    return null;
  }
}
