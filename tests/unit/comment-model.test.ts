/**
 * The comment model under concurrent edits: threads merge like any Yjs data, and an anchor
 * covers the commented text through edits before, after and inside it, shrinks as it is
 * deleted and is orphaned (not lost) when all of it is gone. The randomized part runs several
 * replicas on a seeded, reordering network and checks every anchor against an oracle built
 * from the characters' Yjs identities; a failure prints the seed (replay with TEST_SEED).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeAnchor } from '../../document-schema/comments/comment-anchor.js';
import {
  addReply,
  deleteMessage,
  deleteThread,
  editMessage,
  followRestoredText,
  readThreads,
  setResolved,
  type CommentThread,
} from '../../document-schema/comments/comment-threads.js';
import { ada, anchoredText, bob, commentOn, commentOnRange, docWithParagraphs, paragraphs, rendered, replica, threadTexts } from '../helpers/comment-docs.js';
import { prng, randomInt, testSeed } from '../helpers/random.js';

const textOf = (doc: Y.Doc, paragraph: number): Y.XmlText =>
  (doc.getXmlFragment('default').get(paragraph) as Y.XmlElement).get(0) as Y.XmlText;

/** Exchanges everything both ways. */
function sync(...docs: Y.Doc[]): void {
  for (const from of docs) for (const to of docs) if (from !== to) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

const only = (doc: Y.Doc): CommentThread => {
  const [thread] = readThreads(doc);
  if (!thread) throw new Error('no thread');
  return thread;
};

describe('an anchor', () => {
  it('covers the commented text, also at the very start of the document', () => {
    const doc = docWithParagraphs(['Hello brave new world', 'Second']);
    commentOn(doc, 'Hello', ada, 'greeting');
    commentOn(doc, 'brave new', ada, 'adjectives');
    commentOn(doc, 'world', ada, 'end of the line');
    expect(Object.values(threadTexts(doc)).sort()).toEqual(['Hello', 'brave new', 'world']);
  });

  it('keeps text typed just before and just after it outside, and text typed inside it in', () => {
    const doc = docWithParagraphs(['Hello brave new world']);
    commentOn(doc, 'brave', ada, 'word choice');
    const text = textOf(doc, 0);
    text.insert(6, '<'); // just before "brave"
    text.insert(12, '>'); // just after it
    text.insert(9, '-in-'); // inside
    expect(paragraphs(doc)).toEqual(['Hello <br-in-ave> new world']);
    expect(anchoredText(doc, only(doc).anchor)).toBe('br-in-ave');
  });

  it('follows concurrent edits around and inside it, the same way on every replica', () => {
    const a = docWithParagraphs(['Hello brave new world'], 1);
    const b = replica(a, 2);
    const c = replica(a, 3);
    commentOn(a, 'brave new world', ada, 'a phrase');
    sync(a, b, c);
    textOf(a, 0).insert(0, 'Oh, ');
    textOf(a, 0).insert(25, '!');
    textOf(b, 0).insert(11, 'ly'); // "bravely"
    textOf(c, 0).delete(12, 3); // "new"
    textOf(c, 0).insert(12, 'old');
    sync(a, b, c);
    for (const doc of [a, b, c]) {
      expect(paragraphs(doc)).toEqual(['Oh, Hello bravely old world!']);
      expect(anchoredText(doc, only(doc).anchor)).toBe('bravely old world');
    }
  });

  it('shrinks as its text is deleted and is orphaned, not lost, when all of it is gone', () => {
    const a = docWithParagraphs(['Hello brave new world', 'Second'], 1);
    const b = replica(a, 2);
    const id = commentOn(a, 'brave', ada, 'word choice');
    sync(a, b);
    textOf(a, 0).delete(6, 2); // "br"
    addReply(b, id, bob, 'a reply while the text goes');
    sync(a, b);
    expect(anchoredText(a, only(a).anchor)).toBe('ave');
    textOf(b, 0).delete(6, 3);
    sync(a, b);
    for (const doc of [a, b]) {
      const thread = only(doc);
      expect(anchoredText(doc, thread.anchor)).toBeNull();
      expect(thread.quote).toBe('brave');
      expect(thread.messages.map((m) => m.text)).toEqual(['word choice', 'a reply while the text goes']);
    }
  });

  it('is orphaned when its paragraph is deleted, and comes back with an undo, on every replica', () => {
    const doc = docWithParagraphs(['First', 'Hello brave new world', 'Last'], 1);
    commentOn(doc, 'brave', ada, 'word choice');
    const other = replica(doc, 2);
    const fragment = doc.getXmlFragment('default');
    const undo = new Y.UndoManager(fragment);
    fragment.delete(1, 1);
    sync(doc, other);
    expect(paragraphs(other)).toEqual(['First', 'Last']);
    expect(anchoredText(other, only(other).anchor)).toBeNull();
    undo.undo();
    // The undoing replica links the deleted characters to their restored copies; the others
    // see new characters until the thread is re-pointed at them.
    expect(anchoredText(doc, only(doc).anchor)).toBe('brave');
    sync(doc, other);
    expect(paragraphs(other)).toEqual(['First', 'Hello brave new world', 'Last']);
    expect(anchoredText(other, only(other).anchor)).toBeNull();
    expect(followRestoredText(doc)).toBe(1);
    expect(followRestoredText(doc)).toBe(0);
    sync(doc, other);
    expect(anchoredText(other, only(other).anchor)).toBe('brave');
    expect(anchoredText(replica(other, 3), only(other).anchor)).toBe('brave');
  });

  it('spanning two paragraphs, keeps what is left of it when one of them goes', () => {
    const doc = docWithParagraphs(['Hello brave', 'new world', 'end']);
    // "brave" is 7–12 in the first paragraph; "new" 14–17 in the second.
    commentOnRange(doc, 7, 17, ada, 'across');
    expect(anchoredText(doc, only(doc).anchor)).toBe('brave\nnew');
    doc.getXmlFragment('default').delete(0, 1);
    expect(anchoredText(doc, only(doc).anchor)).toBe('new');
    doc.getXmlFragment('default').delete(0, 1);
    expect(anchoredText(doc, only(doc).anchor)).toBeNull();
  });
});

describe('threads', () => {
  it('merge concurrent replies, resolves and edits; a deleted thread stays deleted', () => {
    const a = docWithParagraphs(['Hello brave new world'], 1);
    const b = replica(a, 2);
    const first = commentOn(a, 'brave', ada, 'word choice', 1000);
    const second = commentOn(a, 'world', ada, 'which world?', 2000);
    sync(a, b);
    addReply(a, first, ada, 'from Ada');
    addReply(b, first, bob, 'from Bob');
    setResolved(b, first, true, bob);
    const mine = readThreads(a).find((t) => t.id === first)?.messages[0]?.id ?? '';
    editMessage(a, first, mine, ada, 'word choice, really');
    expect(editMessage(b, first, mine, bob, 'Bob may not')).toBe(false);
    deleteThread(a, second, ada);
    addReply(b, second, bob, 'a reply to a thread being deleted');
    sync(a, b);
    for (const doc of [a, b]) {
      const threads = readThreads(doc);
      expect(threads.map((t) => t.id)).toEqual([first]);
      const [thread] = threads;
      expect(thread?.resolved).toBe(true);
      expect(thread?.resolvedBy).toEqual(bob);
      expect(thread?.messages[0]?.text).toBe('word choice, really');
      expect(thread?.messages[0]?.edited).not.toBeNull();
      expect(new Set(thread?.messages.slice(1).map((m) => m.text))).toEqual(new Set(['from Ada', 'from Bob']));
    }
    expect(readThreads(a)).toEqual(readThreads(b));
  });

  it('deleting the opening message deletes the thread, a reply only itself', () => {
    const doc = docWithParagraphs(['Hello brave new world']);
    const id = commentOn(doc, 'brave', ada, 'word choice');
    addReply(doc, id, bob, 'reply');
    const [opening, reply] = only(doc).messages;
    expect(deleteMessage(doc, id, reply?.id ?? '', ada)).toBe(false);
    expect(deleteMessage(doc, id, reply?.id ?? '', bob)).toBe(true);
    expect(only(doc).messages).toHaveLength(1);
    expect(deleteMessage(doc, id, opening?.id ?? '', ada)).toBe(true);
    expect(readThreads(doc)).toEqual([]);
  });

  it('leaves out what is not a well-formed thread', () => {
    const doc = docWithParagraphs(['Hello']);
    commentOn(doc, 'Hello', ada, 'fine');
    doc.getMap('comments').set('junk', 'not a thread' as never);
    const broken = new Y.Map<unknown>();
    doc.getMap('comments').set('broken', broken as never);
    broken.set('author', { id: 'x' });
    expect(readThreads(doc).map((t) => t.messages[0]?.text)).toEqual(['fine']);
  });
});

/** Every character of the document's paragraphs in order, deleted ones included, with its identity. */
function characters(doc: Y.Doc): { id: string; char: string; live: boolean }[] {
  const chars: { id: string; char: string; live: boolean }[] = [];
  for (let block = doc.getXmlFragment('default')._start; block; block = block.right) {
    const element = block.content instanceof Y.ContentType ? block.content.type : null;
    if (!(element instanceof Y.XmlElement)) continue;
    for (let child = element._start; child; child = child.right) {
      const text = child.content instanceof Y.ContentType ? child.content.type : null;
      if (!(text instanceof Y.XmlText)) continue;
      for (let item = text._start; item; item = item.right) {
        if (!(item.content instanceof Y.ContentString)) continue;
        const s = item.content.str;
        for (let i = 0; i < s.length; i++) {
          chars.push({ id: `${item.id.client}:${item.id.clock + i}`, char: s[i] ?? '', live: !item.deleted && !block.deleted });
        }
      }
    }
  }
  return chars;
}

/** What an anchor must cover: the live characters from its first to its last commented one. */
function oracle(doc: Y.Doc, anchor: Uint8Array): string | null {
  const [start, end] = decodeAnchor(anchor) ?? [];
  const chars = characters(doc);
  const first = chars.findIndex((c) => start?.item && c.id === `${start.item.client}:${start.item.clock}`);
  const last = chars.findIndex((c) => end?.item && c.id === `${end.item.client}:${end.item.clock}`);
  const covered = chars.slice(first, last + 1).filter((c) => c.live).map((c) => c.char).join('');
  return first < 0 || last < 0 || covered === '' ? null : covered;
}

const WORDS = ['alpha ', 'beta ', 'gamma ', 'delta ', 'x', 'yz', ' '];

/** One random edit or comment action on `doc` by `author`. */
function randomAction(doc: Y.Doc, rand: () => number, author: typeof ada): void {
  const fragment = doc.getXmlFragment('default');
  const live = fragment.toArray().filter((b): b is Y.XmlElement => b instanceof Y.XmlElement);
  const block = live[randomInt(rand, live.length)];
  const text = block?.get(0);
  const roll = rand();
  if (roll < 0.35 && text instanceof Y.XmlText) {
    text.insert(randomInt(rand, text.length + 1), WORDS[randomInt(rand, WORDS.length)] ?? 'w');
  } else if (roll < 0.55 && text instanceof Y.XmlText && text.length > 0) {
    const at = randomInt(rand, text.length);
    text.delete(at, 1 + randomInt(rand, Math.min(6, text.length - at)));
  } else if (roll < 0.6 && live.length > 2) {
    fragment.delete(randomInt(rand, fragment.length), 1);
  } else if (roll < 0.67) {
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('new paragraph text')]);
    fragment.insert(randomInt(rand, fragment.length + 1), [paragraph]);
  } else if (roll < 0.85) {
    const view = rendered(doc);
    const size = view.doc.content.size;
    // Concurrent deletes on other replicas can leave no paragraph at all: nothing to select.
    if (size < 3) return;
    const from = 1 + randomInt(rand, Math.max(1, size - 2));
    const to = Math.min(size - 1, from + 1 + randomInt(rand, 25));
    const quote = view.doc.textBetween(from, to, '\n');
    const [$from, $to] = [view.doc.resolve(from), view.doc.resolve(to)];
    // As the editor trims a selection: from a character to a character.
    if (quote.trim() === '' || !$from.parent.isTextblock || !$to.parent.isTextblock) return;
    if ($from.parentOffset === $from.parent.content.size || $to.parentOffset === 0) return;
    const id = commentOnRange(doc, from, to, author, `on ${JSON.stringify(quote)}`);
    // Made as the editor makes it, an anchor covers exactly the selected text.
    expect(anchoredText(doc, readThreads(doc).find((t) => t.id === id)?.anchor ?? new Uint8Array())).toBe(quote);
  } else {
    const threads = readThreads(doc);
    const thread = threads[randomInt(rand, threads.length)];
    if (!thread) return;
    const pick = rand();
    if (pick < 0.5) addReply(doc, thread.id, author, 'a reply');
    else if (pick < 0.85) setResolved(doc, thread.id, !thread.resolved, author);
    else deleteThread(doc, thread.id, author);
  }
}

describe('random concurrent edits and comments (seeded)', () => {
  it('converge on every replica, each anchor covering exactly its text', () => {
    const seed = testSeed();
    const context = `seed ${seed} (replay with TEST_SEED=${seed})`;
    try {
      for (let round = 0; round < 4; round++) runNetwork(prng(seed + round));
    } catch (error) {
      console.error(`comment-model failed with ${context}`);
      throw error;
    }
  });
});

/** Three replicas whose updates are delivered late and in random order, then all at once. */
function runNetwork(rand: () => number): void {
  const authors = [ada, bob, { id: 'cy', name: 'Cy', kind: 'self-declared' as const }];
  const origin = docWithParagraphs(['The quick brown fox', 'jumps over the lazy dog', 'and runs away'], 100);
  const docs = authors.map((_, i) => {
    const doc = new Y.Doc({ gc: false });
    doc.clientID = 10 + i;
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(origin));
    return doc;
  });
  // In flight: updates each replica has yet to receive.
  const inbox = docs.map(() => [] as Uint8Array[]);
  docs.forEach((doc, i) =>
    doc.on('update', (update: Uint8Array, from: unknown) => {
      if (from === 'network') return;
      inbox.forEach((queue, j) => j !== i && queue.push(update));
    }),
  );
  for (let step = 0; step < 120; step++) {
    const i = randomInt(rand, docs.length);
    randomAction(docs[i] as Y.Doc, rand, authors[i] as typeof ada);
    // Deliver a random few of one replica's waiting updates, in random order.
    const j = randomInt(rand, docs.length);
    const queue = inbox[j] as Uint8Array[];
    for (let n = randomInt(rand, 3); n > 0 && queue.length > 0; n--) {
      const [update] = queue.splice(randomInt(rand, queue.length), 1);
      if (update) Y.applyUpdate(docs[j] as Y.Doc, update, 'network');
    }
  }
  docs.forEach((doc, j) => {
    for (const update of (inbox[j] as Uint8Array[]).splice(0)) Y.applyUpdate(doc, update, 'network');
  });
  const [reference, ...others] = docs as [Y.Doc, ...Y.Doc[]];
  for (const doc of others) {
    expect(paragraphs(doc)).toEqual(paragraphs(reference));
    expect(readThreads(doc)).toEqual(readThreads(reference));
    expect(threadTexts(doc)).toEqual(threadTexts(reference));
  }
  for (const thread of readThreads(reference)) {
    expect((anchoredText(reference, thread.anchor) ?? '').replace(/\n/g, '') || null).toBe(oracle(reference, thread.anchor));
  }
}
