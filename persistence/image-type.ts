/**
 * Which images a document may hold, told by their bytes — never by a file name or a declared
 * type, which the uploader chooses. PNG, JPEG, GIF and WebP are accepted: formats browsers
 * render as pictures only. SVG is refused (it is a document that can carry scripts and
 * fetch other resources), and so is everything else.
 *
 *   PNG   89 50 4E 47 0D 0A 1A 0A, then the IHDR chunk                    image/png
 *   JPEG  FF D8 FF                                                        image/jpeg
 *   GIF   "GIF87a" | "GIF89a"                                             image/gif
 *   WebP  "RIFF" • u32 size • "WEBP" • "VP8 " | "VP8L" | "VP8X"           image/webp
 *
 * The stored files are served with the type read here, `nosniff`, and a sandboxing CSP, so
 * even bytes that are also something else (a polyglot) are only ever shown as an image.
 */

export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export const IMAGE_TYPES: readonly ImageType[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** File name extensions, for the name a downloaded file gets. */
export const IMAGE_EXTENSIONS: Record<ImageType, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };

/** Bytes enough to tell every accepted type (and the refused ones named below). */
export const SNIFF_BYTES = 16;

const ascii = (bytes: Uint8Array, at: number, text: string): boolean => {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

const startsWith = (bytes: Uint8Array, prefix: readonly number[]): boolean => bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);

/** The accepted image type `bytes` start with, or null. Needs the first `SNIFF_BYTES` bytes. */
export function imageTypeOf(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) && ascii(bytes, 12, 'IHDR')) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'image/gif';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP') && (ascii(bytes, 12, 'VP8 ') || ascii(bytes, 12, 'VP8L') || ascii(bytes, 12, 'VP8X'))) return 'image/webp';
  return null;
}

/** Refused kinds a person is likely to try, so the refusal can say what the file is. */
const KNOWN_OTHERS: { test(bytes: Uint8Array, text: string): boolean; what: string }[] = [
  { test: (_b, text) => /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/i.test(text), what: 'an SVG image (SVG can carry scripts)' },
  { test: (b) => ascii(b, 0, 'MZ'), what: 'a Windows program' },
  { test: (b) => startsWith(b, [0x7f, 0x45, 0x4c, 0x46]), what: 'a Linux program' },
  { test: (b) => ascii(b, 0, '%PDF-'), what: 'a PDF document' },
  { test: (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04]), what: 'a ZIP archive (or a Word or other Office file)' },
  { test: (b) => ascii(b, 4, 'ftypheic') || ascii(b, 4, 'ftypheix') || ascii(b, 4, 'ftypmif1'), what: 'a HEIC photo' },
  { test: (b) => ascii(b, 4, 'ftypavif'), what: 'an AVIF image' },
  { test: (b) => ascii(b, 0, 'BM'), what: 'a BMP image' },
  { test: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]), what: 'a TIFF image' },
  { test: (_b, text) => /^\s*<(!doctype html|html|head|body|script)[\s>]/i.test(text), what: 'an HTML page' },
];

/**
 * Why `bytes` (the start of a file, up to a few hundred bytes) is refused, for a message:
 * "a PDF document", "an SVG image…", or null when nothing more can be said.
 */
export function describeRefusedFile(bytes: Uint8Array): string | null {
  // Leading whitespace and a UTF-8 byte order mark do not change what a text file is.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 512)).replace(/^\uFEFF?\s*/, '');
  return KNOWN_OTHERS.find((k) => k.test(bytes, text))?.what ?? null;
}

/** The message a refused upload is answered with (HTTP 415). */
export function refusalMessage(bytes: Uint8Array): string {
  const what = bytes.length === 0 ? 'an empty file' : describeRefusedFile(bytes);
  const accepted = 'Only PNG, JPEG, GIF and WebP images can be added';
  return what ? `${accepted}; this file is ${what}.` : `${accepted}; this file is none of them.`;
}
