/**
 * The documents page's list without its DOM: finding documents by name as one types (any case,
 * any accents: "resume" finds "Résumé"), the two orders, and how the last change reads.
 */
import type { DocSummary } from './api-client.js';
import { describeAuthor, formatRelative } from './format.js';

export type SortOrder = 'changed' | 'name';
export const SORT_ORDERS: readonly SortOrder[] = ['changed', 'name'];
const SORT_KEY = 'tandem:doc-sort';

/** Where a query matched in the name as shown: `[start, end)` in UTF-16 units. */
export type MatchRange = readonly [start: number, end: number];

/**
 * A name folded for searching, with where each folded unit came from in the name: searching
 * happens in `folded`, highlighting in the name itself.
 */
export interface SearchableName {
  folded: string;
  /** For each unit of `folded`: the start of the character it came from in the name. */
  starts: number[];
  /** For each unit of `folded`: the end of that character in the name. */
  ends: number[];
}

/** A character with the combining marks after it (e + ◌́ is one é): the unit of highlighting. */
const CHARACTER = /\P{M}\p{M}*|\p{M}+/gu;

/** One character folded: lower case, accents and other combining marks dropped. */
function foldChar(char: string): string {
  return char
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ς/g, 'σ');
}

/** Folds a query: what `searchable(name).folded` must contain for the name to match. */
export function foldQuery(query: string): string {
  let out = '';
  for (const [char] of query.trim().matchAll(CHARACTER)) out += foldChar(char);
  return out;
}

/** Folded character by character, so every folded unit maps back to a character of the name. */
export function searchable(name: string): SearchableName {
  let folded = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const [char] of name.matchAll(CHARACTER)) {
    const f = foldChar(char);
    folded += f;
    for (let i = 0; i < f.length; i++) {
      starts.push(at);
      ends.push(at + char.length);
    }
    at += char.length;
  }
  return { folded, starts, ends };
}

/** Where `foldedQuery` first occurs in the name, or null; an empty query matches with no range. */
export function matchName(name: SearchableName, foldedQuery: string): MatchRange | 'all' | null {
  if (foldedQuery === '') return 'all';
  const at = name.folded.indexOf(foldedQuery);
  if (at < 0) return null;
  return [name.starts[at] ?? 0, name.ends[at + foldedQuery.length - 1] ?? 0];
}

const byName = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Name order follows the reader's language ("item 2" before "item 10"); ties by exact name. */
export function compareNames(a: string, b: string): number {
  return byName.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Most recent change first (never-changed documents last), or by name. */
export function sortDocs<T extends Pick<DocSummary, 'name' | 'lastChange'>>(docs: readonly T[], order: SortOrder): T[] {
  const sorted = [...docs];
  if (order === 'name') return sorted.sort((a, b) => compareNames(a.name, b.name));
  return sorted.sort((a, b) => (b.lastChange ?? '').localeCompare(a.lastChange ?? '') || compareNames(a.name, b.name));
}

export function loadSortOrder(storage: Storage | null): SortOrder {
  try {
    const stored = storage?.getItem(SORT_KEY);
    return SORT_ORDERS.find((order) => order === stored) ?? 'changed';
  } catch {
    return 'changed';
  }
}

export function saveSortOrder(storage: Storage | null, order: SortOrder): void {
  try {
    storage?.setItem(SORT_KEY, order);
  } catch {
    // Storage blocked or full: the order lasts for this page only.
  }
}

/** "Edited 5 minutes ago by ada", "Restored yesterday", "Never edited". */
export function lastChangeText(doc: Pick<DocSummary, 'lastChange' | 'lastAuthor'>, now = Date.now()): string {
  if (!doc.lastChange) return 'Never edited';
  const when = formatRelative(doc.lastChange, now);
  const who = describeAuthor(doc.lastAuthor);
  switch (who.kind) {
    case 'restore':
      return who.by ? `Restored ${when} by ${who.by.name}` : `Restored ${when}`;
    case 'recovery':
      return `Recovered ${when}`;
    case 'person':
      return `Edited ${when} by ${who.name}`;
    case 'unknown':
      return `Edited ${when}`;
  }
}
