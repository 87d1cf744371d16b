/**
 * Named versions in the data dir (persistence/file/file-versions.ts, versions-format.ts): the
 * file's codec, and the file store and `tandem verify` against a damaged file — the damage
 * reported with its path and offset, the valid versions kept, a copy of the damaged file kept.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { docDirName } from '../../persistence/file/file-names.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { VERSIONS_MAGIC, decodeVersions, encodeVersions } from '../../persistence/file/versions-format.js';
import type { NamedVersion } from '../../persistence/named-versions.js';
import { describeProblem } from '../../persistence/record.js';
import { captureLogger } from '../helpers/store-logger.js';
import { appendTextUpdate } from '../helpers/text-doc.js';
import { useTempDataDirs } from '../helpers/temp-data-dirs.js';

const { tempDir } = useTempDataDirs('versions');

const versions: NamedVersion[] = [
  { id: 'id-1', name: 'First draft', seq: 1, timeMs: 1_000, author: 'ada' },
  { id: 'id-2', name: 'Sent to legal ✉', seq: 2, timeMs: 2_000, author: 'tandem:name:Bob' },
  { id: 'id-3', name: 'Final "final"', seq: 3, timeMs: 3_000, author: null },
];

/** A data dir with document `name` of 3 records and the three versions above. */
async function dataDirWithVersions(name: string): Promise<string> {
  const dir = tempDir();
  const store = new FileStore(dir);
  const doc = new Y.Doc();
  for (const text of ['a', 'b', 'c']) await store.append(name, appendTextUpdate(doc, text), { author: null });
  for (const version of versions) await store.addVersion(name, version);
  await store.close();
  return dir;
}

const versionsPath = (dataDir: string, name: string): string => join(dataDir, 'docs', docDirName(name), 'versions');

describe('the named-versions file', () => {
  it('encodes one checked line per version and decodes them back', () => {
    const bytes = encodeVersions(versions);
    expect(bytes.toString('utf8').startsWith(VERSIONS_MAGIC)).toBe(true);
    expect(bytes.toString('utf8').split('\n')).toHaveLength(versions.length + 2);
    expect(decodeVersions(bytes)).toEqual({ versions, problems: [] });
    expect(decodeVersions(encodeVersions([]))).toEqual({ versions: [], problems: [] });
  });

  it('leaves out a damaged line, saying where it starts, and keeps the others', () => {
    const bytes = encodeVersions(versions);
    const second = bytes.indexOf('Sent to legal');
    bytes[second] = 'Z'.charCodeAt(0);
    const lineStart = bytes.lastIndexOf(0x0a, second) + 1;
    const decoded = decodeVersions(bytes);
    expect(decoded.versions.map((v) => v.id)).toEqual(['id-1', 'id-3']);
    expect(decoded.problems).toEqual([{ offset: lineStart, message: 'the line fails its checksum; the line is left out' }]);
  });

  it('reports a cut-short last line, a foreign file and duplicate names', () => {
    const bytes = encodeVersions(versions);
    const cut = decodeVersions(bytes.subarray(0, bytes.length - 5));
    expect(cut.versions.map((v) => v.id)).toEqual(['id-1', 'id-2']);
    expect(cut.problems[0]?.message).toMatch(/cut short/);
    expect(decodeVersions(Buffer.from('{"hello": 1}\n')).problems[0]).toEqual({ offset: 0, message: expect.stringMatching(/not a named-versions file/) });
    const twice = decodeVersions(encodeVersions([versions[0] as NamedVersion, { ...(versions[1] as NamedVersion), name: 'First draft' }]));
    expect(twice.versions).toHaveLength(1);
    expect(twice.problems[0]?.message).toMatch(/a second version named "First draft"/);
  });
});

describe('a damaged versions file in a data dir', () => {
  it('is reported by the store and by verify with its path; the valid versions are kept, and written back with a copy of the damage', async () => {
    const dir = await dataDirWithVersions('report');
    const path = versionsPath(dir, 'report');
    const bytes = readFileSync(path);
    bytes[bytes.indexOf('Sent to legal')] = 'Z'.charCodeAt(0);
    writeFileSync(path, bytes);

    const verified = await verifyDataDir(dir, { live: false });
    expect(verified.ok).toBe(false);
    const errors = verified.docs.flatMap((d) => d.errors).map(describeProblem);
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at byte \\d+: the line fails its checksum`))]);

    const logger = captureLogger();
    const store = new FileStore(dir, { logger });
    expect((await store.listVersions('report')).map((v) => v.id)).toEqual(['id-1', 'id-3']);
    expect(logger.lines.some((line) => line.includes('fails its checksum') && line.includes(JSON.stringify(path)))).toBe(true);
    // The next change writes the valid versions back, keeping the damaged file aside.
    const added = await store.addVersion('report', { name: 'After the damage', seq: 3, timeMs: 4_000, author: null });
    expect((await store.listVersions('report')).map((v) => v.id)).toEqual(['id-1', 'id-3', added.id]);
    await store.close();
    const docFiles = readdirSync(join(dir, 'docs', docDirName('report')));
    const aside = docFiles.filter((f) => f.startsWith('versions.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, 'docs', docDirName('report'), aside[0] ?? ''))).toEqual(bytes);

    const again = await verifyDataDir(dir, { live: false });
    expect(again.ok).toBe(true);
    expect(again.docs.flatMap((d) => d.warnings).map((w) => w.path)).toContain(join(dir, 'docs', docDirName('report'), aside[0] ?? ''));
  });

  it('verify reports a version naming a record the document does not have', async () => {
    const dir = await dataDirWithVersions('short');
    writeFileSync(versionsPath(dir, 'short'), encodeVersions([...versions, { id: 'id-9', name: 'Beyond', seq: 9, timeMs: 9, author: null }]));
    const verified = await verifyDataDir(dir, { live: false });
    expect(verified.ok).toBe(false);
    expect(verified.docs.flatMap((d) => d.errors).map((e) => e.message)).toEqual(['the version named "Beyond" names record 9, past the document\'s last (3)']);
  });

  it('a crash while writing leaves the versions as they were; the leftover temp file is removed by the next write', async () => {
    const dir = await dataDirWithVersions('crashed');
    const path = versionsPath(dir, 'crashed');
    writeFileSync(`${path}.tmp`, 'half a fil');
    const store = new FileStore(dir);
    expect((await store.listVersions('crashed')).map((v) => v.id)).toEqual(['id-1', 'id-2', 'id-3']);
    await store.removeVersion('crashed', 'id-2');
    expect(existsSync(`${path}.tmp`)).toBe(false);
    expect((await store.listVersions('crashed')).map((v) => v.id)).toEqual(['id-1', 'id-3']);
    await store.close();
  });
});
