/**
 * A deterministic, long history of people writing one Tiptap-shaped document: a few authors
 * take turns in sessions (hours or days apart, minutes when one hands over to another), and
 * within a session type in bursts of one to four characters a change, half a second apart,
 * with what writing brings: backspaces, a sentence deleted here and there, a word made bold,
 * new paragraphs and headings, the caret moving to another paragraph to revise it. Every
 * change is one record, as the server keeps it, with its author and time.
 */
import * as Y from 'yjs';
import { declaredAuthor } from '../../persistence/author.js';
import type { LogRecord } from '../../persistence/record.js';
import { randomInt, seededRandom, type Random } from './random.js';

const WORDS = 'the a of to and in that we it for on this with as draft plan team review budget launch customer feedback should will next week because results meeting notes clearly quickly product design'.split(' ');

/** One author's view of the document, with a caret. */
class Author {
  readonly doc = new Y.Doc();
  block = 0;
  offset = 0;

  constructor(
    readonly name: string,
    clientID: number,
  ) {
    this.doc.clientID = clientID;
  }

  get fragment(): Y.XmlFragment {
    return this.doc.getXmlFragment('default');
  }
}

function textOf(block: Y.XmlElement): Y.XmlText {
  let text = block.get(0);
  if (!(text instanceof Y.XmlText)) {
    text = new Y.XmlText();
    block.insert(0, [text]);
  }
  return text as Y.XmlText;
}

function newBlock(random: Random): Y.XmlElement {
  const heading = random() < 0.08;
  const block = new Y.XmlElement(heading ? 'heading' : 'paragraph');
  if (heading) block.setAttribute('level', (2 + randomInt(random, 2)) as unknown as string);
  block.insert(0, [new Y.XmlText()]);
  return block;
}

/** One change by `author`: what a person's keystrokes (or one edit) make between two sends. */
function edit(author: Author, random: Random, pending: { word: string }): void {
  const fragment = author.fragment;
  if (fragment.length === 0 || random() < 0.012) {
    const at = fragment.length === 0 ? 0 : Math.min(fragment.length, author.block + 1);
    fragment.insert(at, [newBlock(random)]);
    author.block = at;
    author.offset = 0;
    return;
  }
  if (random() < 0.02) {
    // Back to revise another paragraph.
    author.block = randomInt(random, fragment.length);
    author.offset = randomInt(random, textOf(fragment.get(author.block) as Y.XmlElement).length + 1);
  }
  author.block = Math.min(author.block, fragment.length - 1);
  const text = textOf(fragment.get(author.block) as Y.XmlElement);
  author.offset = Math.min(author.offset, text.length);
  const roll = random();
  if (roll < 0.08 && author.offset > 0) {
    const n = Math.min(author.offset, 1 + randomInt(random, 3));
    text.delete(author.offset - n, n);
    author.offset -= n;
  } else if (roll < 0.09 && text.length > 40) {
    // A sentence or so deleted.
    const at = randomInt(random, text.length - 30);
    text.delete(at, 10 + randomInt(random, 20));
    author.offset = Math.min(author.offset, text.length);
  } else if (roll < 0.1 && text.length > 10) {
    const at = randomInt(random, text.length - 6);
    text.format(at, 3 + randomInt(random, 4), { bold: {} });
  } else {
    if (pending.word === '') pending.word = `${WORDS[randomInt(random, WORDS.length)] ?? 'word'}${random() < 0.08 ? '. ' : ' '}`;
    const burst = pending.word.slice(0, 1 + randomInt(random, 4));
    pending.word = pending.word.slice(burst.length);
    text.insert(author.offset, burst);
    author.offset += burst.length;
  }
}

export interface TypedHistory {
  records: LogRecord[];
  authors: string[];
}

/** `changes` records by `authorCount` authors (self-declared names, as on a server without tokens). */
export function typedHistory(changes: number, seed: number, authorCount = 3, startMs = Date.UTC(2025, 0, 6, 9)): TypedHistory {
  const random = seededRandom(seed);
  const names = ['Ada', 'Bob', 'Chidi', 'Dana', 'Emil'].slice(0, authorCount);
  const authors = names.map((name, i) => new Author(name, 1000 + i));
  const records: LogRecord[] = [];
  let time = startMs;
  let writer = authors[0] as Author;
  let sessionLeft = 0;
  const pending = { word: '' };
  while (records.length < changes) {
    if (sessionLeft === 0) {
      const next = authors[randomInt(random, authors.length)] as Author;
      // A hand-over takes minutes; the same person comes back hours or a day later.
      time += next === writer ? (1 + randomInt(random, 30)) * 3_600_000 : (2 + randomInt(random, 20)) * 60_000;
      writer = next;
      sessionLeft = 200 + randomInt(random, 2800);
      pending.word = '';
    }
    let update: Uint8Array | null = null;
    const keep = (u: Uint8Array): void => {
      update = u;
    };
    writer.doc.on('update', keep);
    writer.doc.transact(() => edit(writer, random, pending));
    writer.doc.off('update', keep);
    sessionLeft -= 1;
    if (update === null) continue;
    time += 150 + randomInt(random, 600);
    records.push({ seq: records.length + 1, timeMs: time, author: declaredAuthor(writer.name), update });
    for (const other of authors) if (other !== writer) Y.applyUpdate(other.doc, update);
  }
  for (const author of authors) author.doc.destroy();
  return { records, authors: names };
}
