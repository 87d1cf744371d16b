/**
 * Who wrote each character, by the server's record: seeded edit sequences of several writers
 * (inserts, deletes, replacements, paragraphs added and removed, all concurrent), then the
 * author of every character must be the writer who typed it — each writer types only its own
 * letters, so a character says who typed it. Pasted and restored text belong to who pasted or
 * restored it; after a compaction, text from before the cut has no author and the rest keeps its own.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ClockRuns } from '../../persistence/clock-runs.js';
import { attributionOf, type Attribution } from '../../persistence/attribution.js';
import { attributedBlocks, attributedSpans, type AttributedSpan } from '../../persistence/attributed-text.js';
import { declaredAuthor, restoreAuthor, writerOf } from '../../persistence/author.js';
import type { DocHistory } from '../../persistence/archive.js';
import { docAt, revertUpdate } from '../../persistence/replay.js';
import { prng, randomInt, testSeed } from '../helpers/random.js';
import { HistoryServer, Writer } from '../helpers/writers.js';

function pick(rand: () => number, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(rand, alphabet.length)];
  return out;
}

/** The paragraphs' texts of a fragment, each as its XmlText holds it. */
function paragraphs(doc: Y.Doc): Y.XmlText[] {
  const texts: Y.XmlText[] = [];
  for (const node of doc.getXmlFragment('default').toArray()) {
    if (node instanceof Y.XmlElement) for (const child of node.toArray()) if (child instanceof Y.XmlText) texts.push(child);
  }
  return texts;
}

function randomEdit(writer: Writer, rand: () => number): void {
  writer.edit((doc) => {
    const fragment = doc.getXmlFragment('default');
    const texts = paragraphs(doc);
    const roll = rand();
    if (texts.length === 0 || roll < 0.15) {
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText(pick(rand, writer.alphabet, 1 + randomInt(rand, 6)))]);
      fragment.insert(randomInt(rand, fragment.length + 1), [paragraph]);
      return;
    }
    if (roll < 0.2 && fragment.length > 1) {
      fragment.delete(randomInt(rand, fragment.length), 1);
      return;
    }
    const text = texts[randomInt(rand, texts.length)] as Y.XmlText;
    const at = randomInt(rand, text.length + 1);
    const cut = Math.min(text.length - at, 1 + randomInt(rand, 4));
    if (roll < 0.45 && cut > 0) text.delete(at, cut); // delete
    else if (roll < 0.65 && cut > 0) {
      text.delete(at, cut); // replace
      text.insert(at, pick(rand, writer.alphabet, 1 + randomInt(rand, 4)));
    } else text.insert(at, pick(rand, writer.alphabet, 1 + randomInt(rand, 5))); // insert
  });
}

/** Who owns each character of `spans`, by the record's author. */
function authorsOf(spans: AttributedSpan[], attribution: Attribution): { char: string; author: string | null | undefined }[] {
  const out: { char: string; author: string | null | undefined }[] = [];
  for (const span of spans) {
    const facts = attribution.record(span.seq);
    const author = facts === null ? undefined : facts.author;
    for (const char of span.text) out.push({ char, author });
  }
  return out;
}

function historyOf(records: DocHistory['records']): DocHistory {
  return { name: 'doc', compacted: null, records, checkpoints: [], problems: [] };
}

describe('ClockRuns', () => {
  it('keeps the first claim of every clock, in any order of claims', () => {
    const runs = new ClockRuns();
    runs.claim(10, 20, 1);
    runs.claim(0, 5, 2);
    runs.claim(3, 15, 3); // only 5..10 is new
    runs.claim(18, 30, 4); // only 20..30 is new
    runs.claim(30, 31, 4); // joins the run before
    const seen: [number, number, number][] = [];
    runs.segments(0, 35, (from, to, value) => seen.push([from, to, value]));
    expect(seen).toEqual([
      [0, 5, 2],
      [5, 10, 3],
      [10, 20, 1],
      [20, 31, 4],
      [31, 35, 0],
    ]);
    expect([runs.valueAt(4), runs.valueAt(5), runs.valueAt(19), runs.valueAt(31)]).toEqual([2, 3, 1, 0]);
    expect(runs.size).toBe(4);
  });

  it('agrees with a clock-by-clock model under random claims', () => {
    const seed = testSeed();
    const rand = prng(seed);
    const runs = new ClockRuns();
    const model: number[] = [];
    for (let i = 1; i <= 400; i++) {
      const start = randomInt(rand, 300);
      const end = start + randomInt(rand, 20);
      runs.claim(start, end, i);
      for (let c = start; c < end; c++) model[c] ??= i;
    }
    for (let c = 0; c < 330; c++) expect(runs.valueAt(c), `clock ${c}, seed ${seed} (replay with TEST_SEED=${seed})`).toBe(model[c] ?? 0);
  });
});

describe('attribution', () => {
  it('gives every character the writer who typed it, over seeded concurrent edit sequences', () => {
    const seed = testSeed();
    const context = `seed ${seed} (replay with TEST_SEED=${seed})`;
    for (let round = 0; round < 8; round++) {
      const rand = prng(seed + round);
      const writers = [new Writer('ada', 'abcde'), new Writer(declaredAuthor('Bob'), 'fghij'), new Writer(declaredAuthor('Chen Li'), 'klmno'), new Writer(null, 'pqrst')];
      const server = new HistoryServer(writers);
      for (let step = 0; step < 300; step++) {
        const writer = writers[randomInt(rand, writers.length)] as Writer;
        // Writers edit ahead of what they have received; updates arrive in a random order.
        const roll = rand();
        if (roll < 0.6) randomEdit(writer, rand);
        else if (roll < 0.97) server.deliverOne(writer);
        else server.resync(writer);
      }
      server.deliverAll();
      for (const writer of writers) expect(writer.doc.getXmlFragment('default').toString(), context).toBe(server.doc.getXmlFragment('default').toString());

      const attribution = attributionOf(server.records);
      const blocks = attributedBlocks(server.doc.getXmlFragment('default'), attribution);
      expect(blocks.map((b) => b.map((s) => s.text).join('')), context).toEqual(paragraphs(server.doc).map((t) => t.toString()));
      const owner = new Map(writers.flatMap((w) => [...w.alphabet].map((c) => [c, w.author] as const)));
      for (const { char, author } of blocks.flatMap((b) => authorsOf(b, attribution))) expect(author, `${char}: ${context}`).toBe(owner.get(char));
    }
  });

  it('credits pasted text to who pasted it, and restored text to who restored it', async () => {
    const ada = new Writer('ada', '');
    const bob = new Writer(declaredAuthor('Bob'), '');
    const server = new HistoryServer([ada, bob]);
    ada.edit((doc) => doc.getText('t').insert(0, 'Ada wrote this. '));
    server.deliverAll();
    // Bob copies Ada's sentence and pastes it at the end: new characters, his.
    bob.edit((doc) => doc.getText('t').insert(doc.getText('t').length, 'Ada wrote this.'));
    server.deliverAll();
    let attribution = attributionOf(server.records);
    expect(attributedSpans(server.doc.getText('t'), attribution).map((s) => [s.text, attribution.record(s.seq)?.author])).toEqual([
      ['Ada wrote this. ', 'ada'],
      ['Ada wrote this.', declaredAuthor('Bob')],
    ]);

    // Bob deletes everything; Carol restores the version before that.
    bob.edit((doc) => doc.getText('t').delete(0, doc.getText('t').length));
    server.deliverAll();
    const history = historyOf(server.records);
    const old = await docAt(history, 2, { gc: false });
    const update = revertUpdate(old, server.doc);
    expect(update).not.toBeNull();
    server.receive(update as Uint8Array, restoreAuthor({ name: 'Carol' }));
    expect(server.doc.getText('t').toString()).toBe('Ada wrote this. Ada wrote this.');
    attribution = attributionOf(server.records);
    const spans = attributedSpans(server.doc.getText('t'), attribution);
    expect(spans).toEqual([{ text: 'Ada wrote this. Ada wrote this.', seq: 4 }]);
    expect(writerOf(attribution.record(4)?.author ?? null)).toEqual({ person: 'name:Carol', name: 'Carol', declared: true, via: 'restore' });
  });

  it('after a compaction, text from before the cut has no author and later text keeps its own', async () => {
    const seed = testSeed();
    const rand = prng(seed);
    const context = `seed ${seed} (replay with TEST_SEED=${seed})`;
    const writers = [new Writer('ada', 'abcde'), new Writer(declaredAuthor('Bob'), 'fghij')];
    const [ada, bob] = writers as [Writer, Writer];
    const server = new HistoryServer(writers);
    const editRandomly = (steps: number): void => {
      for (let step = 0; step < steps; step++) {
        randomEdit(writers[randomInt(rand, writers.length)] as Writer, rand);
        if (rand() < 0.5) server.deliverAll();
      }
      server.deliverAll();
    };
    editRandomly(100);
    ada.edit((doc) => doc.getText('t').insert(0, 'abc'));
    server.deliverAll();
    const cut = server.records.length;
    editRandomly(100);
    bob.edit((doc) => doc.getText('t').insert(3, 'fgh'));
    server.deliverAll();
    // What a compacted history holds: the state at the cut, and the records after it.
    const atCut = await docAt(historyOf(server.records), cut);
    const state = Y.encodeStateAsUpdate(atCut);
    const compacted: DocHistory = { ...historyOf(server.records.slice(cut)), checkpoints: [{ seq: cut, path: 'checkpoint', load: async () => state }] };

    const full = attributionOf(server.records);
    const kept = attributionOf(compacted.records);
    const now = await docAt(compacted, server.records.length);
    const blocks = attributedBlocks(now.getXmlFragment('default'), kept);
    const fullBlocks = attributedBlocks(server.doc.getXmlFragment('default'), full);
    const chars = (spans: AttributedSpan[][]): number[] => spans.flat().flatMap((s) => [...s.text].map(() => s.seq));
    const keptSeqs = chars(blocks);
    const fullSeqs = chars(fullBlocks);
    expect(keptSeqs.length, context).toBe(fullSeqs.length);
    expect(keptSeqs, context).toEqual(fullSeqs.map((seq) => (seq <= cut ? 0 : seq)));
    const text = attributedSpans(now.getText('t'), kept);
    expect(text.map((s) => [s.text, s.seq === 0 ? 'unknown' : kept.record(s.seq)?.author]), context).toEqual([
      ['abc', 'unknown'],
      ['fgh', declaredAuthor('Bob')],
    ]);
    expect(kept.record(cut), context).toBeNull();
    expect(kept.firstSeq, context).toBe(cut + 1);
  });
});
