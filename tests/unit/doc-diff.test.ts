/**
 * The diff between two points of a document's history: known cases made as the editor's
 * binding makes them (typing, deleting, a move-like replace, formatting, retyping a block),
 * each change with its author and time; the renderings; and a seeded property test — over
 * random concurrent rich edits by several writers, the diff read on its earlier side is the
 * document at `from`, and applying its insertions, deletions and formatting (its later side)
 * gives the document at `to` (each rebuilt from the records and read by Yjs itself: concurrent
 * edits can leave shapes the schema refuses, which the editor's binding would leave out).
 */
import type { JSONContent } from '@tiptap/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocHistory } from '../../persistence/archive.js';
import { declaredAuthor, restoreAuthor } from '../../persistence/author.js';
import { diffHtml, diffText } from '../../persistence/diff/diff-render.js';
import { diffHistory } from '../../persistence/diff/doc-diff.js';
import { docAt, revertUpdate } from '../../persistence/replay.js';
import { docSide, isDiffText, onSide, type DiffNode, type DocDiff } from '../../document-schema/diff/diff-tree.js';
import { prng, randomInt, testSeed } from '../helpers/random.js';
import { h, p, t, writeDoc } from '../helpers/rich-edits.js';
import { exported, historyOf, normal, randomHistory, stateAt } from '../helpers/doc-state.js';
import { diffRuns } from '../helpers/diff-runs.js';
import { HistoryServer, Writer } from '../helpers/writers.js';

function twoWriters(): { ada: Writer; bob: Writer; server: HistoryServer } {
  const ada = new Writer('ada', '');
  const bob = new Writer(declaredAuthor('Bob'), '');
  return { ada, bob, server: new HistoryServer([ada, bob]) };
}

/** Ada writes `first` (record 1), then Bob makes it `second` (record 2), as the editor writes changes. */
async function adaThenBob(first: JSONContent[], second: JSONContent[]): Promise<{ server: HistoryServer; diff: DocDiff }> {
  const { ada, bob, server } = twoWriters();
  writeDoc(ada, first);
  server.deliverAll();
  writeDoc(bob, second);
  server.deliverAll();
  return { server, diff: await diffHistory(historyOf(server), 1, 2) };
}

describe('diff: known cases', () => {
  it('an insertion, with who typed it and when', async () => {
    const { server, diff } = await adaThenBob([p(t('Hello world'))], [p(t('Hello brave world'))]);
    expect(diffRuns(diff)).toEqual([
      ['Hello ', 'unchanged', 'ada'],
      ['brave ', 'inserted', 'Bob'],
      ['world', 'unchanged', 'ada'],
    ]);
    const inserted = (diff.doc.content[0] as { content: DiffNode[] }).content[1] as DiffNode;
    expect(inserted).toMatchObject({ seq: 2, time: new Date(server.records[1]?.timeMs ?? 0).toISOString() });
    expect(diff.authors[inserted.by]).toEqual({ id: 'name:Bob', name: 'Bob', declared: true, via: null });
    expect(diff.summary).toEqual([{ id: 'name:Bob', name: 'Bob', declared: true, wordsAdded: 1, wordsRemoved: 0, wordsFormatted: 0, charsAdded: 6, charsRemoved: 0 }]);
    expect(diff.from).toEqual({ seq: 1, time: new Date(server.records[0]?.timeMs ?? 0).toISOString() });
  });

  it('a deletion is the deleter’s; from 0 everything is inserted by its writer', async () => {
    const { server, diff } = await adaThenBob([p(t('Keep this, drop that.'))], [p(t('Keep this.'))]);
    expect(diffRuns(diff)).toEqual([
      ['Keep this', 'unchanged', 'ada'],
      [', drop that', 'deleted', 'Bob'],
      ['.', 'unchanged', 'ada'],
    ]);
    const whole = await diffHistory(historyOf(server), 0, 2);
    expect(whole.from).toEqual({ seq: 0, time: null });
    // What was typed and deleted between the points is in neither: Ada's text reads as one run.
    expect(diffRuns(whole)).toEqual([['Keep this.', 'inserted', 'ada']]);
    expect(whole.doc.content[0]).toMatchObject({ type: 'paragraph', change: 'inserted' });
    expect(whole.summary.map((s) => [s.name, s.wordsAdded, s.wordsRemoved])).toEqual([['ada', 2, 0]]);
  });

  it('a move-like replace — a paragraph cut and pasted elsewhere — is a deletion and an insertion, never unchanged', async () => {
    const { ada, bob, server } = twoWriters();
    writeDoc(ada, [p(t('One.')), p(t('Two.')), p(t('Three.'))]);
    server.deliverAll();
    // Cut and paste: the old paragraph goes, a new one with the same text comes (new Yjs items).
    bob.edit((doc) => {
      const fragment = doc.getXmlFragment('default');
      fragment.delete(2, 1);
      const pasted = new Y.XmlElement('paragraph');
      pasted.insert(0, [new Y.XmlText('Three.')]);
      fragment.insert(0, [pasted]);
    });
    server.deliverAll();
    const diff = await diffHistory(historyOf(server), 1, 2);
    expect(diff.doc.content.map((n) => [n.change, diff.authors[n.by]?.name])).toEqual([
      ['inserted', 'Bob'],
      ['unchanged', 'ada'],
      ['unchanged', 'ada'],
      ['deleted', 'Bob'],
    ]);
    expect(diffRuns(diff)).toEqual([
      ['Three.', 'inserted', 'Bob'],
      ['One.', 'unchanged', 'ada'],
      ['Two.', 'unchanged', 'ada'],
      ['Three.', 'deleted', 'Bob'],
    ]);
    expect(diff.summary.map((s) => [s.name, s.wordsAdded, s.wordsRemoved])).toEqual([['Bob', 1, 1]]);
  });

  it('formatting only: new marks, a heading level, a paragraph made a heading', async () => {
    const { server, diff } = await adaThenBob([h(1, t('Plan')), p(t('Ship it soon.')), p(t('Notes'))], [h(2, t('Plan')), p(t('Ship '), t('it', 'bold'), t(' soon.')), h(3, t('Notes'))]);
    const [title, body, notes] = diff.doc.content as [DiffNode, DiffNode, DiffNode];
    expect(title).toMatchObject({ type: 'heading', change: 'formatted', attrs: { level: 2 }, attrsBefore: { level: 1 } });
    expect(diff.authors[title.by]?.name).toBe('Bob');
    expect(notes).toMatchObject({ type: 'heading', typeBefore: 'paragraph', change: 'formatted', attrs: { level: 3 } });
    expect(diffRuns(diff)).toEqual([
      ['Plan', 'unchanged', 'ada'],
      ['Ship ', 'unchanged', 'ada'],
      ['it', 'formatted', 'Bob'],
      [' soon.', 'unchanged', 'ada'],
      // Retyping made new items for the same text: still Ada's text, Bob's formatting.
      ['Notes', 'unchanged', 'ada'],
    ]);
    expect((body as { content: DiffNode[] }).content[1]).toMatchObject({ marks: [{ type: 'bold' }], marksBefore: [] });
    expect(diff.summary.map((s) => [s.name, s.wordsAdded, s.wordsRemoved, s.wordsFormatted])).toEqual([['Bob', 0, 0, 1]]);
    // Read on either side, it is the document as the editor shows it then.
    expect(normal(docSide(diff, 'before'))).toEqual(await exported(historyOf(server), 1));
    expect(normal(docSide(diff, 'after'))).toEqual(await exported(historyOf(server), 2));
  });

  it('restored text is its restorer’s', async () => {
    const { server } = await adaThenBob([p(t('Original words.'))], [p(t('Replaced.'))]);
    const old = await docAt(historyOf(server), 1, { gc: false });
    server.receive(revertUpdate(old, server.doc) as Uint8Array, restoreAuthor({ user: 'carol' }));
    const diff = await diffHistory(historyOf(server), 2, 3);
    expect(diffRuns(diff)).toEqual([
      ['Original words', 'inserted', 'carol'],
      ['Replaced', 'deleted', 'carol'],
      ['.', 'unchanged', 'ada'],
    ]);
    expect(diff.authors.find((a) => a.name === 'carol')).toEqual({ id: 'user:carol', name: 'carol', declared: false, via: 'restore' });
    expect(diffText(diff)).toContain('carol: 2 words added, 1 removed');
  });

  it('a compacted history: before the cut cannot be compared, from 0 its text has no known author', async () => {
    const { server } = await adaThenBob([p(t('Old text'))], [p(t('Old text, new text'))]);
    const state = Y.encodeStateAsUpdate(await docAt(historyOf(server), 1));
    const base = { seq: 1, timeMs: server.records[0]?.timeMs ?? 0, compactedAtMs: Date.now() };
    const compacted: DocHistory = { name: 'doc', compacted: base, records: server.records.slice(1), checkpoints: [{ seq: 1, path: 'cp', load: async () => state }], problems: [] };
    expect(diffRuns(await diffHistory(compacted, 1, 2))).toEqual([
      ['Old text', 'unchanged', ''],
      [', new text', 'inserted', 'Bob'],
    ]);
    expect(diffRuns(await diffHistory(compacted, 0, 2))).toEqual([
      ['Old text', 'inserted', ''],
      [', new text', 'inserted', 'Bob'],
    ]);
    const noCheckpoint: DocHistory = { ...compacted, checkpoints: [{ seq: 2, path: 'cp2', load: async () => Y.encodeStateAsUpdate(server.doc) }] };
    await expect(diffHistory(noCheckpoint, 1, 2)).rejects.toThrow(/before record 2 is no longer kept/);
  });

  it('renders as HTML with <ins>/<del> titled by who and when, and as wdiff-style text', async () => {
    const { diff } = await adaThenBob([p(t('Hello world'))], [p(t('Hello brave <new> world'))]);
    const html = await diffHtml(diff);
    expect(html).toMatch(/<ins class="diff diff--inserted" data-diff="inserted" data-by="\d" title="Added by Bob \(self-declared\) · 2025-01-01 00:00 UTC">brave &lt;new&gt; <\/ins>/);
    expect(html).toContain('<li>Bob (self-declared): 2 words added</li>');
    expect(diffText(diff)).toBe(['Changes to "doc" from seq 1 (2025-01-01 00:00 UTC) to seq 2 (2025-01-01 00:00 UTC)', '', 'Hello {+brave <new> +}world', '', 'Bob (self-declared): 2 words added', ''].join('\n'));
  });
});

describe('diff: property', () => {
  it('read on its earlier side it is `from`; applying its changes (its later side) gives `to` — seeded concurrent rich edits', async () => {
    const seed = testSeed();
    const context = `seed ${seed} (replay with TEST_SEED=${seed})`;
    for (let round = 0; round < 6; round++) {
      const rand = prng(seed + round);
      const history = randomHistory(rand, 160);
      const last = history.records.length;
      for (let pair = 0; pair < 5; pair++) {
        const a = randomInt(rand, last + 1);
        const b = randomInt(rand, last + 1);
        const [from, to] = a <= b ? [a, b] : [b, a];
        const where = `${context}, round ${round}, diff ${from}..${to}`;
        const diff = await diffHistory(history, from, to);
        const before = stateAt(history, from);
        const after = stateAt(history, to);
        expect(normal(docSide(diff, 'before')), where).toEqual(before.rich);
        expect(normal(docSide(diff, 'after')), where).toEqual(after.rich);
        const notes = diff.texts.find((x) => x.root === 'notes')?.content ?? [];
        const side = (s: 'before' | 'after'): string => notes.filter((n) => onSide(n.change, s)).map((n) => n.text).join('');
        expect(side('before'), where).toBe(before.notes);
        expect(side('after'), where).toBe(after.notes);
        // Every change was made between the points; what is unchanged was written before them.
        const visit = (nodes: readonly DiffNode[]): void => {
          for (const node of nodes) {
            if (node.change === 'unchanged') expect(node.seq, where).toBeLessThanOrEqual(from);
            else expect([node.change, node.seq > from && node.seq <= to], where).toEqual([node.change, true]);
            if (!isDiffText(node)) visit(node.content ?? []);
          }
        };
        visit(diff.doc.content);
        visit(notes);
      }
    }
  });
});
