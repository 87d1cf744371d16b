/**
 * Carrying over a data dir whose documents an earlier version named: it stored the fully
 * percent-decoded request path, so a name like `a%20b` (the editor's `encodeURIComponent` of a
 * typed `a%20b`) is now the readable name `a b`. Data dirs are written with the file store
 * itself under such names, as the earlier server did.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getSchema, type JSONContent } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentFileAddresses, documentFileReader, fileUrl, sha256Hex } from '../../persistence/blobs.js';
import { exportDoc, exportExtensions } from '../../persistence/export-format.js';
import { FILES_DIR } from '../../persistence/file/blob-files.js';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { FileBlobs } from '../../persistence/file/file-blobs.js';
import { writeRenamedCopy } from '../../persistence/file/doc-rename.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { RENAMED_DIR, carryOverNames, planNameCarryOver } from '../../persistence/file/name-carry-over.js';
import { nodeFs } from '../../persistence/file/store-fs.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { carriedOverName } from '../../sync-server/doc-name.js';
import { captureLogger } from '../helpers/store-logger.js';
import { png } from '../helpers/images.js';
import { appendTextUpdate, textOf } from '../helpers/text-doc.js';
import { sleep } from '../helpers/wait.js';
import { useTempDataDirs } from '../helpers/temp-data-dirs.js';

const { tempDir, stores } = useTempDataDirs('carry');

/** Writes each document's text one character per record, as an earlier server would have. */
async function oldDataDir(dataDir: string, texts: Record<string, string>, options: { crash?: boolean } = {}): Promise<void> {
  const store = new FileStore(dataDir, { checkpointEvery: 4, ...(options.crash ? { journalFlushMs: 3_600_000, journalIdleCopyMs: 3_600_000 } : {}) });
  stores.push(store);
  for (const [name, text] of Object.entries(texts)) {
    const doc = new Y.Doc();
    for (const char of text) await store.append(name, appendTextUpdate(doc, char), { author: `author of ${name}` });
  }
  if (options.crash) await sleep(50);
  else await store.close();
}

async function history(dataDir: string, name: string) {
  const read = await new DataDirArchive(dataDir).readHistory(name);
  return {
    records: read?.records.map((r) => ({ seq: r.seq, timeMs: r.timeMs, author: r.author, update: [...r.update] })),
    checkpoints: read?.checkpoints.length ?? 0,
    problems: read?.problems,
  };
}

const listNames = async (dataDir: string): Promise<string[]> => (await new DataDirArchive(dataDir).listDocs()).map((d) => d.name).sort();
const tree = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('carrying names over from an earlier version', () => {
  it('renames what now reads differently, keeping every record, checkpoint and author', async () => {
    const dataDir = tempDir();
    const texts = { plain: 'stays as it is', 'a/b': 'stays too', 'a%20b': 'now a b', 'x/../y': 'no path had it', '%E6%97%A5': 'now 日', 'caf%c3%a9': 'lowercase stays' };
    await oldDataDir(dataDir, texts);
    const before = Object.fromEntries(await Promise.all(Object.keys(texts).map(async (n) => [n, await history(dataDir, n)] as const)));
    expect(before['a%20b']?.checkpoints).toBeGreaterThan(0);

    const pending = await verifyDataDir(dataDir, { live: false, names: carriedOverName });
    expect(pending.ok).toBe(true);
    expect(pending.warnings.map((w) => w.message).filter((m) => m.includes('renames it')).sort()).toEqual([
      '"%E6%97%A5" is a name from an earlier version; the next `tandem serve` renames it to "日"',
      '"a%20b" is a name from an earlier version; the next `tandem serve` renames it to "a b"',
      '"x/../y" is a name from an earlier version; the next `tandem serve` renames it to "x%2F..%2Fy"',
    ]);

    const logger = captureLogger();
    const result = await carryOverNames(dataDir, carriedOverName, logger);
    expect(result.refusals).toEqual([]);
    expect(result.renamed.map((r) => [r.from, r.to]).sort()).toEqual([['%E6%97%A5', '日'], ['a%20b', 'a b'], ['x/../y', 'x%2F..%2Fy']]);
    expect(logger.lines.filter((l) => l.startsWith('name carry-over: document renamed'))).toHaveLength(3);
    expect(await listNames(dataDir)).toEqual(['a b', 'a/b', 'caf%c3%a9', 'plain', 'x%2F..%2Fy', '日']);
    for (const [from, to] of [['a%20b', 'a b'], ['x/../y', 'x%2F..%2Fy'], ['%E6%97%A5', '日'], ['plain', 'plain']] as const) {
      // The same records, and checkpoints the log still confirms at their moved offsets.
      expect(await history(dataDir, to), to).toEqual(before[from]);
    }
    // The old directories are kept aside, untouched.
    expect(readdirSync(join(dataDir, RENAMED_DIR)).sort()).toEqual(['%E6%97%A5', 'a%20b', 'x/../y'].map(docDirName).sort());

    const verified = await verifyDataDir(dataDir, { live: false, names: carriedOverName });
    expect({ ok: verified.ok, errors: verified.errors, warnings: verified.warnings }).toEqual({ ok: true, errors: [], warnings: [] });
    expect(verified.docs.every((d) => d.errors.length === 0 && d.warnings.length === 0)).toBe(true);

    const store = new FileStore(dataDir);
    stores.push(store);
    expect(textOf((await store.load('a b')).state)).toBe('now a b');
    expect(await store.append('a b', appendTextUpdate(new Y.Doc(), '!'), { author: null })).toBe('now a b'.length + 1);
    await store.close();
    expect((await carryOverNames(dataDir, carriedOverName, captureLogger())).renamed).toEqual([]);
  });

  it('refuses, changing nothing, when the new name is taken or there is none', async () => {
    const dataDir = tempDir();
    await oldDataDir(dataDir, { 'a b': 'one', 'a%20b': 'another', ' %20': 'two spaces', '%20 ': 'also two spaces', '..': 'no path', 'fine%3F': 'would be fine?' });
    const files = tree(dataDir);
    const result = await carryOverNames(dataDir, carriedOverName, captureLogger());
    expect(result.renamed).toEqual([]);
    const reasons = Object.fromEntries(result.refusals.map((r) => [r.name, `${r.dir} ${r.reason}`]));
    expect(Object.keys(reasons).sort()).toEqual([' %20', '%20 ', '..', 'a%20b']);
    expect(reasons['a%20b']).toMatch(/n=a%2520b it should be renamed to "a b", but .*n=a%20b already holds a document by that name/);
    expect(reasons[' %20']).toContain('it should be renamed to "  ", and so should "%20 "');
    expect(reasons['..']).toContain('no client can reach this name');
    expect(tree(dataDir)).toEqual(files);

    const verified = await verifyDataDir(dataDir, { live: false, names: carriedOverName });
    expect(verified.ok).toBe(false);
    expect(verified.errors.map((e) => e.message).filter((m) => m.includes('cannot be carried over'))).toHaveLength(4);
  });

  it('finishes a rename a crash cut short, and carries over documents only in the journal', async () => {
    const dataDir = tempDir();
    await oldDataDir(dataDir, { 'a%20b': 'copied before the crash' });
    const before = await history(dataDir, 'a%20b');
    // The crash came after the copy was in place and before the old directory moved aside.
    const archive = new DataDirArchive(dataDir);
    await writeRenamedCopy(nodeFs, archive, join(dataDir, RENAMED_DIR), 'a%20b', 'a b');
    expect((await planNameCarryOver(archive, carriedOverName)).changes).toEqual([{ from: 'a%20b', to: 'a b', dir: archive.docDir('a%20b'), copied: true }]);

    // And a server that crashed with records only in its journal.
    await oldDataDir(dataDir, { 'j%20k': 'journal only' }, { crash: true });
    expect(await new DataDirArchive(dataDir, undefined, undefined, { journal: false }).readHistory('j%20k')).toBeNull();

    const result = await carryOverNames(dataDir, carriedOverName, captureLogger());
    expect(result.refusals).toEqual([]);
    expect(result.renamed.map((r) => [r.from, r.to, r.copied]).sort()).toEqual([['a%20b', 'a b', true], ['j%20k', 'j k', false]]);
    expect(await history(dataDir, 'a b')).toEqual(before);
    expect(await listNames(dataDir)).toEqual(['a b', 'j k']);
    const store = new FileStore(dataDir);
    stores.push(store);
    expect(textOf((await store.load('j k')).state)).toBe('journal only');
    await store.close();
    const verified = await verifyDataDir(dataDir, { live: false, names: carriedOverName });
    expect([...verified.errors, ...verified.docs.flatMap((d) => d.errors)]).toEqual([]);
  });

  it('takes each document\'s images along, and the image addresses in its content find them under the new name', async () => {
    const dataDir = tempDir();
    const schema = getSchema(exportExtensions);
    const images = { 'a%20b': png(4, 3, [200, 40, 40]), 'j%20k': png(4, 3, [40, 40, 200]) };
    const store = new FileStore(dataDir);
    stores.push(store);
    const blobs = new FileBlobs(dataDir);
    for (const [name, image] of Object.entries(images)) {
      await blobs.putBlob(name, sha256Hex(image), image);
      const doc = new Y.Doc();
      prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: [{ type: 'image', attrs: { src: fileUrl(name, sha256Hex(image)), alt: name } }] }, doc.getXmlFragment('default'));
      await store.append(name, Y.encodeStateAsUpdate(doc), { author: null });
    }
    await store.close();
    // A file whose bytes no longer match its name is left behind, and said so.
    const damaged = sha256Hex(Buffer.from('another image'));
    writeFileSync(join(dataDir, 'docs', docDirName('a%20b'), FILES_DIR, damaged), 'not those bytes');
    // An earlier release's rename of "j%20k", interrupted before the old directory moved aside, left its images behind.
    const archive = new DataDirArchive(dataDir);
    await writeRenamedCopy(nodeFs, archive, join(dataDir, RENAMED_DIR), 'j%20k', 'j k');
    rmSync(join(archive.docDir('j k'), FILES_DIR), { recursive: true, force: true });

    const logger = captureLogger();
    const result = await carryOverNames(dataDir, carriedOverName, logger);
    expect(result.renamed.map((r) => [r.from, r.to, r.copied]).sort()).toEqual([['a%20b', 'a b', false], ['j%20k', 'j k', true]]);
    expect(logger.lines.filter((l) => l.startsWith('name carry-over: a damaged file was not copied') && l.includes(damaged))).toHaveLength(1);

    const reopened = new FileStore(dataDir);
    stores.push(reopened);
    for (const [from, to] of [['a%20b', 'a b'], ['j%20k', 'j k']] as const) {
      const image = images[from];
      const sha256 = sha256Hex(image);
      expect((await blobs.listBlobs(to)).map((f) => f.sha256)).toEqual([sha256]);
      expect(Buffer.from((await blobs.readBlob(to, sha256)) ?? []).equals(image)).toBe(true);
      // The content still names the old document; the new one reads and exports it as its own file.
      const { state } = await reopened.load(to);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, state);
      const src = fileUrl(from, sha256);
      expect(Buffer.from((await documentFileReader(blobs, to)(src)) ?? []).equals(image)).toBe(true);
      const json = JSON.parse(String(await exportDoc(doc, 'json', { fileAddress: await documentFileAddresses(blobs, to) }))) as JSONContent;
      expect(json.content?.[0]?.attrs?.['src']).toBe(fileUrl(to, sha256));
    }
    await reopened.close();
    const verified = await verifyDataDir(dataDir, { live: false, names: carriedOverName });
    expect([...verified.errors, ...verified.docs.flatMap((d) => d.errors)]).toEqual([]);
  });
});
