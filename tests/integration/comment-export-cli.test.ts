/**
 * `tandem export` carries comments: a data dir holding a commented document, exported by the
 * command as JSON and Markdown, and as it was before a thread was resolved (`--at`).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { setResolved } from '../../document-schema/comments/comment-threads.js';
import { FileStore } from '../../persistence/file/file-store.js';
import { ada, bob, commentOn, docWithParagraphs } from '../helpers/comment-docs.js';
import { useTempDataDirs } from '../helpers/temp-data-dirs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs = useTempDataDirs('comment-export');

function tandem(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/tandem.ts', ...args], { cwd: root, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

it('exports a document’s comments as JSON and Markdown, now and earlier', async () => {
  const dataDir = dirs.tempDir();
  const store = new FileStore(dataDir);
  const doc = docWithParagraphs(['Hello brave new world']);
  const thread = commentOn(doc, 'brave', ada, 'Is this the right word?', Date.UTC(2025, 0, 31, 12, 0));
  await store.append('notes', Y.encodeStateAsUpdate(doc), { author: 'ada' });
  const before = Y.encodeStateVector(doc);
  setResolved(doc, thread, true, bob, null, Date.UTC(2025, 0, 31, 13, 0));
  await store.append('notes', Y.encodeStateAsUpdate(doc, before), { author: 'bob' });
  await store.close();

  const json = await tandem(['export', 'notes', '--format', 'json', '--data-dir', dataDir]);
  expect(json.code, json.stderr).toBe(0);
  const exported = JSON.parse(json.stdout) as { comments: { anchor: { text: string }; resolved: boolean; messages: { text: string }[] }[] };
  expect(exported.comments).toMatchObject([{ anchor: { text: 'brave' }, resolved: true, messages: [{ text: 'Is this the right word?' }] }]);

  const markdown = await tandem(['export', 'notes', '--format', 'markdown', '--at', '1', '--data-dir', dataDir]);
  expect(markdown.stdout).toBe(
    ['Hello brave[^1] new world', '', '## Comments', '', '[^1]: On “brave”', '', '    **Ada** · 2025-01-31 12:00 UTC: Is this the right word?', ''].join('\n'),
  );
});
