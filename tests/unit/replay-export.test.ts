/**
 * Replay and export: the document at sequence N equals one built from the first N updates
 * (checkpoints or not), the rich formats match the editor's rendering of a known document,
 * and a restore brings old content back as a new update.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { exportDoc, exportExtensions, toJson, toText } from '../../persistence/export-format.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { docAt, parseHistoryPoint, resolveHistoryPoint, revertUpdate } from '../../persistence/replay.js';
import { everyKindJson } from '../helpers/every-kind-document.js';
import { prng } from '../helpers/random.js';
import { cleanRestorerName, describeAuthor, parseRestoreAuthor, restoreAuthor } from '../../persistence/author.js';
import { groupVersions, versionJson } from '../../persistence/history.js';
import type { LogRecord } from '../../persistence/record.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const schema = getSchema(exportExtensions);

const richJson = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Release notes' }] },
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Tandem keeps ' },
        { type: 'text', marks: [{ type: 'bold' }], text: 'every' },
        { type: 'text', text: ' change, ' },
        { type: 'text', marks: [{ type: 'italic' }], text: 'safely' },
        { type: 'text', text: ' and ' },
        { type: 'text', marks: [{ type: 'code' }], text: 'fast' },
        { type: 'text', text: '.' },
        { type: 'hardBreak' },
        { type: 'text', text: 'Second line.' },
      ],
    },
    {
      type: 'bulletList',
      content: [
        { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] },
        { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'two' }] }] },
      ],
    },
    { type: 'orderedList', attrs: { start: 1 }, content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'first' }] }] }] },
    { type: 'codeBlock', attrs: { language: 'ts' }, content: [{ type: 'text', text: 'const x = 1;' }] },
    { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Quoted.' }] }] },
  ],
};

/** A Y.Doc holding `json` in its `default` fragment, as the editor would have written it. */
function docFrom(json: object): Y.Doc {
  const doc = new Y.Doc();
  prosemirrorJSONToYXmlFragment(schema, json, doc.getXmlFragment('default'));
  return doc;
}
const richDoc = (): Y.Doc => docFrom(richJson);

describe('export formats of a known rich document', () => {
  it('json round-trips through the editor schema', () => {
    const json = toJson(richDoc());
    expect(json.content?.map((n) => n.type)).toEqual(['heading', 'paragraph', 'bulletList', 'orderedList', 'codeBlock', 'blockquote']);
    expect(json.content?.[1]?.content?.[1]).toEqual({ type: 'text', marks: [{ type: 'bold' }], text: 'every' });
  });

  it('html', async () => {
    expect(await exportDoc(richDoc(), 'html')).toBe(
      '<h1>Release notes</h1>' +
        '<p>Tandem keeps <strong>every</strong> change, <em>safely</em> and <code>fast</code>.<br>Second line.</p>' +
        '<ul><li><p>one</p></li><li><p>two</p></li></ul>' +
        '<ol><li><p>first</p></li></ol>' +
        '<pre><code class="language-ts">const x = 1;</code></pre>' +
        '<blockquote><p>Quoted.</p></blockquote>',
    );
  });

  it('markdown', async () => {
    expect(await exportDoc(richDoc(), 'markdown')).toBe(
      [
        '# Release notes',
        '',
        'Tandem keeps **every** change, *safely* and `fast`.  ',
        'Second line.',
        '',
        '- one',
        '- two',
        '',
        '1. first',
        '',
        '```ts',
        'const x = 1;',
        '```',
        '',
        '> Quoted.',
        '',
      ].join('\n'),
    );
  });

  it('text', () => {
    expect(toText(richDoc())).toBe(
      'Release notes\n\nTandem keeps every change, safely and fast.\nSecond line.\n\none\n\ntwo\n\nfirst\n\nconst x = 1;\n\nQuoted.\n',
    );
  });

  it('text of a document without rich text shows its top-level texts', () => {
    const doc = new Y.Doc();
    doc.getText('b').insert(0, 'second');
    doc.getText('a').insert(0, 'first');
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, Y.encodeStateAsUpdate(doc));
    expect(toText(rebuilt)).toBe('first\n\nsecond\n');
  });

  it('yjs is the state as one update', async () => {
    const out = await exportDoc(richDoc(), 'yjs');
    const doc = new Y.Doc();
    Y.applyUpdate(doc, out as Uint8Array);
    expect(toJson(doc)).toEqual(toJson(richDoc()));
  });
});

describe('export formats of links, tables, checklists, underline, highlight, lines, images and alignment', () => {
  const everyKindDoc = (): Y.Doc => docFrom(everyKindJson);
  const REL = 'target="_blank" rel="noopener noreferrer nofollow"';
  const IMAGE = `/api/docs/Offsite%20plan/files/${'ab'.repeat(32)}`;

  it('html: alignment inline (no stylesheet comes with it), refused links as text', async () => {
    expect(await exportDoc(everyKindDoc(), 'html')).toBe(
      '<h1 style="text-align: center;">Offsite plan</h1>' +
        '<p style="text-align: right;">Please <u>read</u> the <mark>key</mark> parts, <strong><em>all</em></strong>, not <s>some</s> of <code>them</code>.<br>' +
        `<a href="https://example.com/docs?a=1" ${REL}>Docs</a>, <a href="mailto:team@example.com" ${REL}>mail us</a>, not this.</p>` +
        '<hr>' +
        `<img src="${IMAGE}" alt="Venue map" title="The venue">` +
        '<p data-refused-image="">[Old logo]</p>' +
        '<ul data-type="taskList">' +
        '<li data-checked="true" data-type="taskItem"><label><input type="checkbox" checked="checked"><span></span></label><div><p>Book the venue</p></div></li>' +
        '<li data-checked="false" data-type="taskItem"><label><input type="checkbox"><span></span></label><div><p>Send the invitations</p></div></li>' +
        '</ul>' +
        '<table><tbody>' +
        '<tr><th colspan="1" rowspan="1"><p>Item</p></th><th colspan="1" rowspan="1" style="text-align: right;"><p>Cost</p></th></tr>' +
        '<tr><td colspan="1" rowspan="1"><p>Venue</p></td><td colspan="1" rowspan="1" style="text-align: right;"><p>1200</p></td></tr>' +
        '</tbody></table>' +
        '<ul><li><p>one</p></li></ul><ol><li><p>first</p></li></ol><blockquote><p>Quoted.</p></blockquote><pre><code>x = 1</code></pre>',
    );
  });

  it('markdown: GFM tables and task lists, <u> and <mark>, aligned blocks in <div align>', async () => {
    expect(await exportDoc(everyKindDoc(), 'markdown')).toBe(
      [
        '<div align="center">',
        '',
        '# Offsite plan',
        '',
        '</div>',
        '',
        '<div align="right">',
        '',
        'Please <u>read</u> the <mark>key</mark> parts, ***all***, not ~~some~~ of `them`.  ',
        '[Docs](https://example.com/docs?a=1), [mail us](mailto:team@example.com), not this.',
        '',
        '</div>',
        '',
        '---',
        '',
        `![Venue map](${IMAGE} "The venue")`,
        '',
        '[Old logo]',
        '',
        '- [x] Book the venue',
        '- [ ] Send the invitations',
        '',
        '| Item  | Cost |',
        '| ----- | ----: |',
        '| Venue | 1200 |',
        '',
        '- one',
        '',
        '1. first',
        '',
        '> Quoted.',
        '',
        '```',
        'x = 1',
        '```',
        '',
      ].join('\n'),
    );
  });

  it('html and markdown write image addresses on the server\'s origin when asked', async () => {
    const options = { imageOrigin: 'https://docs.example.com' };
    expect(await exportDoc(everyKindDoc(), 'html', options)).toContain(`<img src="https://docs.example.com${IMAGE}" alt="Venue map" title="The venue">`);
    expect(await exportDoc(everyKindDoc(), 'markdown', options)).toContain(`![Venue map](https://docs.example.com${IMAGE} "The venue")`);
    // The refused one stays refused, whatever the origin.
    expect(await exportDoc(everyKindDoc(), 'html', options)).not.toContain('tracker.example');
  });

  it('text: table rows tab-separated, task items with their box', () => {
    expect(toText(everyKindDoc())).toBe(
      'Offsite plan\n\nPlease read the key parts, all, not some of them.\nDocs, mail us, not this.\n\n[x] Book the venue\n\n[ ] Send the invitations\n\nItem\tCost\nVenue\t1200\n\none\n\nfirst\n\nQuoted.\n\nx = 1\n',
    );
  });

  it('json keeps everything but refused links', () => {
    const json = toJson(everyKindDoc());
    expect(JSON.stringify(json)).not.toContain('javascript:');
    expect(json.content?.map((n) => n.type)).toEqual(['heading', 'paragraph', 'horizontalRule', 'image', 'image', 'taskList', 'table', 'bulletList', 'orderedList', 'blockquote', 'codeBlock']);
    expect(json.content?.[5]?.content?.map((item) => item.attrs?.['checked'])).toEqual([true, false]);
    // Images are kept as nodes, as stored: refused addresses too (the JSON is the document).
    expect(json.content?.[3]).toEqual({ type: 'image', attrs: { src: IMAGE, alt: 'Venue map', title: 'The venue', width: null, height: null } });
    expect(json.content?.[1]?.attrs?.['textAlign']).toBe('right');
  });
});

describe('replay', () => {
  it('the document at seq N equals one built from the first N updates, across checkpoints', async () => {
    const seed = Number(process.env.TANDEM_TEST_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-replay-'));
    dirs.push(dataDir);
    const store = new FileStore(dataDir, { checkpointEvery: 13 });
    const writers = [new Y.Doc(), new Y.Doc()];
    const updates: Uint8Array[] = [];
    for (let i = 0; i < 120; i += 1) {
      const doc = writers[Math.floor(random() * 2)] ?? new Y.Doc();
      for (const other of writers) if (other !== doc) Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
      const before = Y.encodeStateVector(doc);
      const text = doc.getText('t');
      if (text.length > 5 && random() < 0.3) text.delete(Math.floor(random() * (text.length - 3)), 3);
      else text.insert(Math.floor(random() * (text.length + 1)), String.fromCharCode(97 + Math.floor(random() * 26)).repeat(1 + Math.floor(random() * 3)));
      const update = Y.encodeStateAsUpdate(doc, before);
      updates.push(update);
      await store.append('r', update, { author: `w${writers.indexOf(doc)}` });
    }
    await store.close();
    const reopened = new FileStore(dataDir);
    const history = await reopened.readHistory('r');
    expect(history?.checkpoints.length, `seed ${seed}`).toBeGreaterThan(0);
    for (let n = 0; n <= updates.length; n += 1) {
      const expected = new Y.Doc();
      for (const update of updates.slice(0, n)) Y.applyUpdate(expected, update);
      const rebuilt = await docAt(history ?? { name: 'r', compacted: null, records: [], checkpoints: [], problems: [] }, n);
      expect(rebuilt.getText('t').toString(), `seed ${seed}, seq ${n}`).toBe(expected.getText('t').toString());
    }
    await reopened.close();
  });

  it('resolves points in history by seq and by time', async () => {
    const records = [1000, 2000, 3000].map((timeMs, i) => ({ seq: i + 1, timeMs, author: null, update: new Uint8Array([0, 0]), offset: 0, size: 0, crc: 0 }));
    const history = { name: 'p', compacted: null, records, checkpoints: [], problems: [] };
    expect(resolveHistoryPoint(history, parseHistoryPoint('2'))).toBe(2);
    expect(resolveHistoryPoint(history, parseHistoryPoint(0))).toBe(0);
    expect(resolveHistoryPoint(history, { timeMs: 2500 })).toBe(2);
    expect(resolveHistoryPoint(history, { timeMs: 500 })).toBe(0);
    expect(resolveHistoryPoint(history, parseHistoryPoint('1970-01-01T00:00:05Z'))).toBe(3);
    expect(() => resolveHistoryPoint(history, { seq: 4 })).toThrow(/has 3 records/);
    expect(() => parseHistoryPoint('yesterday')).toThrow(/ISO time/);
    expect(() => parseHistoryPoint(-1)).toThrow();
    expect(() => parseHistoryPoint(1.5)).toThrow();
  });

  it('a restore update brings old rich content back on top of later edits', () => {
    const updates: Uint8Array[] = [];
    const live = new Y.Doc();
    live.on('update', (u: Uint8Array) => updates.push(u));
    prosemirrorJSONToYXmlFragment(schema, richJson, live.getXmlFragment('default'));
    const atN = updates.length;
    const fragment = live.getXmlFragment('default');
    fragment.delete(0, 3);
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('replaced')]);
    fragment.insert(0, [p]);
    expect(toText(live)).not.toContain('Release notes');

    const old = new Y.Doc({ gc: false });
    for (const update of updates.slice(0, atN)) Y.applyUpdate(old, update);
    const update = revertUpdate(old, live);
    expect(update).not.toBeNull();
    Y.applyUpdate(live, update ?? new Uint8Array());
    expect(toJson(live)).toEqual(toJson(richDoc()));

    const unchanged = new Y.Doc({ gc: false });
    Y.applyUpdate(unchanged, Y.encodeStateAsUpdate(live));
    expect(revertUpdate(unchanged, live)).toBeNull();
  });
});

describe('restore authors', () => {
  const record = (seq: number, author: string | null): LogRecord => ({ seq, timeMs: 1000 + seq, author, update: new Uint8Array(3) });

  it('groups a restore into a version of its own that says who asked for it, old data dirs included', () => {
    const versions = groupVersions([
      record(1, 'ada'),
      record(2, 'ada'),
      record(3, restoreAuthor({ user: 'u-42' })),
      record(4, restoreAuthor({ name: 'Ada' })),
      // Written before restores named anyone.
      record(5, 'tandem:restore'),
      record(6, null),
    ]);
    expect(versions.map((v) => [v.fromSeq, v.toSeq, v.authors, v.restore])).toEqual([
      [1, 2, ['ada'], undefined],
      [3, 3, ['tandem:restore:user:u-42'], { by: { user: 'u-42' } }],
      [4, 4, ['tandem:restore:name:Ada'], { by: { name: 'Ada' } }],
      [5, 5, ['tandem:restore'], { by: null }],
      [6, 6, [], undefined],
    ]);
    expect(versions.map((v) => versionJson(v).restoredBy)).toEqual([undefined, { user: 'u-42' }, { name: 'Ada' }, null, undefined]);
    expect(versions.map((v) => versionJson(v).kind)).toEqual(['edit', 'restore', 'restore', 'restore', 'edit']);
  });

  it('describes authors for people, and refuses unusable self-declared names', () => {
    expect(describeAuthor('tandem:restore:user:u-42')).toBe('restored by u-42');
    expect(describeAuthor('tandem:restore:name:Ada')).toBe('restored by Ada (self-declared)');
    expect(describeAuthor('tandem:restore')).toBe('restored (by whom unknown)');
    expect(describeAuthor(null)).toBe('(unknown)');
    expect(describeAuthor('bob')).toBe('bob');
    expect(parseRestoreAuthor('tandem:restorex')).toBeUndefined();
    expect(cleanRestorerName('  Ada   Lovelace ')).toBe('Ada Lovelace');
    expect(cleanRestorerName('')).toBeNull();
    expect(cleanRestorerName('a\nb')).toBe('a b');
    expect(cleanRestorerName('a\u0007b')).toBeNull();
    expect(cleanRestorerName('x'.repeat(101))).toBeNull();
  });
});
