/**
 * A document rendered in the formats of `tandem export` and `GET /api/docs/<name>/export`,
 * from its `default` XmlFragment (the one Tiptap's Collaboration extension binds) through the
 * editor's own schema (document-schema/), never a hand-made one:
 *
 *   json      ProseMirror/Tiptap JSON            (@tiptap/y-tiptap)
 *   html      HTML                               (@tiptap/html, its server entry on happy-dom)
 *   markdown  Markdown                           (@tiptap/markdown's MarkdownManager)
 *   text      plain text, blank lines between blocks, table rows as tab-separated lines, task
 *             items as `[x] …`; a document without rich text (a bare
 *             Y.Text, as other editor bindings write) shows its top-level texts instead
 *   yjs       the Yjs state as one update
 *   docx      Word, with comment threads as Word comments (docx/docx-export.ts)
 *
 * json, html and markdown carry the document's comment threads (comment-export.ts), docx as
 * Word comments.
 *
 * html, markdown and docx load their libraries on first use (they take ~0.4 s to import). Links
 * whose address the schema refuses (link-policy.ts) are left out of every format but yjs.
 * Images are the document's files: html and markdown show them by address (root-relative, or
 * absolute on `imageOrigin` when given: the HTTP API passes its own), json keeps their nodes.
 * `fileAddress` says which address each image's stored one is exported as (its own document's,
 * after a restore under another name: blobs.ts `documentFileAddresses`).
 */
import { getSchema, type AnyExtension, type JSONContent } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { documentExtensions } from '../document-schema/document-extensions.js';
import { withoutRefusedLinks } from '../document-schema/link-policy.js';
import { annotate, commentsJson, htmlWithNotes, markdownWithNotes } from './comment-export.js';
import { sharedKinds } from './shared-types.js';

export const EXPORT_FORMATS = ['json', 'html', 'markdown', 'text', 'yjs', 'docx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  yjs: 'application/octet-stream',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

export const FILE_EXTENSIONS: Record<ExportFormat, string> = { json: 'json', html: 'html', markdown: 'md', text: 'txt', yjs: 'yjs', docx: 'docx' };

export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** The editor's schema; exported HTML has no stylesheet, so alignment is written inline. */
export const exportExtensions: AnyExtension[] = documentExtensions({ presentation: 'style' });
const schema = getSchema(exportExtensions);

/** The `default` fragment as a ProseMirror document. */
export function proseMirrorDoc(doc: Y.Doc): PmNode {
  return yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment('default'), schema);
}

export function toJson(doc: Y.Doc): JSONContent {
  return withoutRefusedLinks(proseMirrorDoc(doc).toJSON() as JSONContent);
}

/**
 * The text blocks of a node, in order: a table is one block of tab-separated rows, a task item
 * starts with its box (`[x] `), hard breaks are kept.
 */
function textBlocks(node: PmNode): string[] {
  if (node.isTextblock) return [node.textBetween(0, node.content.size, '\n', (leaf) => (leaf.type.name === 'hardBreak' ? '\n' : ''))];
  if (node.type.name === 'table') {
    const rows: string[] = [];
    node.forEach((row) => {
      const cells: string[] = [];
      row.forEach((cell) => cells.push(textBlocks(cell).join(' ')));
      rows.push(cells.join('\t'));
    });
    return [rows.join('\n')];
  }
  const blocks: string[] = [];
  node.forEach((child) => blocks.push(...textBlocks(child)));
  if (node.type.name === 'taskItem') blocks[0] = `[${node.attrs['checked'] === true ? 'x' : ' '}] ${blocks[0] ?? ''}`;
  return blocks;
}

/** Plain text of a ProseMirror document: blocks separated by a blank line. */
function pmText(root: PmNode): string {
  return textBlocks(root)
    .filter((block) => block.length > 0)
    .join('\n\n');
}

export function toText(doc: Y.Doc): string {
  const rich = pmText(proseMirrorDoc(doc));
  if (rich.length > 0) return `${rich}\n`;
  const texts = [...sharedKinds(doc)]
    .filter(([name, kind]) => kind === 'text' && name !== 'default')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name]) => doc.getText(name).toString())
    .filter((t) => t.length > 0);
  return texts.length > 0 ? `${texts.join('\n\n')}\n` : '';
}

export interface ExportOptions {
  /** Image addresses made absolute on this origin (`https://docs.example.com`); null keeps them root-relative. */
  imageOrigin?: string | null;
  /** The document's title, in formats that hold one (docx). */
  title?: string;
  /**
   * The bytes of one of the document's image files, by the address its image node holds (null:
   * not one of this document's files), for formats that carry images (docx). Absent: images
   * show as their alt text.
   */
  readFile?: (src: string) => Promise<Uint8Array | null>;
  /** The address an image's stored address is exported as (json, html, markdown); absent: as stored. */
  fileAddress?: (src: string) => string;
}

/** `node` with each image's address as `options.fileAddress` gives it. */
function withFileAddresses(node: JSONContent, options: ExportOptions): JSONContent {
  const address = options.fileAddress;
  if (!address) return node;
  const visit = (n: JSONContent): JSONContent => {
    const copy: JSONContent = { ...n };
    const src: unknown = n.attrs?.['src'];
    if (n.type === 'image' && typeof src === 'string') copy.attrs = { ...n.attrs, src: address(src) };
    if (n.content) copy.content = n.content.map(visit);
    return copy;
  };
  return visit(node);
}

/** The export schema's extensions for an image origin: a few origins per server, each built once. */
const originExtensions = new Map<string, AnyExtension[]>();
function extensionsFor(options: ExportOptions): AnyExtension[] {
  const origin = options.imageOrigin ?? null;
  if (origin === null) return exportExtensions;
  let found = originExtensions.get(origin);
  if (!found) {
    // Host headers come from clients: keep only a few.
    if (originExtensions.size >= 16) originExtensions.clear();
    found = documentExtensions({ presentation: 'style', imageOrigin: origin });
    originExtensions.set(origin, found);
  }
  return found;
}

export async function toHtml(doc: Y.Doc, options: ExportOptions = {}): Promise<string> {
  const { generateHTML } = await import('@tiptap/html');
  const { pmDoc, notes } = annotate(doc, schema);
  return htmlWithNotes(generateHTML(withFileAddresses(withoutRefusedLinks(pmDoc.toJSON() as JSONContent), options), extensionsFor(options)), notes);
}

export async function toMarkdown(doc: Y.Doc, options: ExportOptions = {}): Promise<string> {
  const { MarkdownManager } = await import('@tiptap/markdown');
  const { pmDoc, notes } = annotate(doc, schema);
  const markdown = new MarkdownManager({ extensions: extensionsFor(options) }).serialize(withFileAddresses(withoutRefusedLinks(pmDoc.toJSON() as JSONContent), options));
  return markdownWithNotes(markdown.length > 0 && !markdown.endsWith('\n') ? `${markdown}\n` : markdown, notes);
}

export async function exportDoc(doc: Y.Doc, format: ExportFormat, options: ExportOptions = {}): Promise<string | Uint8Array> {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ ...withFileAddresses(toJson(doc), options), comments: commentsJson(doc, schema) }, null, 2)}\n`;
    case 'html':
      return toHtml(doc, options);
    case 'markdown':
      return toMarkdown(doc, options);
    case 'text':
      return toText(doc);
    case 'yjs':
      return Y.encodeStateAsUpdate(doc);
    case 'docx': {
      const [{ toDocx }, { imageSources }] = await Promise.all([import('./docx/docx-export.js'), import('./docx/docx-images.js')]);
      const pmDoc = proseMirrorDoc(doc);
      const files = new Map<string, Uint8Array>();
      for (const src of options.readFile ? imageSources(pmDoc) : []) {
        const data = await options.readFile?.(src);
        if (data) files.set(src, data);
      }
      return toDocx({ title: options.title ?? 'Document', pmDoc, threads: commentsJson(doc, schema), files });
    }
  }
}
