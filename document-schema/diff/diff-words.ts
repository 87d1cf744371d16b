/**
 * How a diff's changes read for people — the same words in the editor's compare view, the
 * HTML rendering and `tandem diff`: "Added by Ada", "Deleted by Bob (self-declared)",
 * "Restored by Carol", "Formatted by an unknown author". Times are formatted by the caller.
 */
import type { DiffAuthor, DiffAuthorSummary, DiffNode } from './diff-tree.js';

/** "Ada", "Bob (self-declared)", "an unknown author". */
export function authorName(author: Pick<DiffAuthor, 'id' | 'name' | 'declared'> | undefined): string {
  if (!author || author.id === null) return 'an unknown author';
  return author.declared ? `${author.name} (self-declared)` : author.name;
}

const VERBS = { inserted: 'Added', deleted: 'Deleted', formatted: 'Formatted', unchanged: 'Written' } as const;

/** "Written by Ada"; text that came back by a restore says so ("Restored by Carol"). */
export function writtenLabel(author: DiffAuthor | undefined, verb: string = VERBS.unchanged): string {
  const how = author?.via === 'restore' ? 'Restored' : author?.via === 'recovery' ? 'Recovered' : verb;
  if (author?.via && author.id === null) return how;
  return `${how} by ${authorName(author)}`;
}

/** What a change was and who made it: "Added by Ada", "Deleted by Bob", "Restored by Carol". */
export function changeLabel(node: DiffNode, authors: readonly DiffAuthor[]): string {
  const author = authors[node.by];
  // Deleting and reformatting are said as such even when a restore did them.
  const byRestore = node.change === 'inserted' || node.change === 'unchanged';
  return writtenLabel(byRestore ? author : author && { ...author, via: null }, VERBS[node.change]);
}

/** Hover text: the label, then the time when known. */
export function changeTitle(node: DiffNode, authors: readonly DiffAuthor[], formatTime: (iso: string) => string): string {
  const label = changeLabel(node, authors);
  return node.time ? `${label} · ${formatTime(node.time)}` : label;
}

/** "12 words added, 3 removed, 2 reformatted" (the parts that are not zero). */
export function summaryLine(summary: DiffAuthorSummary): string {
  const words = (n: number): string => `${n} ${n === 1 ? 'word' : 'words'}`;
  const parts: string[] = [];
  if (summary.wordsAdded > 0) parts.push(`${words(summary.wordsAdded)} added`);
  if (summary.wordsRemoved > 0) parts.push(`${parts.length > 0 ? summary.wordsRemoved : words(summary.wordsRemoved)} removed`);
  if (summary.wordsFormatted > 0) parts.push(`${parts.length > 0 ? summary.wordsFormatted : words(summary.wordsFormatted)} reformatted`);
  return parts.length > 0 ? parts.join(', ') : 'spacing and punctuation only';
}
