/**
 * Document names → directory names: reversible, collision-free, distinct on case-insensitive
 * file systems, within file name limits, and never a way out of the data dir.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { DocNameError, docDirName, parseDocDirName } from '../../persistence/file/file-names.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const hostile = [
  '..', '.', '../..', '../../etc/passwd', '/etc/passwd', '\\..\\..\\windows', 'a/../../b', 'a\\b', '~', '~root',
  'CON', 'nul', 'com1.txt', 'aux.', ' ', '  trailing  ', 'x.', '.hidden', '%2e%2e%2f', '%', '^', '=', 'n=x', 'h=0',
  'C:\\x', 'file:///etc', '\u202eevil', '\ufeffbom', '😀'.repeat(128), 'A'.repeat(512), 'é'.repeat(256),
  'a'.repeat(199), 'a'.repeat(198), 'Ab'.repeat(100), '/'.repeat(170),
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? [path, ...walk(path)] : [path];
  });
}

describe('document directory names', () => {
  it('use a safe alphabet, fit file name limits and decode back to the name', () => {
    const seen = new Map<string, string>();
    for (const name of [...hostile, 'Doc', 'doc', 'DOC', 'dOc', 'plain-name_1']) {
      const dir = docDirName(name);
      expect(dir).toMatch(/^[a-z0-9_^%=-]+$/);
      expect(Buffer.byteLength(dir)).toBeLessThanOrEqual(200);
      expect(dir.startsWith('n=') || dir.startsWith('h=')).toBe(true);
      // Case-insensitive file systems: no two names may share a lowercased directory name.
      const folded = dir.toLowerCase();
      expect(seen.get(folded) ?? name).toBe(name);
      seen.set(folded, name);
      const info = parseDocDirName(dir);
      if (info.kind === 'short') expect(info.name).toBe(name);
      else expect(info.kind).toBe('hashed');
    }
  });

  it('reject names no store may hold', () => {
    expect(() => docDirName('')).toThrow(DocNameError);
    expect(() => docDirName('x'.repeat(513))).toThrow(DocNameError);
    expect(() => docDirName('\ud800')).toThrow(DocNameError);
  });

  it('do not accept non-canonical spellings as document directories', () => {
    expect(parseDocDirName('n=%61').kind).toBe('foreign');
    expect(parseDocDirName('n=A').kind).toBe('foreign');
    expect(parseDocDirName('n=').kind).toBe('foreign');
    expect(parseDocDirName('..').kind).toBe('foreign');
    expect(parseDocDirName('n=^a')).toEqual({ kind: 'short', name: 'A' });
  });

  it('never create anything outside the data dir, and list every name back', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tandem-names-'));
    dirs.push(root);
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    const store = new FileStore(dataDir);
    for (const [i, name] of hostile.entries()) {
      const doc = new Y.Doc();
      doc.getText('t').insert(0, `#${i}`);
      await store.append(name, Y.encodeStateAsUpdate(doc), { author: null });
    }
    await store.close();

    expect(readdirSync(root)).toEqual(['data']);
    // A clean close leaves the journal empty: every record is in its document's log.
    expect(readdirSync(join(dataDir, 'journal'))).toEqual([]);
    for (const path of walk(dataDir)) {
      const parts = relative(dataDir, path).split('/');
      if (parts[0] === 'journal') continue;
      expect(parts[0]).toBe('docs');
      expect(parts.length).toBeLessThanOrEqual(3);
    }
    const reopened = new FileStore(dataDir);
    const listed = (await reopened.listDocs()).map((d) => d.name).sort();
    expect(listed).toEqual([...new Set(hostile)].sort());
    for (const [i, name] of hostile.entries()) {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, (await reopened.load(name)).state);
      expect(doc.getText('t').toString()).toBe(`#${i}`);
    }
    await reopened.close();
  });
});
