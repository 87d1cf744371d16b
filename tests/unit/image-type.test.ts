/**
 * Which files are images, by their bytes: the four accepted types, and why others are refused
 * (the message names SVG, programs, PDFs… so a person knows what they sent). Image addresses a
 * document may hold: only this server's files, however they were written.
 */
import { describe, expect, it } from 'vitest';
import { imageTypeOf, refusalMessage } from '../../persistence/image-type.js';
import { documentFilePath, documentFileUrl, isDocumentFileUrl } from '../../document-schema/image-policy.js';
import { EXE, SAMPLE_IMAGES, SVG } from '../helpers/images.js';

const HASH = 'ab'.repeat(32);

describe('image types by their bytes', () => {
  it('knows PNG, JPEG, GIF and WebP', () => {
    for (const sample of SAMPLE_IMAGES) expect(imageTypeOf(sample.bytes), sample.name).toBe(sample.type);
    expect(imageTypeOf(Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1'))).toBe('image/gif');
  });

  it('refuses everything else, saying what it is when it can', () => {
    const cases: [Uint8Array, RegExp][] = [
      [SVG, /this file is an SVG image \(SVG can carry scripts\)\.$/],
      [Buffer.from('\uFEFF  <svg xmlns="http://www.w3.org/2000/svg"></svg>'), /an SVG image/],
      [Buffer.from('<!-- made by hand --><svg viewBox="0 0 1 1"/>'), /an SVG image/],
      [EXE, /a Windows program\.$/],
      [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), /a Linux program/],
      [Buffer.from('%PDF-1.7\n'), /a PDF document/],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0]), /a ZIP archive/],
      [Buffer.from('<!DOCTYPE html><html><script>x</script>'), /an HTML page/],
      [Buffer.from('hello'), /this file is none of them\.$/],
      [new Uint8Array(0), /this file is an empty file\.$/],
    ];
    for (const [bytes, message] of cases) {
      expect(imageTypeOf(bytes)).toBeNull();
      expect(refusalMessage(bytes)).toMatch(/^Only PNG, JPEG, GIF and WebP images can be added; /);
      expect(refusalMessage(bytes)).toMatch(message);
    }
    // A signature alone is not enough where the format has more: a RIFF that is no WebP, a PNG without its header chunk.
    expect(imageTypeOf(Buffer.from('RIFF\x00\x00\x00\x00WAVEfmt ', 'latin1'))).toBeNull();
    expect(imageTypeOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0x78, 0x78, 0x78, 0x78]))).toBeNull();
  });
});

describe('image addresses', () => {
  it('are the root-relative addresses of a document\'s files', () => {
    const url = documentFileUrl('Trip / photos', HASH);
    expect(url).toBe(`/api/docs/Trip%20%2F%20photos/files/${HASH}`);
    expect(isDocumentFileUrl(url)).toBe(true);
    for (const other of [`https://example.com/a.png`, `/api/docs/x/files/${HASH}?token=t`, `/api/docs/x/files/${HASH.toUpperCase()}`, `/api/docs/x/files/abc`, `data:image/png;base64,AAAA`, `//evil.example/api/docs/x/files/${HASH}`, null]) {
      expect(isDocumentFileUrl(other), String(other)).toBe(false);
    }
  });

  it('are read from pasted HTML by their path, however written; other addresses are not taken in', () => {
    expect(documentFilePath(`/api/docs/x/files/${HASH}`)).toBe(`/api/docs/x/files/${HASH}`);
    expect(documentFilePath(`/api/docs/x/files/${HASH}?token=secret`)).toBe(`/api/docs/x/files/${HASH}`);
    expect(documentFilePath(`https://docs.example.com/api/docs/x/files/${HASH}`)).toBe(`/api/docs/x/files/${HASH}`);
    for (const other of ['https://example.com/cat.png', 'javascript:alert(1)', `data:image/png;base64,AAAA`, `/api/docs/x/history`, '']) expect(documentFilePath(other), other).toBeNull();
  });
});
