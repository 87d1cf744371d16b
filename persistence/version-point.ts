/**
 * A named version standing for a point of a document's history, wherever a point is taken
 * (`--at`, `--from`, `--to`, `--before`, `?at=`, `{"at": …}`, `{"before": …}`):
 *
 *   point := seq                  -- digits: a sequence number
 *          | isoTime              -- starts with four digits and a dash: a time
 *          | "name:" versionName  -- the named version of that name (exactly, once trimmed)
 *
 * The prefix keeps the three apart: no sequence number or time starts with "name:", and a
 * version may be named anything (digits and dates too). A version named before a compaction's
 * cut stands for the cut, the earliest state kept (named-versions.ts).
 */
import type { DocHistory } from './archive.js';
import type { NamedVersion } from './named-versions.js';
import { HistoryPointError, lastSeq, parseHistoryPoint, resolveHistoryPoint, type HistoryPoint } from './replay.js';

export const VERSION_POINT_PREFIX = 'name:';

/** The version name a point names, or null when it is a sequence number or a time. */
export function versionPointName(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const text = raw.trimStart();
  if (!text.startsWith(VERSION_POINT_PREFIX)) return null;
  return text.slice(VERSION_POINT_PREFIX.length).trim();
}

/** Checks a point's form without the document (a malformed one is refused early); `field` names it in errors. */
export function checkPoint(raw: unknown, field = '"at"'): void {
  const name = versionPointName(raw);
  if (name === null) parseHistoryPoint(raw, field);
  else if (name === '') throw new HistoryPointError(`${field} names no version: write ${VERSION_POINT_PREFIX}<version name>`);
}

/** The named version called `name`; `HistoryPointError` listing the names there are when none is. */
export function versionNamed(history: DocHistory, versions: readonly NamedVersion[], name: string): NamedVersion {
  return versionOf(history.name, versions, name);
}

function versionOf(doc: string, versions: readonly NamedVersion[], name: string): NamedVersion {
  const found = versions.find((v) => v.name === name);
  if (found) return found;
  const known = versions.map((v) => JSON.stringify(v.name)).join(', ');
  throw new HistoryPointError(`${JSON.stringify(doc)} has no version named ${JSON.stringify(name)} (${known === '' ? 'it has no named versions' : `its named versions: ${known}`})`);
}

/**
 * The point a compaction of `doc` cuts at, without reading its history (the compaction checks
 * the point against it): a seq or a time as it is, a named version as its own seq — one named
 * before an earlier cut then finds nothing left to drop. `versions` is called only for a name.
 */
export async function compactionPoint(doc: string, raw: unknown, versions: () => Promise<readonly NamedVersion[]>, field = '"before"'): Promise<HistoryPoint> {
  checkPoint(raw, field);
  const name = versionPointName(raw);
  if (name === null) return parseHistoryPoint(raw, field);
  return { seq: versionOf(doc, await versions(), name).seq };
}

/** The seq a named version shows: its own, or the cut when the history before it was compacted. */
export function namedSeq(history: DocHistory, version: NamedVersion): number {
  const shown = Math.max(version.seq, history.compacted?.seq ?? 0);
  if (shown > lastSeq(history)) throw new HistoryPointError(`the version named ${JSON.stringify(version.name)} names record ${version.seq}, past the document's last (${lastSeq(history)})`);
  return shown;
}

/**
 * The sequence number `raw` stands for in `history`. `versions` is called only for a named
 * point. Throws `HistoryPointError` for a malformed point, one past the end or before a
 * compaction's cut, or a version name the document does not have.
 */
export async function resolvePoint(history: DocHistory, raw: unknown, versions: () => Promise<readonly NamedVersion[]>, field = '"at"'): Promise<number> {
  checkPoint(raw, field);
  const name = versionPointName(raw);
  if (name === null) return resolveHistoryPoint(history, parseHistoryPoint(raw, field));
  return namedSeq(history, versionNamed(history, await versions(), name));
}
