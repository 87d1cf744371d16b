/**
 * A file turned into a new document's first update: Markdown, HTML or Word (.docx), read into
 * the document's own schema (document-schema/) — the one the editor and the exports use — and
 * written into a fresh Y.Doc's `default` fragment as the editor's Collaboration binding would.
 *
 *   markdown  marked (CommonMark and GFM: tables, task lists) → HTML → as html
 *   html      the schema's parse rules on happy-dom (html-import.ts)
 *   docx      mammoth → HTML → as html (docx-import.ts)
 *
 * Whatever the schema cannot hold is left out and said so in `notes` (images, for one). The
 * result is checked against the schema before anything is written. The converters (happy-dom,
 * mammoth) are loaded on first use: a server that never imports never pays for them.
 *
 * A Word file is a zip archive, which could unpack to far more than its size: before mammoth
 * reads one, zip-bounds.ts checks that it unpacks to at most DOCX_UNPACK_FACTOR times the
 * largest file an import takes (--max-import-bytes; 80 MiB by default), in at most
 * MAX_DOCX_PARTS parts. Word's own files unpack to a few times their size (their XML
 * compresses well, their images not at all).
 */
import { getSchema, type JSONContent } from '@tiptap/core';
import { Node as PmNode } from '@tiptap/pm/model';
import { prosemirrorToYXmlFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { withoutRefusedLinks } from '../../document-schema/link-policy.js';
import { exportExtensions } from '../export-format.js';
import type { DocxHtml } from './docx-import.js';
import type { ImageAddress, ImportedImage, ParsedHtml } from './html-import.js';
import { ZipRefusal, checkZipBounds, type ZipBounds } from './zip-bounds.js';

export type { ImportedImage };

export const IMPORT_FORMATS = ['markdown', 'html', 'docx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The input cannot be imported: the message says why, for the person importing. */
export class ImportError extends Error {
  readonly code: string = 'ERR_IMPORT';
}

/** The input would unpack past the import's limits (HTTP 413 rather than 422). */
export class ImportTooLargeError extends ImportError {
  override readonly code = 'ERR_IMPORT_TOO_LARGE';
}

/** A Word file may unpack to this many times the largest file an import takes. */
export const DOCX_UNPACK_FACTOR = 4;
/** Parts (zip entries) a Word file may hold: text, styles, and one per image; thousands at most. */
export const MAX_DOCX_PARTS = 10_000;

export interface ImportLimits {
  /** The largest file an import takes (--max-import-bytes); a Word file's unpacked size follows from it. */
  maxImportBytes: number;
}

export function docxBounds(limits: ImportLimits): ZipBounds {
  return { maxUnpackedBytes: DOCX_UNPACK_FACTOR * limits.maxImportBytes, maxEntries: MAX_DOCX_PARTS };
}

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** File name extensions and media types each format is known by. */
const EXTENSIONS: Record<string, ImportFormat> = { md: 'markdown', markdown: 'markdown', html: 'html', htm: 'html', docx: 'docx' };
const MEDIA_TYPES: Record<string, ImportFormat> = { 'text/markdown': 'markdown', 'text/x-markdown': 'markdown', 'text/html': 'html', [DOCX_TYPE]: 'docx' };

/** `md`, `docx`, a file name (`notes.md`) or a media type, as a format; null when unknown. */
export function importFormatOf(spelled: string): ImportFormat | null {
  const text = spelled.trim().toLowerCase();
  if ((IMPORT_FORMATS as readonly string[]).includes(text)) return text as ImportFormat;
  const type = text.split(';', 1)[0]?.trim() ?? '';
  if (MEDIA_TYPES[type]) return MEDIA_TYPES[type];
  const extension = /(?:^|\.)([a-z]+)$/.exec(text)?.[1];
  return extension ? (EXTENSIONS[extension] ?? null) : null;
}

export const IMPORT_FORMAT_NAMES = 'markdown (.md), html (.html) or docx (.docx)';

export interface ImportedDoc {
  /** The document's content as ProseMirror JSON. */
  json: JSONContent;
  /** Files to store with the document before its content is written (its images). */
  images: ImportedImage[];
  /** The first update of the new document: the content in a fresh Y.Doc's `default` fragment. */
  update: Uint8Array;
  /** What was left out or changed on the way, for the person importing. */
  notes: string[];
}

const schema = getSchema(exportExtensions);

function decodeText(bytes: Uint8Array, format: ImportFormat): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new ImportError(`the ${format} file is not valid UTF-8 text`);
  }
}

/** Refuses a Word file that would unpack past `limits` (zip-bounds.ts). */
function checkDocx(bytes: Uint8Array, limits: ImportLimits): void {
  try {
    checkZipBounds(bytes, docxBounds(limits));
  } catch (error) {
    if (!(error instanceof ZipRefusal)) throw error;
    if (error.reason === 'malformed') throw new ImportError(`the file is not a readable Word document: ${error.message}`);
    throw new ImportTooLargeError(`the Word file cannot be imported: ${error.message} (${DOCX_UNPACK_FACTOR} times --max-import-bytes, in at most ${MAX_DOCX_PARTS} parts)`);
  }
}

async function contentOf(bytes: Uint8Array, format: ImportFormat, address: ImageAddress, limits: ImportLimits): Promise<ParsedHtml & { notes: string[] }> {
  const { parseHtml } = await import('./html-import.js');
  const withNotes = (parsed: ParsedHtml, notes: string[] = []) => ({ ...parsed, notes: [...imageNotes(parsed.imagesLeft, address !== null), ...notes] });
  if (format === 'markdown') {
    // CommonMark with GFM (tables, task lists, strikethrough), inline HTML passed through as
    // the Markdown export writes it (<u>, <mark>, <div align>), then read as HTML is.
    const { marked } = await import('marked');
    const html = await marked.parse(decodeText(bytes, format), { gfm: true });
    return withNotes(parseHtml(html, schema, address));
  }
  if (format === 'html') return withNotes(parseHtml(decodeText(bytes, format), schema, address));
  if (!isZip(bytes)) throw new ImportError('the file is not a Word document (.docx files are zip archives; older .doc files cannot be imported: save them as .docx first)');
  checkDocx(bytes, limits);
  let converted: DocxHtml;
  try {
    const { docxToHtml } = await import('./docx-import.js');
    converted = await docxToHtml(bytes);
  } catch (error) {
    throw new ImportError(`the file is not a readable Word document: ${(error as Error).message}`);
  }
  const skipped = converted.warnings.length === 0 ? [] : [`Word formatting without an equivalent here was simplified (${converted.warnings.slice(0, 3).join('; ')}${converted.warnings.length > 3 ? `; and ${converted.warnings.length - 3} more` : ''}).`];
  return withNotes(parseHtml(converted.html, schema, address), skipped);
}

function imageNotes(count: number, keepsImages: boolean): string[] {
  if (count === 0) return [];
  const what = count === 1 ? '1 image was' : `${count} images were`;
  return [keepsImages
    ? `${what} left out: only PNG, JPEG, GIF and WebP images held in the file itself can be imported (not images elsewhere on the web).`
    : `${what} left out: this server keeps no files for its documents.`];
}

function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Converts a file's bytes; rejects with an `ImportError` the person can act on (an
 * `ImportTooLargeError` past `limits`). `imageAddress` says where an image's file will be
 * served (documentFileUrl for the new document); null leaves images out.
 */
export async function importDocument(bytes: Uint8Array, format: ImportFormat, imageAddress: ImageAddress, limits: ImportLimits): Promise<ImportedDoc> {
  const { json, images, notes } = await contentOf(bytes, format, imageAddress, limits);
  if (!json.content || json.content.length === 0) throw new ImportError(`the ${format} file holds no content to import`);
  let node: PmNode;
  try {
    node = PmNode.fromJSON(schema, withoutRefusedLinks(json));
    node.check();
  } catch (error) {
    throw new ImportError(`the ${format} file could not be read as a document: ${(error as Error).message}`);
  }
  const doc = new Y.Doc();
  try {
    prosemirrorToYXmlFragment(node, doc.getXmlFragment('default'));
    return { json: node.toJSON() as JSONContent, images, update: Y.encodeStateAsUpdate(doc), notes };
  } finally {
    doc.destroy();
  }
}
