/**
 * `tandem diff` as users run it, on a data dir and on a database: the same history (two
 * writers, one self-declared) gives the same changes in text, JSON and HTML; bad points are
 * usage errors (exit 2), an unknown document exit 1.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { declaredAuthor } from '../../persistence/author.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import type { Store } from '../../persistence/store.js';
import type { DocDiff } from '../../document-schema/diff/diff-tree.js';
import { PgCluster } from '../helpers/pg-cluster.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NAME = 'Team/Plan 2025';
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-diff-cli-'));
let cluster: PgCluster;
let url: string;

function tandem(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/tandem.ts', ...args], { cwd: root, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Ada types a paragraph; Bob (self-declared) makes a word bold and adds a sentence. */
async function writeHistory(store: Store): Promise<void> {
  const ada = new Y.Doc();
  const bob = new Y.Doc();
  const record = async (doc: Y.Doc, author: string, change: () => void): Promise<void> => {
    let update: Uint8Array | null = null;
    const keep = (u: Uint8Array): void => {
      update = u;
    };
    doc.on('update', keep);
    doc.transact(change);
    doc.off('update', keep);
    if (update === null) throw new Error('no update');
    Y.applyUpdate(doc === ada ? bob : ada, update);
    await store.append(NAME, update, { author });
  };
  await record(ada, 'ada', () => {
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('Ship the plan today.')]);
    ada.getXmlFragment('default').insert(0, [p]);
  });
  const text = (): Y.XmlText => (bob.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
  await record(bob, declaredAuthor('Bob'), () => {
    text().format(9, 4, { bold: {} });
    text().insert(20, ' Then rest.');
  });
  await store.flush();
}

beforeAll(async () => {
  const files = new FileStore(dataDir);
  await writeHistory(files);
  await files.close();
  cluster = await PgCluster.start();
  url = await cluster.createDatabase('diffcli');
  const db = new PostgresStore(url);
  await writeHistory(db);
  await db.close();
}, 120_000);

afterAll(async () => {
  await cluster?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('tandem diff', () => {
  const expectedText = [
    `Changes to "${NAME}" from seq 1`,
    '',
    'Ship the {~plan~} today.{+ Then rest.+}',
    '',
    'Bob (self-declared): 2 words added, 1 reformatted',
    '',
  ];

  for (const where of ['data dir', 'database'] as const) {
    it(`shows the changes on a ${where} in text, JSON and HTML`, { timeout: 120_000 }, async () => {
      const store = where === 'data dir' ? ['--data-dir', dataDir] : ['--database-url', url];
      const text = await tandem(['diff', NAME, '--from', '1', ...store]);
      expect(text.stderr).toBe('');
      expect(text.code).toBe(0);
      const lines = text.stdout.split('\n');
      expect(lines[0]).toMatch(new RegExp(`^Changes to "${NAME}" from seq 1 \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\) to seq 2 \\(.+ UTC\\)$`));
      expect(lines.slice(1)).toEqual(expectedText.slice(1));

      const json = await tandem(['diff', NAME, '--from', '0', '--to', '2', '--format', 'json', ...store]);
      expect(json.code).toBe(0);
      const diff = JSON.parse(json.stdout) as DocDiff;
      expect(diff.summary.map((s) => [s.id, s.wordsAdded])).toEqual([
        ['user:ada', 4],
        ['name:Bob', 2],
      ]);

      const out = join(dataDir, `diff-${where === 'data dir' ? 'files' : 'db'}.html`);
      const html = await tandem(['diff', NAME, '--from', '1', '--format', 'html', '--out', out, ...store]);
      expect(html.code).toBe(0);
      expect(html.stderr).toContain(`wrote the changes to "${NAME}" from seq 1 to seq 2 as html to ${out}`);
      const page = readFileSync(out, 'utf8');
      expect(page).toMatch(/^<!doctype html>/);
      expect(page).toMatch(/<span class="diff diff--formatted" data-diff="formatted" data-by="\d" title="Formatted by Bob \(self-declared\) · [^"]+"><strong>plan<\/strong><\/span>|<strong><span class="diff diff--formatted"[^>]*>plan<\/span><\/strong>/);
    });
  }

  it('says what is wrong with its arguments', { timeout: 120_000 }, async () => {
    const noFrom = await tandem(['diff', NAME, '--data-dir', dataDir]);
    expect([noFrom.code, noFrom.stderr]).toEqual([2, expect.stringContaining('--from is required')]);
    const reversed = await tandem(['diff', NAME, '--from', '2', '--to', '1', '--data-dir', dataDir]);
    expect([reversed.code, reversed.stderr]).toEqual([2, expect.stringContaining('--from (seq 2) is after --to (seq 1)')]);
    const unknown = await tandem(['diff', 'nope', '--from', '0', '--data-dir', dataDir]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('no document named "nope"')]);
  });
});
