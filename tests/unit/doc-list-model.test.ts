/** The documents page's finding, ordering and wording, without a browser. */
import { describe, expect, it } from 'vitest';
import { foldQuery, lastChangeText, loadSortOrder, matchName, saveSortOrder, searchable, sortDocs } from '../../editor/src/doc-list-model.js';
import { describeAuthors } from '../../editor/src/format.js';

/** The part of `name` a search for `query` highlights, or null when it does not match. */
function highlighted(name: string, query: string): string | null {
  const match = matchName(searchable(name), foldQuery(query));
  if (match === null) return null;
  return match === 'all' ? name : name.slice(match[0], match[1]);
}

/** A Storage over a Map, as the browser's localStorage behaves. */
function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (key) => data.get(key) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (key) => void data.delete(key),
    setItem: (key, value) => void data.set(key, String(value)),
  };
}

describe('finding documents by name', () => {
  it('ignores case and accents, and highlights the characters as written', () => {
    expect(highlighted('Résumé 2025', 'resume')).toBe('Résumé');
    expect(highlighted('resume notes', 'RÉSUMÉ')).toBe('resume');
    expect(highlighted('Über uns', 'uber')).toBe('Über');
    expect(highlighted('Team PLAN', 'm pl')).toBe('m PL');
    expect(highlighted('Crème brûlée', 'ULEE')).toBe('ûlée');
    expect(highlighted('Plan', 'xyz')).toBeNull();
  });

  it('matches decomposed accents, scripts without case, emoji, and Greek final sigma', () => {
    // "é" typed as e + combining acute: one character of the name to highlight.
    expect(highlighted('Cafe\u0301 menu', 'café')).toBe('Cafe\u0301');
    expect(highlighted('協作 文書', '文書')).toBe('文書');
    expect(highlighted('Launch 🚀 plan', '🚀 p')).toBe('🚀 p');
    expect(highlighted('ΟΔΥΣΣΕΥΣ', 'οδυσσευς')).toBe('ΟΔΥΣΣΕΥΣ');
  });

  it('matches anywhere in the name, the first occurrence; an empty query matches everything', () => {
    expect(highlighted('notes/notes', 'notes')).toBe('notes');
    expect(matchName(searchable('notes/notes'), foldQuery('notes'))).toEqual([0, 5]);
    expect(matchName(searchable('a/notes'), foldQuery('  notes '))).toEqual([2, 7]);
    expect(matchName(searchable('anything'), foldQuery('   '))).toBe('all');
  });

  it('keeps the highlight on whole characters when one folds into several', () => {
    // "İ" lower-cases to i + combining dot: both come from the one character.
    expect(highlighted('İstanbul trip', 'istanbul')).toBe('İstanbul');
    expect(highlighted('İstanbul trip', 'i')).toBe('İ');
  });
});

describe('ordering documents', () => {
  const docs = [
    { name: 'item 10', lastChange: '2025-03-01T10:00:00.000Z' },
    { name: 'Item 2', lastChange: '2025-03-02T10:00:00.000Z' },
    { name: 'alpha', lastChange: null },
    { name: 'Émile', lastChange: '2025-03-02T10:00:00.000Z' },
    { name: 'beta', lastChange: '2025-02-01T10:00:00.000Z' },
  ];

  it('by name as a reader expects: any case, accents beside their letter, numbers by value', () => {
    expect(sortDocs(docs, 'name').map((d) => d.name)).toEqual(['alpha', 'beta', 'Émile', 'Item 2', 'item 10']);
  });

  it('by last change, newest first, ties by name, never-changed last', () => {
    expect(sortDocs(docs, 'changed').map((d) => d.name)).toEqual(['Émile', 'Item 2', 'item 10', 'beta', 'alpha']);
  });

  it('does not reorder the list it is given', () => {
    const copy = [...docs];
    sortDocs(docs, 'name');
    expect(docs).toEqual(copy);
  });

  it('remembers the chosen order, and falls back to last change', () => {
    const storage = memoryStorage();
    expect(loadSortOrder(storage)).toBe('changed');
    saveSortOrder(storage, 'name');
    expect(loadSortOrder(storage)).toBe('name');
    storage.setItem('tandem:doc-sort', 'size');
    expect(loadSortOrder(storage)).toBe('changed');
    const blocked = { ...memoryStorage(), getItem: () => { throw new Error('blocked'); }, setItem: () => { throw new Error('blocked'); } } as Storage;
    expect(() => saveSortOrder(blocked, 'name')).not.toThrow();
    expect(loadSortOrder(blocked)).toBe('changed');
    expect(loadSortOrder(null)).toBe('changed');
  });
});

describe('the last change, in words', () => {
  const now = Date.parse('2025-03-02T12:00:00.000Z');
  const fiveMinutesAgo = '2025-03-02T11:55:00.000Z';

  it('names the person, or says what the server did, or only when', () => {
    expect(lastChangeText({ lastChange: fiveMinutesAgo, lastAuthor: 'ada' }, now)).toBe('Edited 5 minutes ago by ada');
    expect(lastChangeText({ lastChange: fiveMinutesAgo, lastAuthor: 'tandem:restore' }, now)).toBe('Restored 5 minutes ago');
    expect(lastChangeText({ lastChange: fiveMinutesAgo, lastAuthor: 'tandem:recovery' }, now)).toBe('Recovered 5 minutes ago');
    expect(lastChangeText({ lastChange: fiveMinutesAgo, lastAuthor: null }, now)).toBe('Edited 5 minutes ago');
    expect(lastChangeText({ lastChange: null, lastAuthor: null }, now)).toBe('Never edited');
  });

  it('reads the same authors the same way in the history panel', () => {
    expect(describeAuthors(['ada', 'tandem:restore', 'tandem:recovery'])).toBe('ada, Restored, Recovered');
    expect(describeAuthors([])).toBe('Anonymous');
  });
});
