/**
 * The browser side of the author colours: the server's runs found by Yjs id in the browser's
 * own copy (positions in the ProseMirror document the binding draws, including a block with a
 * hard break and formatting), and the colours people chose — their own, learnt from presence,
 * remembered for later — with a palette colour for someone never seen.
 */
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { Window } from 'happy-dom';
import { describe, expect, it } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { exportExtensions } from '../../persistence/export-format.js';
import { AuthorColours, UNKNOWN_COLOUR } from '../../editor/src/authorship/author-colours.js';
import { indexAuthorship } from '../../editor/src/authorship/authorship-index.js';
import { forEachTextItem } from '../../editor/src/authorship/text-positions.js';
import { describeAuthors } from '../../editor/src/format.js';
import { PALETTE } from '../../editor/src/identity.js';
import type { AuthorshipRun } from '../../document-schema/diff/authorship-json.js';

const schema = getSchema(exportExtensions);

describe('authorship runs in the browser', () => {
  it('cuts an item where the server’s runs begin and end, and says where it has none', () => {
    const runs: AuthorshipRun[] = [
      [7, 10, 5, 1, 2000],
      [7, 0, 4, 0, 1000],
      [9, 0, 3, 0, 1000],
    ];
    const index = indexAuthorship({ name: 'd', seq: 3, authors: [{ id: 'user:ada', name: 'ada', declared: false, via: null }, { id: 'name:Bob', name: 'Bob', declared: true, via: null }], runs });
    const pieces: [number, number, number | null][] = [];
    index.segments(7, 2, 16, (from, to, run) => pieces.push([from, to, run ? run[3] : null]));
    expect(pieces).toEqual([
      [2, 4, 0],
      [4, 10, null],
      [10, 15, 1],
      [15, 18, null],
    ]);
    expect([index.authorOfClient(7), index.authorOfClient(9), index.authorOfClient(5)]).toEqual(['user:ada', 'user:ada', undefined]);
  });

  it('finds every text item at its place in the document the binding draws', () => {
    const doc = new Y.Doc();
    const fragment = doc.getXmlFragment('default');
    prosemirrorJSONToYXmlFragment(schema, {
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Plan' }] },
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one ' }, { type: 'text', text: 'two', marks: [{ type: 'bold' }] }] }] }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'line' }, { type: 'hardBreak' }, { type: 'text', text: 'next' }] },
      ],
    }, fragment);
    // Typed into and formatted afterwards: more items, format items between them.
    const heading = (fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText;
    heading.insert(4, ' B');
    heading.format(0, 2, { italic: {} });
    const pm = yXmlFragmentToProseMirrorRootNode(fragment, schema);
    const seen: string[] = [];
    forEachTextItem(fragment, pm, (pos, client, clock, length) => {
      expect(client).toBe(doc.clientID);
      seen.push(pm.textBetween(pos, pos + length));
      expect(clock).toBeGreaterThanOrEqual(0);
    });
    expect(seen.join('|')).toBe(['Pl', 'an', ' B', 'one ', 'two', 'line', 'next'].join('|'));
    // A document the binding drew otherwise (a block missing) is skipped, not mispainted.
    const other = yXmlFragmentToProseMirrorRootNode(fragment, schema).copy(pm.content.cut(0, pm.child(0).nodeSize));
    const partial: string[] = [];
    forEachTextItem(fragment, other, (pos, _c, _k, length) => partial.push(other.textBetween(pos, pos + length)));
    expect(partial).toEqual(['Pl', 'an', ' B']);
  });
});

describe('author colours', () => {
  it('uses the colours people chose, learnt from presence and remembered; a palette colour otherwise', () => {
    const storage = new Window().localStorage as unknown as Storage;
    const self = { id: 'name:Alice', color: '#c62828' };
    const colours = new AuthorColours(storage, () => self);
    expect(colours.colourOf('name:Alice')).toBe('#c62828');
    expect(colours.colourOf(null)).toBe(UNKNOWN_COLOUR);
    const stranger = colours.colourOf('user:zed');
    expect(PALETTE).toContain(stranger);
    expect(colours.colourOf('user:zed')).toBe(stranger);

    // Bob is present: his colour comes with his presence, matched by the client id he writes with.
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    awareness.setLocalStateField('user', { name: 'Bob', color: '#1565c0' });
    colours.learn(awareness, (client) => (client === doc.clientID ? 'user:bob' : undefined));
    expect(colours.colourOf('user:bob')).toBe('#1565c0');
    awareness.destroy();

    // Remembered by this browser for when he is gone.
    const later = new AuthorColours(storage, () => self);
    expect(later.colourOf('user:bob')).toBe('#1565c0');
  });

  it('names who restored a version, when the server knows', () => {
    expect(describeAuthors(['tandem:restore:user:alice', 'tandem:restore:name:Bo', 'tandem:restore'])).toBe('Restored by alice, Restored by Bo, Restored');
  });
});
