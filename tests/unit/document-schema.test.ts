/**
 * The document schema shared by the editor and the exporter (document-schema/): both see the
 * same nodes, marks and attributes; the app's rendering of every one of them sets no style
 * attribute (its Content-Security-Policy refuses them); only http(s) and mailto addresses are
 * links; and a table broken by a remote change is left for its author's client to fix.
 */
import { getSchema, type AnyExtension, type JSONContent } from '@tiptap/core';
import { DOMParser, DOMSerializer, Node as PmNode, type Schema } from '@tiptap/pm/model';
import { EditorState, type Plugin } from '@tiptap/pm/state';
import { TableMap, tableEditing } from '@tiptap/pm/tables';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { Window } from 'happy-dom';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { WebSocket } from 'ws';
import { isAllowedLinkUrl, linkHrefFromInput, withoutRefusedLinks } from '../../document-schema/link-policy.js';
import { exportExtensions } from '../../persistence/export-format.js';
import { collaborativeExtensions } from '../../editor/src/collaborative-editor.js';
import { previewExtensions } from '../../editor/src/version-preview.js';
import { remoteTableFixGuard } from '../../editor/src/remote-table-fix-guard.js';
import { everyKindJson } from '../helpers/every-kind-document.js';

/** What makes two schemas accept and produce the same documents. */
function signature(schema: Schema): unknown {
  const attrs = (spec: Record<string, { default?: unknown }> | undefined): unknown => Object.entries(spec ?? {}).map(([name, a]) => [name, a.default]);
  return {
    nodes: Object.values(schema.nodes).map((n) => ({ name: n.name, content: n.spec.content, group: n.spec.group, marks: n.spec.marks, inline: n.isInline, atom: n.isAtom, attrs: attrs(n.spec.attrs) })),
    marks: Object.values(schema.marks).map((m) => ({ name: m.name, inclusive: m.spec.inclusive, excludes: m.spec.excludes, attrs: attrs(m.spec.attrs) })),
  };
}

function liveEditorExtensions(): AnyExtension[] {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider('ws://127.0.0.1:9', 'x', doc, { connect: false, disableBc: true, WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket });
  const actions = { openLinkDialog: () => undefined, openShortcutSheet: () => undefined, addComment: () => undefined, pickImage: () => undefined, editImageAlt: () => undefined };
  return collaborativeExtensions({ doc, provider }, { name: 'A', color: '#123456' }, actions);
}

describe('one schema for the editor and the exporter', () => {
  it('the live editor, the version preview and the exporter build the same schema', () => {
    const exported = signature(getSchema(exportExtensions));
    expect(signature(getSchema(liveEditorExtensions()))).toEqual(exported);
    expect(signature(getSchema(previewExtensions))).toEqual(exported);
  });

  it('the known document holds every node and mark the schema has', () => {
    const schema = getSchema(exportExtensions);
    const nodes = new Set<string>();
    const marks = new Set<string>();
    PmNode.fromJSON(schema, everyKindJson).descendants((node) => {
      nodes.add(node.type.name);
      for (const mark of node.marks) marks.add(mark.type.name);
    });
    nodes.add('doc');
    // A new node or mark needs a place in tests/helpers/every-kind-document.ts, so the tests below cover it.
    expect([...nodes].sort()).toEqual(Object.keys(schema.nodes).sort());
    expect([...marks].sort()).toEqual(Object.keys(schema.marks).sort());
  });

  it('the app renders every node and mark without a style attribute', () => {
    const window = new Window();
    const schema = getSchema(previewExtensions);
    const host = window.document.createElement('div');
    const fragment = DOMSerializer.fromSchema(schema).serializeFragment(PmNode.fromJSON(schema, everyKindJson).content, { document: window.document as unknown as Document });
    host.appendChild(fragment as unknown as import('happy-dom').Node);
    expect([...host.querySelectorAll('[style]')].map((e) => e.outerHTML)).toEqual([]);
    expect(host.querySelector('h1.align-center')).not.toBeNull();
    expect(host.querySelector('p.align-right')).not.toBeNull();
    expect(host.querySelector('th.align-right')).not.toBeNull();
    // The refused link is plain text; the others open safely.
    expect([...host.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')])).toEqual([
      ['https://example.com/docs?a=1', '_blank', 'noopener noreferrer nofollow'],
      ['mailto:team@example.com', '_blank', 'noopener noreferrer nofollow'],
    ]);
    // Images show only the server's own files; another address shows the alt text.
    expect([...host.querySelectorAll('img')].map((img) => [img.getAttribute('src'), img.getAttribute('alt')])).toEqual([[`/api/docs/Offsite%20plan/files/${'ab'.repeat(32)}`, 'Venue map']]);
    expect(host.querySelector('[data-refused-image]')?.textContent).toBe('[Old logo]');
    void window.happyDOM.close();
  });

  it('pasted HTML brings in images of this server\'s files only', () => {
    const window = new Window();
    const schema = getSchema(exportExtensions);
    const hash = 'cd'.repeat(32);
    const host = window.document.createElement('div');
    host.innerHTML =
      `<p>before</p><img src="https://docs.example.com/api/docs/a/files/${hash}?token=secret" alt="ours">` +
      '<img src="https://tracker.example/pixel.png" alt="theirs"><img src="data:image/png;base64,AAAA" alt="inline"><p>after</p>';
    const parsed = DOMParser.fromSchema(schema).parse(host as unknown as HTMLElement);
    const images: unknown[] = [];
    parsed.descendants((node) => void (node.type.name === 'image' && images.push(node.attrs)));
    expect(images).toEqual([{ src: `/api/docs/a/files/${hash}`, alt: 'ours', title: null, width: null, height: null }]);
    void window.happyDOM.close();
  });
});

describe('link addresses', () => {
  it('only http, https and mailto are links, as the browser would read them', () => {
    for (const url of ['https://example.com', 'http://example.com/a?b#c', 'mailto:ann@example.com', ' https://example.com ', 'HTTPS://EXAMPLE.COM']) expect(isAllowedLinkUrl(url), url).toBe(true);
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      '\u0000javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ftp://example.com',
      '/relative/path',
      '//example.com/protocol-relative',
      'example.com',
      '#anchor',
      '',
      'https:',
    ]) {
      expect(isAllowedLinkUrl(url), JSON.stringify(url)).toBe(false);
    }
    expect(isAllowedLinkUrl(null)).toBe(false);
    expect(isAllowedLinkUrl(42)).toBe(false);
  });

  it('the dialog completes addresses people type, and says why it refuses one', () => {
    expect(linkHrefFromInput('example.com/plan')).toEqual({ ok: true, href: 'https://example.com/plan' });
    expect(linkHrefFromInput('  https://example.com  ')).toEqual({ ok: true, href: 'https://example.com' });
    expect(linkHrefFromInput('ann@example.com')).toEqual({ ok: true, href: 'mailto:ann@example.com' });
    expect(linkHrefFromInput('localhost:3000/x')).toEqual({ ok: true, href: 'https://localhost:3000/x' });
    expect(linkHrefFromInput('example.com:8080')).toEqual({ ok: true, href: 'https://example.com:8080' });
    expect(linkHrefFromInput('javascript:alert(1)')).toEqual({ ok: false, problem: expect.stringContaining('“javascript:” addresses cannot be links') as string });
    expect(linkHrefFromInput('data:text/html,hi')).toEqual({ ok: false, problem: expect.stringContaining('“data:”') as string });
    expect(linkHrefFromInput('')).toEqual({ ok: false, problem: expect.stringContaining('Enter the address') as string });
    expect(linkHrefFromInput('not an address')).toEqual({ ok: false, problem: expect.stringContaining('not a web or email address') as string });
  });

  it('refused links are dropped from JSON, their text kept', () => {
    const json: JSONContent = {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'bad', marks: [{ type: 'bold' }, { type: 'link', attrs: { href: 'javascript:alert(1)' } }] },
            { type: 'text', text: 'worse', marks: [{ type: 'link', attrs: { href: 'data:,x' } }] },
            { type: 'text', text: 'good', marks: [{ type: 'link', attrs: { href: 'https://example.com' } }] },
          ],
        },
      ],
    };
    expect(withoutRefusedLinks(json).content?.[0]?.content).toEqual([
      { type: 'text', text: 'bad', marks: [{ type: 'bold' }] },
      { type: 'text', text: 'worse' },
      { type: 'text', text: 'good', marks: [{ type: 'link', attrs: { href: 'https://example.com' } }] },
    ]);
  });
});

describe('tables broken by concurrent edits', () => {
  const schema = getSchema(exportExtensions);
  const cell = (text: string): JSONContent => ({ type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
  // What a column added on one side and a row added on the other merge into: a short row.
  const ragged = PmNode.fromJSON(schema, {
    type: 'doc',
    content: [{ type: 'table', content: [{ type: 'tableRow', content: [cell('a'), cell('b'), cell('new')] }, { type: 'tableRow', content: [cell('c'), cell('d')] }] }, { type: 'paragraph' }],
  });
  const guard = (remoteTableFixGuard.config.addProseMirrorPlugins?.call({} as never) ?? []) as Plugin[];
  const widths = (state: EditorState): number[] => {
    const table = state.doc.firstChild;
    if (!table) return [];
    const map = TableMap.get(table);
    return [map.width, map.problems?.length ?? 0];
  };

  it('a remote change that leaves a table ragged is not fixed by every receiver', () => {
    const start = EditorState.create({ schema, plugins: [tableEditing(), ...guard] });
    const remote = start.tr.replaceWith(0, start.doc.content.size, ragged.content).setMeta(ySyncPluginKey, { isChangeOrigin: true });
    const received = start.apply(remote);
    expect(widths(received)).toEqual([3, 1]);

    // Its own undo, and any local edit, is fixed at once.
    const undone = start.apply(start.tr.replaceWith(0, start.doc.content.size, ragged.content).setMeta(ySyncPluginKey, { isChangeOrigin: true, isUndoRedoOperation: true }));
    expect(widths(undone)).toEqual([3, 0]);
    const edited = received.apply(received.tr.insertText('!', 4));
    expect(widths(edited)).toEqual([3, 0]);
  });

  it('without the guard every receiver would add the missing cell', () => {
    const start = EditorState.create({ schema, plugins: [tableEditing()] });
    const received = start.apply(start.tr.replaceWith(0, start.doc.content.size, ragged.content).setMeta(ySyncPluginKey, { isChangeOrigin: true }));
    expect(widths(received)).toEqual([3, 0]);
  });
});
