/**
 * Words and characters added, removed and reformatted, per person. A word counts as added by
 * whoever inserted characters of it (removed: deleted characters of it; formatted: changed
 * their marks) — typing an "s" onto "word" adds one word — and a word several people changed
 * counts once, for the one who changed most of it. Words are runs of letters, digits and
 * combining marks (with inner apostrophes and hyphens); they never run across a node
 * boundary (a paragraph, a hard break).
 */
import { isDiffText, type DiffAuthor, type DiffAuthorSummary, type DiffNode, type DiffText, type DocDiff } from '../../document-schema/diff/diff-tree.js';

const WORD = /[\p{L}\p{N}\p{M}]+(?:['’-][\p{L}\p{N}\p{M}]+)*/gu;

interface Tally {
  words: number;
  chars: number;
}

/** The text of one side of a run of text nodes, with the author (or -1) of each changed character. */
interface SideText {
  text: string;
  changedBy: number[];
}

function countWords(side: SideText, into: Map<number, Tally>): void {
  for (const match of side.text.matchAll(WORD)) {
    const votes = new Map<number, number>();
    const start = match.index ?? 0;
    for (let i = start; i < start + match[0].length; i++) {
      const by = side.changedBy[i] as number;
      if (by >= 0) votes.set(by, (votes.get(by) ?? 0) + 1);
    }
    let winner = -1;
    let most = 0;
    for (const [by, count] of votes) {
      if (count > most) {
        winner = by;
        most = count;
      }
    }
    if (winner >= 0) tally(into, winner).words += 1;
  }
}

function tally(map: Map<number, Tally>, by: number): Tally {
  let entry = map.get(by);
  if (!entry) {
    entry = { words: 0, chars: 0 };
    map.set(by, entry);
  }
  return entry;
}

interface Tallies {
  added: Map<number, Tally>;
  removed: Map<number, Tally>;
  formatted: Map<number, Tally>;
}

function countRun(run: DiffText[], tallies: Tallies): void {
  const before: SideText = { text: '', changedBy: [] };
  const after: SideText = { text: '', changedBy: [] };
  const formatted: SideText = { text: '', changedBy: [] };
  const add = (side: SideText, text: string, by: number): void => {
    side.text += text;
    for (let i = 0; i < text.length; i++) side.changedBy.push(by);
  };
  for (const node of run) {
    add(before, node.change === 'inserted' ? '' : node.text, node.change === 'deleted' ? node.by : -1);
    add(after, node.change === 'deleted' ? '' : node.text, node.change === 'inserted' ? node.by : -1);
    add(formatted, node.change === 'deleted' ? '' : node.text, node.change === 'formatted' ? node.by : -1);
    if (node.change === 'inserted') tally(tallies.added, node.by).chars += [...node.text].length;
    if (node.change === 'deleted') tally(tallies.removed, node.by).chars += [...node.text].length;
  }
  countWords(before, tallies.removed);
  countWords(after, tallies.added);
  countWords(formatted, tallies.formatted);
}

function countNodes(nodes: readonly DiffNode[], tallies: Tallies): void {
  let run: DiffText[] = [];
  for (const node of nodes) {
    if (isDiffText(node)) {
      run.push(node);
      continue;
    }
    countRun(run, tallies);
    run = [];
    if (node.content) countNodes(node.content, tallies);
  }
  countRun(run, tallies);
}

export function summarize(diff: Pick<DocDiff, 'doc' | 'texts'>, authors: readonly DiffAuthor[]): DiffAuthorSummary[] {
  const tallies: Tallies = { added: new Map(), removed: new Map(), formatted: new Map() };
  countNodes(diff.doc.content, tallies);
  for (const text of diff.texts) countNodes(text.content, tallies);
  // Per person: a person's typing and their restores are two author entries of one id.
  const people = new Map<string, DiffAuthorSummary>();
  const personOf = (by: number): DiffAuthorSummary => {
    const author = authors[by] ?? { id: null, name: '', declared: false, via: null };
    const key = author.id ?? '';
    let entry = people.get(key);
    if (!entry) {
      entry = { id: author.id, name: author.name, declared: author.declared, wordsAdded: 0, wordsRemoved: 0, wordsFormatted: 0, charsAdded: 0, charsRemoved: 0 };
      people.set(key, entry);
    }
    return entry;
  };
  for (const [by, t] of tallies.added) {
    const person = personOf(by);
    person.wordsAdded += t.words;
    person.charsAdded += t.chars;
  }
  for (const [by, t] of tallies.removed) {
    const person = personOf(by);
    person.wordsRemoved += t.words;
    person.charsRemoved += t.chars;
  }
  for (const [by, t] of tallies.formatted) personOf(by).wordsFormatted += t.words;
  const size = (s: DiffAuthorSummary): number => s.wordsAdded + s.wordsRemoved + s.wordsFormatted + s.charsAdded + s.charsRemoved;
  return [...people.values()].filter((s) => size(s) > 0).sort((a, b) => size(b) - size(a) || a.name.localeCompare(b.name));
}
