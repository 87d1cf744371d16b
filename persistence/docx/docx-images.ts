/**
 * A document's images in a Word file: each image node's file (read through the caller, from the
 * document's own files only) as an inline picture, at the width and height the node gives or
 * its own size, no wider than a page's text. Word has no WebP, and a file that cannot be read
 * is not there: those show as their alt text in brackets, as a refused image does everywhere.
 */
import type { Node as PmNode } from '@tiptap/pm/model';
import { ImageRun, Paragraph, TextRun } from 'docx';
import { imageTypeOf } from '../image-type.js';

/** A page's text width at 96 pixels to the inch (A4 and Letter with 1" margins, about). */
const MAX_WIDTH_PX = 600;

export interface DocxImage {
  type: 'png' | 'jpg' | 'gif';
  data: Uint8Array;
  width: number;
  height: number;
}

/** The pixel size an image file says it has; null when it cannot be read. */
function pixelSize(data: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = imageTypeOf(data);
  if (type === 'image/png' && data.length >= 24) return { width: view.getUint32(16), height: view.getUint32(20) };
  if (type === 'image/gif' && data.length >= 10) return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  if (type !== 'image/jpeg') return null;
  // JPEG: the first start-of-frame marker (SOF0–SOF15 but DHT, JPG and DAC) holds the size.
  for (let at = 2; at + 9 < data.length; ) {
    if (data[at] !== 0xff) return null;
    const marker = data[at + 1] ?? 0;
    const length = view.getUint16(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    at += 2 + length;
  }
  return null;
}

const DOCX_TYPES = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif' } as const;

/** A file as Word can show it, or null (WebP, unreadable). */
export function docxImage(data: Uint8Array, width: unknown, height: unknown): DocxImage | null {
  const type = imageTypeOf(data);
  const size = pixelSize(data);
  if (!type || type === 'image/webp' || !size || size.width === 0 || size.height === 0) return null;
  let w = typeof width === 'number' && width > 0 ? width : size.width;
  let h = typeof height === 'number' && height > 0 ? height : (w * size.height) / size.width;
  if (w > MAX_WIDTH_PX) {
    h = (h * MAX_WIDTH_PX) / w;
    w = MAX_WIDTH_PX;
  }
  return { type: DOCX_TYPES[type], data, width: Math.round(w), height: Math.max(1, Math.round(h)) };
}

/** Every image node's address in the document. */
export function imageSources(pmDoc: PmNode): string[] {
  const sources = new Set<string>();
  pmDoc.descendants((node) => {
    const src: unknown = node.attrs['src'];
    if (node.type.name === 'image' && typeof src === 'string') sources.add(src);
  });
  return [...sources];
}

/** The paragraph of an image node: the picture (its file's bytes by address in `files`), or its alt text in brackets. */
export function imageParagraph(node: PmNode, files: ReadonlyMap<string, Uint8Array>): Paragraph {
  const alt = typeof node.attrs['alt'] === 'string' ? (node.attrs['alt'] as string) : '';
  const data = files.get(String(node.attrs['src']));
  const image = data ? docxImage(data, node.attrs['width'], node.attrs['height']) : null;
  if (!image) return new Paragraph({ children: [new TextRun(alt.trim() ? `[${alt}]` : '[image]')] });
  return new Paragraph({
    children: [
      new ImageRun({
        type: image.type,
        data: image.data,
        transformation: { width: image.width, height: image.height },
        altText: { name: alt || 'image', description: alt, title: typeof node.attrs['title'] === 'string' ? (node.attrs['title'] as string) : '' },
      }),
    ],
  });
}
