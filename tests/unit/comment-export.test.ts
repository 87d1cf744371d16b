/**
 * Comments in exports — JSON lists them with the text they are on, HTML and Markdown add
 * footnote-style notes — and in history: restoring a version restores its threads, anchored
 * to the text the restore brings back.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addReply, deleteThread, readThreads, setResolved } from '../../document-schema/comments/comment-threads.js';
import { exportDoc, toText } from '../../persistence/export-format.js';
import { revertUpdate } from '../../persistence/replay.js';
import { ada, anchoredText, bob, commentOn, docWithParagraphs, paragraphs } from '../helpers/comment-docs.js';

const cy = { id: 'browser-7', name: 'Cy', kind: 'self-declared' as const };
const T0 = Date.UTC(2025, 0, 31, 12, 0);

/** Three threads: one resolved with a reply, one plain, one whose text was deleted. */
function commentedDoc(): Y.Doc {
  const doc = docWithParagraphs(['Hello brave new world', 'A *second* paragraph'], 1);
  const brave = commentOn(doc, 'brave', ada, 'Is this the right word?', T0);
  addReply(doc, brave, cy, 'I think so.\nReally.', null, T0 + 60_000);
  setResolved(doc, brave, true, bob, null, T0 + 120_000);
  commentOn(doc, 'second', bob, 'Why the <stars>?', T0 + 180_000);
  commentOn(doc, 'world', cy, 'Which world?', T0 + 240_000);
  const text = (doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
  text.delete(16, 5); // "world"
  return doc;
}

describe('exports with comments', () => {
  it('json lists every thread with the text it is on, in document order', async () => {
    const json = JSON.parse((await exportDoc(commentedDoc(), 'json')) as string) as { type: string; content: unknown[]; comments: unknown[] };
    expect(json.type).toBe('doc');
    expect(json.content).toHaveLength(2);
    expect(json.comments).toEqual([
      {
        id: expect.any(String),
        anchor: { text: 'brave', from: 7, to: 12 },
        quote: 'brave',
        author: ada,
        created: '2025-01-31T12:00:00.000Z',
        resolved: true,
        resolvedBy: bob,
        resolvedAt: '2025-01-31T12:02:00.000Z',
        messages: [
          { id: expect.any(String), author: ada, time: '2025-01-31T12:00:00.000Z', text: 'Is this the right word?', edited: null },
          { id: expect.any(String), author: cy, time: '2025-01-31T12:01:00.000Z', text: 'I think so.\nReally.', edited: null },
        ],
      },
      expect.objectContaining({ anchor: { text: 'second', from: 22, to: 28 }, quote: 'second', resolved: false }),
      expect.objectContaining({ anchor: null, quote: 'world', author: cy }),
    ]);
  });

  it('html has a marker after each commented text and the notes at the end', async () => {
    expect(await exportDoc(commentedDoc(), 'html')).toBe(
      '<p>Hello brave<sup class="comment-ref" id="comment-ref-1"><a href="#comment-1">[1]</a></sup> new </p>' +
        '<p>A *second<sup class="comment-ref" id="comment-ref-2"><a href="#comment-2">[2]</a></sup>* paragraph</p>' +
        '<section class="comments"><h2>Comments</h2><ol>' +
        '<li id="comment-1"><p><a href="#comment-ref-1">On “brave”</a> · resolved by Bob</p>' +
        '<p><strong>Ada</strong> · <time datetime="2025-01-31T12:00:00.000Z">2025-01-31 12:00 UTC</time><br>Is this the right word?</p>' +
        '<p><strong>Cy (unverified)</strong> · <time datetime="2025-01-31T12:01:00.000Z">2025-01-31 12:01 UTC</time><br>I think so.<br>Really.</p></li>' +
        '<li id="comment-2"><p><a href="#comment-ref-2">On “second”</a></p>' +
        '<p><strong>Bob</strong> · <time datetime="2025-01-31T12:03:00.000Z">2025-01-31 12:03 UTC</time><br>Why the &lt;stars&gt;?</p></li>' +
        '<li id="comment-3"><p>On “world” (that text has since been deleted)</p>' +
        '<p><strong>Cy (unverified)</strong> · <time datetime="2025-01-31T12:04:00.000Z">2025-01-31 12:04 UTC</time><br>Which world?</p></li>' +
        '</ol></section>',
    );
  });

  it('markdown has footnotes', async () => {
    expect(await exportDoc(commentedDoc(), 'markdown')).toBe(
      [
        'Hello brave[^1] new ',
        '',
        'A \\*second[^2]\\* paragraph',
        '',
        '## Comments',
        '',
        '[^1]: On “brave”',
        '',
        '    **Ada** · 2025-01-31 12:00 UTC: Is this the right word?',
        '',
        '    **Cy (unverified)** · 2025-01-31 12:01 UTC: I think so.\\',
        '    Really.',
        '',
        '    *Resolved by Bob*',
        '',
        '[^2]: On “second”',
        '',
        '    **Bob** · 2025-01-31 12:03 UTC: Why the \\<stars\\>?',
        '',
        '- On “world” (that text has since been deleted)',
        '',
        '  **Cy (unverified)** · 2025-01-31 12:04 UTC: Which world?',
        '',
      ].join('\n'),
    );
  });

  it('text and documents without comments are as before', async () => {
    expect(toText(commentedDoc())).toBe('Hello brave new \n\nA *second* paragraph\n');
    const plain = docWithParagraphs(['Just text']);
    expect(await exportDoc(plain, 'html')).toBe('<p>Just text</p>');
    expect(await exportDoc(plain, 'markdown')).toBe('Just text\n');
    expect(JSON.parse((await exportDoc(plain, 'json')) as string)).toMatchObject({ type: 'doc', comments: [] });
  });
});

describe('restoring a version', () => {
  it('restores the threads as they were, on the text the restore brings back', () => {
    const updates: Uint8Array[] = [];
    const live = docWithParagraphs(['Hello brave new world', 'Second paragraph'], 1);
    const kept = commentOn(live, 'brave', ada, 'Is this the right word?', T0);
    const gone = commentOn(live, 'Second', bob, 'Later deleted', T0 + 1);
    live.on('update', (u: Uint8Array) => updates.push(u));
    const version = new Y.Doc({ gc: false });
    Y.applyUpdate(version, Y.encodeStateAsUpdate(live));
    const before = readThreads(live);

    // After that version: a reply, a resolve, a new thread, a deleted one, and the text of the first deleted.
    addReply(live, kept, bob, 'Yes');
    setResolved(live, kept, true, bob);
    commentOn(live, 'paragraph', bob, 'Added later', T0 + 2);
    deleteThread(live, gone, bob);
    live.getXmlFragment('default').delete(0, 1);
    expect(paragraphs(live)).toEqual(['Second paragraph']);
    expect(updates.length).toBeGreaterThan(0);

    const restore = revertUpdate(version, live);
    expect(restore).not.toBeNull();
    Y.applyUpdate(live, restore ?? new Uint8Array());
    // Every client applies the restore as an update; a fresh replica has no undo bookkeeping.
    const elsewhere = new Y.Doc();
    Y.applyUpdate(elsewhere, Y.encodeStateAsUpdate(live));
    for (const doc of [live, elsewhere]) {
      expect(paragraphs(doc)).toEqual(['Hello brave new world', 'Second paragraph']);
      const threads = readThreads(doc);
      expect(threads.map((t) => [t.quote, t.resolved, t.messages.map((m) => m.text)])).toEqual(before.map((t) => [t.quote, t.resolved, t.messages.map((m) => m.text)]));
      expect(threads.map((t) => anchoredText(doc, t.anchor))).toEqual(['brave', 'Second']);
    }
  });
});
