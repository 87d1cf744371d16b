/**
 * The server's check of updates from token connections: a `comment`-role connection may change
 * comment threads and nothing else, and every token connection writes comments only under its
 * own name. Updates are made as clients make them (the `update` events of a replica), plus a
 * few built by hand that no client would send.
 */
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { THREAD_FIELD, type CommentAuthor } from '../../document-schema/comments/comment-fields.js';
import { addReply, commentsMap, deleteMessage, deleteThread, editMessage, readThreads, setAnchor, setResolved } from '../../document-schema/comments/comment-threads.js';
import { checkCommentUpdate, type CommentPolicy } from '../../sync-server/access/comment-update-check.js';
import { ada, anchorOn, bob, commentOn, docWithParagraphs, replica, updateOf } from '../helpers/comment-docs.js';

const commenter = (author: CommentAuthor): CommentPolicy => ({ commentsOnly: true, user: { id: author.id, name: author.name } });
const writer = (author: CommentAuthor): CommentPolicy => ({ commentsOnly: false, user: { id: author.id, name: author.name } });

/** A server document: two paragraphs, a thread by Ada on "brave" with a reply by Bob. */
function serverDoc(): { doc: Y.Doc; thread: string; reply: string; first: string } {
  const doc = docWithParagraphs(['Hello brave new world', 'Second paragraph'], 1);
  const thread = commentOn(doc, 'brave', ada, 'Is this the right word?');
  addReply(doc, thread, bob, 'I think so');
  const [opened] = readThreads(doc);
  const first = opened?.messages[0]?.id ?? '';
  const reply = opened?.messages[1]?.id ?? '';
  return { doc, thread, reply, first };
}

const firstText = (doc: Y.Doc): Y.XmlText => (doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;

/** Checks without changing the document: its state is the same before and after. */
function check(doc: Y.Doc, update: Uint8Array, policy: CommentPolicy): string | null {
  const before = Y.encodeStateAsUpdate(doc);
  const result = checkCommentUpdate(doc, update, policy);
  expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  return result;
}

describe('a comment-role connection', () => {
  const { doc, thread, reply, first } = serverDoc();

  it('may not insert text', () => {
    const update = updateOf(doc, (d) => firstText(d).insert(0, 'X'), 50);
    expect(check(doc, update, commenter(bob))).toMatch(/comments only/);
    // The same update from a writer is fine.
    expect(check(doc, update, writer(bob))).toBeNull();
  });

  it('may not change formatting', () => {
    const update = updateOf(doc, (d) => firstText(d).format(0, 5, { bold: {} }), 51);
    expect(check(doc, update, commenter(bob))).toMatch(/comments only/);
  });

  it('may not delete text, nor a paragraph', () => {
    expect(check(doc, updateOf(doc, (d) => firstText(d).delete(0, 6), 52), commenter(bob))).toMatch(/comments only/);
    expect(check(doc, updateOf(doc, (d) => d.getXmlFragment('default').delete(1, 1), 53), commenter(bob))).toMatch(/comments only/);
  });

  it('may open a thread, reply, and resolve and reopen anyone’s thread', () => {
    expect(check(doc, updateOf(doc, (d) => commentOn(d, 'world', bob, 'Whose world?'), 54), commenter(bob))).toBeNull();
    expect(check(doc, updateOf(doc, (d) => addReply(d, thread, bob, 'Agreed'), 55), commenter(bob))).toBeNull();
    expect(check(doc, updateOf(doc, (d) => setResolved(d, thread, true, bob), 56), commenter(bob))).toBeNull();
    const resolved = updateOf(doc, (d) => setResolved(d, thread, true, bob), 57);
    const afterResolve = docWithParagraphs([], 2);
    Y.applyUpdate(afterResolve, Y.encodeStateAsUpdate(doc));
    Y.applyUpdate(afterResolve, resolved);
    expect(check(afterResolve, updateOf(afterResolve, (d) => setResolved(d, thread, false, bob), 58), commenter(bob))).toBeNull();
  });

  it('may edit and delete its own messages and threads, not others’', () => {
    expect(check(doc, updateOf(doc, (d) => editMessage(d, thread, reply, bob, 'I think so, yes'), 59), commenter(bob))).toBeNull();
    expect(check(doc, updateOf(doc, (d) => deleteMessage(d, thread, reply, bob), 60), commenter(bob))).toBeNull();
    expect(check(doc, updateOf(doc, (d) => deleteThread(d, thread, ada), 61), commenter(ada))).toBeNull();

    // Bob's client forging the edits (the model's own guard bypassed by writing the fields).
    const forgedEdit = updateOf(doc, (d) => messageMap(d, thread, 0).set('text', 'Ada never said this'), 62);
    expect(check(doc, forgedEdit, commenter(bob))).toMatch(/only its author may change/);
    const forgedDelete = updateOf(doc, (d) => messagesOf(d, thread).delete(0, 1), 63);
    expect(check(doc, forgedDelete, commenter(bob))).toMatch(/only its author may delete a comment$/);
    const threadDelete = updateOf(doc, (d) => commentsMap(d).delete(thread), 64);
    expect(check(doc, threadDelete, commenter(bob))).toMatch(/only its author may delete a comment thread/);
    expect(first).not.toBe('');
  });

  it('refuses an update that mixes a comment with a text change', () => {
    const mixed = updateOf(
      doc,
      (d) =>
        d.transact(() => {
          addReply(d, thread, bob, 'and a small fix');
          firstText(d).insert(0, 'fix ');
        }),
      65,
    );
    expect(check(doc, mixed, commenter(bob))).toMatch(/comments only/);
  });

  it('refuses a thread whose set-once fields are changed later', () => {
    const requoted = updateOf(doc, (d) => (commentsMap(d).get(thread) as Y.Map<unknown>).set(THREAD_FIELD.quote, 'elsewhere'), 66);
    expect(check(doc, requoted, commenter(ada))).toMatch(/set only when its comment is created/);
    expect(check(doc, requoted, writer(ada))).toMatch(/set only when its comment is created/);
  });

  it('may not move a thread to other text; a writer may', () => {
    const moved = updateOf(doc, (d) => setAnchor(d, thread, anchorOn(d, 'world')), 67);
    expect(check(doc, moved, commenter(ada))).toMatch(/only those who may edit the text/);
    expect(check(doc, moved, writer(bob))).toBeNull();
  });
});

describe('authorship of token connections', () => {
  const { doc, thread } = serverDoc();

  it('refuses a comment in someone else’s name, a changed name and a self-declared one', () => {
    expect(check(doc, updateOf(doc, (d) => commentOn(d, 'world', ada, 'As Ada'), 70), writer(bob))).toMatch(/own author/);
    expect(check(doc, updateOf(doc, (d) => commentOn(d, 'world', { ...bob, name: 'Robert' }, 'hi'), 71), writer(bob))).toMatch(/own author/);
    expect(check(doc, updateOf(doc, (d) => commentOn(d, 'world', { ...bob, kind: 'self-declared' }, 'hi'), 72), writer(bob))).toMatch(/own author/);
    expect(check(doc, updateOf(doc, (d) => addReply(d, thread, ada, 'As Ada'), 73), commenter(bob))).toMatch(/own author/);
    expect(check(doc, updateOf(doc, (d) => setResolved(d, thread, true, ada), 74), commenter(bob))).toMatch(/own author/);
  });

  it('refuses a thread or message that names no author', () => {
    const anonymous = updateOf(
      doc,
      (d) => {
        const message = new Y.Map<unknown>();
        message.set('id', 'm1');
        message.set('time', 1);
        message.set('text', 'who am I?');
        messagesOf(d, thread).push([message]);
      },
      75,
    );
    expect(check(doc, anonymous, writer(bob))).toMatch(/must name its author/);
  });

  it('refuses values of the wrong kind and fields the layout does not have', () => {
    expect(check(doc, updateOf(doc, (d) => addReply(d, thread, bob, 'x'.repeat(10_001)), 76), writer(bob))).toMatch(/wrong kind/);
    expect(check(doc, updateOf(doc, (d) => addReply(d, thread, bob, '   '), 77), writer(bob))).toMatch(/wrong kind/);
    expect(check(doc, updateOf(doc, (d) => (commentsMap(d).get(thread) as Y.Map<unknown>).set('colour', 'red'), 78), writer(bob))).toMatch(/no field/);
    expect(check(doc, updateOf(doc, (d) => d.getMap('comments').set('oops', 'not a thread' as never), 79), writer(bob))).toMatch(/must be a map/);
  });

  it('lets a writer change text and comment in one update', () => {
    const both = updateOf(
      doc,
      (d) =>
        d.transact(() => {
          firstText(d).insert(0, 'Well: ');
          addReply(d, thread, bob, 'done');
        }),
      80,
    );
    expect(check(doc, both, writer(bob))).toBeNull();
  });

  it('accepts an offline commenter’s whole state as its sync step 2', () => {
    const offline = new Y.Doc();
    offline.clientID = 81;
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(doc));
    const serverState = Y.encodeStateVector(doc);
    commentOn(offline, 'Second', bob, 'first offline comment');
    addReply(offline, thread, bob, 'second offline comment');
    setResolved(offline, thread, true, bob);
    setResolved(offline, thread, false, bob);
    // A sync step 2 holds the whole delete set, text deletions by others included.
    expect(check(doc, Y.encodeStateAsUpdate(offline, serverState), commenter(bob))).toBeNull();
  });
});

describe('updates no client sends', () => {
  const { doc } = serverDoc();

  it('refuses an update that depends on content the server does not have', () => {
    const elsewhere = docWithParagraphs(['unknown'], 90);
    const unseen = updateOf(elsewhere, (d) => firstText(d).insert(0, 'x'), 91);
    expect(check(doc, unseen, writer(bob))).toMatch(/does not have/);
  });

  it('refuses deleting content the server does not have', () => {
    const ds = new Y.UpdateEncoderV1();
    encoding.writeVarUint(ds.restEncoder, 0); // no structs
    encoding.writeVarUint(ds.restEncoder, 1); // one client in the delete set
    encoding.writeVarUint(ds.restEncoder, 4242);
    encoding.writeVarUint(ds.restEncoder, 1);
    encoding.writeVarUint(ds.restEncoder, 0);
    encoding.writeVarUint(ds.restEncoder, 10);
    expect(check(doc, ds.toUint8Array(), commenter(bob))).toMatch(/does not have/);
  });

  it('refuses an item whose parent is a character of the text', () => {
    const character = firstText(doc)._start as Y.Item;
    const encoder = new Y.UpdateEncoderV1();
    encoding.writeVarUint(encoder.restEncoder, 1); // one client
    encoding.writeVarUint(encoder.restEncoder, 1); // one struct
    encoder.writeClient(92);
    encoding.writeVarUint(encoder.restEncoder, 0);
    new Y.Item(Y.createID(92, 0), null, null, null, null, character.id as never, 'x', new Y.ContentAny(['y'])).write(encoder, 0);
    encoding.writeVarUint(encoder.restEncoder, 0); // empty delete set
    expect(check(doc, encoder.toUint8Array(), writer(bob))).toMatch(/not a type/);
  });

  it('follows a long chain of items written offline (no recursion per item)', () => {
    // One client writes 20,000 paragraphs, each placed after the one before; another, whose
    // items come first in the update, writes after the last of them: placing its paragraph
    // means following the whole chain.
    const first = replica(doc, 93);
    first.transact(() => {
      const fragment = first.getXmlFragment('default');
      let last = fragment.get(fragment.length - 1) as Y.XmlElement;
      for (let i = 0; i < 20_000; i++) {
        const next = new Y.XmlElement('paragraph');
        fragment.insertAfter(last, [next]);
        last = next;
      }
    });
    const second = replica(first, 94);
    const fragment = second.getXmlFragment('default');
    fragment.insertAfter(fragment.get(fragment.length - 1) as Y.XmlElement, [new Y.XmlElement('paragraph')]);
    addReply(second, readThreads(second)[0]?.id ?? '', bob, 'after a long day offline');
    const both = Y.encodeStateAsUpdate(second, Y.encodeStateVector(doc));
    expect(check(doc, both, writer(bob))).toBeNull();
    expect(check(doc, both, commenter(bob))).toMatch(/comments only/);
  });

  it('refuses bytes that are no update', () => {
    expect(check(doc, new Uint8Array([1, 2, 3, 200]), commenter(bob))).toMatch(/does not decode|does not have/);
  });
});

function messagesOf(doc: Y.Doc, thread: string): Y.Array<Y.Map<unknown>> {
  return (commentsMap(doc).get(thread) as Y.Map<unknown>).get(THREAD_FIELD.messages) as Y.Array<Y.Map<unknown>>;
}

function messageMap(doc: Y.Doc, thread: string, index: number): Y.Map<unknown> {
  return messagesOf(doc, thread).get(index);
}
