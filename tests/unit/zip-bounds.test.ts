/**
 * What a Word import unpacks is measured before any converter reads it: honest archives pass
 * (Word files as the `docx` library writes them among them), and archives that would unpack
 * past the bound are refused — by their declared sizes, by their number of parts, by many
 * entries sharing one compressed part, or by a part that holds more than it declares.
 */
import { Document, Packer, Paragraph, TextRun } from 'docx';
import { describe, expect, it } from 'vitest';
import { ZipRefusal, checkZipBounds } from '../../persistence/import/zip-bounds.js';
import { overlappingZip, zipOf } from '../helpers/zip-files.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const bounds = { maxUnpackedBytes: 256 * KiB, maxEntries: 100 };

function refusal(bytes: Uint8Array, within = bounds): ZipRefusal {
  try {
    checkZipBounds(bytes, within);
  } catch (error) {
    if (error instanceof ZipRefusal) return error;
    throw error;
  }
  throw new Error('the archive was not refused');
}

describe('the bounds of a zip archive', () => {
  it('lets honest archives through, a Word file among them', async () => {
    const text = Buffer.from('<w:document>'.padEnd(100 * KiB, ' ') + '</w:document>');
    checkZipBounds(zipOf([{ name: 'word/document.xml', data: text }, { name: 'word/media/a.png', data: Buffer.alloc(50 * KiB, 7), stored: true }]), bounds);
    checkZipBounds(zipOf([]), bounds);
    const word = await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph({ children: [new TextRun('Hello')] })] }] }));
    checkZipBounds(word, { maxUnpackedBytes: 80 * MiB, maxEntries: 10_000 });
  });

  it('refuses an archive whose parts would unpack past the bound', () => {
    const bomb = zipOf([{ name: 'word/document.xml', data: Buffer.alloc(MiB) }]);
    expect(bomb.length).toBeLessThan(4 * KiB);
    expect(refusal(bomb)).toMatchObject({ reason: 'too-large', message: 'it unpacks to more than 256 KiB, the most this server unpacks from one Word file' });
  });

  it('refuses many entries naming one compressed part, and too many parts', () => {
    const overlapping = overlappingZip(2000, MiB);
    expect(overlapping.length).toBeLessThan(200 * KiB);
    expect(refusal(overlapping, { maxUnpackedBytes: 80 * MiB, maxEntries: 10_000 })).toMatchObject({ reason: 'too-large', message: expect.stringMatching(/more than 80 MiB/) });
    const many = zipOf(Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, data: new Uint8Array(0), stored: true })));
    expect(refusal(many)).toMatchObject({ reason: 'too-large', message: 'it holds 101 files, more than the 100 a Word file may hold here' });
  });

  it('refuses a part that unpacks to more than its directory declares', () => {
    const lying = zipOf([{ name: 'word/document.xml', data: Buffer.alloc(MiB), declaredSize: KiB }]);
    expect(refusal(lying)).toMatchObject({ reason: 'too-large', message: 'its part "word/document.xml" unpacks to more than the 1024 bytes its zip directory declares' });
  });

  it('calls a cut-short, damaged or encrypted archive malformed', () => {
    const honest = zipOf([{ name: 'word/document.xml', data: Buffer.from('<w:document/>'.repeat(100)) }]);
    expect(refusal(honest.subarray(0, honest.length - 10))).toMatchObject({ reason: 'malformed', message: expect.stringMatching(/no zip directory/) });
    const damaged = Buffer.from(honest);
    damaged.fill(0xff, 30 + 'word/document.xml'.length, 30 + 'word/document.xml'.length + 8);
    expect(refusal(damaged)).toMatchObject({ reason: 'malformed', message: expect.stringMatching(/is damaged/) });
    const encrypted = Buffer.from(honest);
    encrypted.writeUInt16LE(1, encrypted.length - 22 - 46 - 'word/document.xml'.length + 8);
    expect(refusal(encrypted)).toMatchObject({ reason: 'malformed', message: expect.stringMatching(/encrypted/) });
  });
});
