/**
 * A data dir's document summaries name the author of the last record wherever that record is
 * read from: the log alone, a checkpoint with nothing after it (its own record), a checkpoint
 * and the records after it, or the journal before the copy into the log.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DataDirArchive } from '../../persistence/file/data-dir.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { appendTextUpdate } from '../helpers/text-doc.js';
import { useTempDataDirs } from '../helpers/temp-data-dirs.js';

const { tempDir, stores } = useTempDataDirs('summary');

type Edit = [doc: string, author: string | null, text: string];

async function write(dataDir: string, edits: Edit[], options: { checkpointEvery?: number; crash?: boolean } = {}): Promise<void> {
  const store = new FileStore(dataDir, { checkpointEvery: options.checkpointEvery ?? 1000, ...(options.crash ? { journalFlushMs: 3_600_000, journalIdleCopyMs: 3_600_000 } : {}) });
  const docs = new Map<string, Y.Doc>();
  for (const [name, author, text] of edits) {
    let doc = docs.get(name);
    if (!doc) {
      doc = new Y.Doc();
      Y.applyUpdate(doc, (await store.load(name)).state);
      docs.set(name, doc);
    }
    await store.append(name, appendTextUpdate(doc, text), { author });
  }
  // A crashed server leaves its records in the journal only; a stopped one copies them.
  if (options.crash) stores.push(store);
  else await store.close();
}

const summaryOf = async (dataDir: string, name: string) => (await new DataDirArchive(dataDir).listDocs()).find((d) => d.name === name);
const checkpointsOf = (dataDir: string, name: string): string[] => readdirSync(join(dataDir, 'docs', docDirName(name))).filter((f) => /^checkpoint-\d{12}$/.test(f));

describe('the last author in a document summary', () => {
  it('comes from the last record of the log', async () => {
    const dataDir = tempDir();
    await write(dataDir, [['log', 'ada', 'a'], ['log', 'bob', 'b'], ['log', null, 'c'], ['log', 'carol', 'd']]);
    expect(checkpointsOf(dataDir, 'log')).toEqual([]);
    expect(await summaryOf(dataDir, 'log')).toMatchObject({ records: 4, lastAuthor: 'carol' });
    await write(dataDir, [['log', null, 'e']]);
    expect(await summaryOf(dataDir, 'log')).toMatchObject({ records: 5, lastAuthor: null, lastChangeMs: expect.any(Number) });
  });

  it('comes from the checkpoint’s own record when nothing follows it, and from the later records otherwise', async () => {
    const dataDir = tempDir();
    await write(dataDir, [['cp', 'ada', 'a'], ['cp', 'bob', 'b']], { checkpointEvery: 2 });
    expect(checkpointsOf(dataDir, 'cp')).toEqual(['checkpoint-000000000002']);
    expect(await summaryOf(dataDir, 'cp')).toMatchObject({ records: 2, lastAuthor: 'bob' });
    await write(dataDir, [['cp', 'carol', 'c']]);
    expect(await summaryOf(dataDir, 'cp')).toMatchObject({ records: 3, lastAuthor: 'carol' });
  });

  it('comes from the journal for records not yet in the log, new documents too', async () => {
    const dataDir = tempDir();
    await write(dataDir, [['old', 'ada', 'a']]);
    await write(dataDir, [['old', 'bob', 'b'], ['new', 'carol', 'c']], { crash: true });
    // The logs alone do not have them yet.
    await expect(new DataDirArchive(dataDir, undefined, undefined, { journal: false }).listDocs()).resolves.toMatchObject([{ name: 'old', records: 1 }]);
    expect(await summaryOf(dataDir, 'old')).toMatchObject({ records: 2, lastAuthor: 'bob' });
    expect(await summaryOf(dataDir, 'new')).toMatchObject({ records: 1, lastAuthor: 'carol' });
  });
});
