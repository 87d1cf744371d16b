/**
 * Named versions on the command line, as users run it: `tandem version` names, renames and
 * removes (straight into a data dir or a database, or through a running server), `tandem
 * versions` lists, `tandem history` shows the names on its timeline, and `name:<version>` is a
 * point for `export --at`, `diff --from/--to`, `restore --at` and `compact --before`. `compact`
 * says which names now show the document at the cut.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import type { Store } from '../../persistence/store.js';
import { killChildServers, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { runTandem, type CliResult } from '../helpers/cli.js';
import { usePgTestBed } from '../helpers/pg-test-bed.js';

const work = mkdtempSync(join(tmpdir(), 'tandem-versions-cli-'));
const running: ChildServer[] = [];
const bed = usePgTestBed();
let dirs = 0;

afterAll(async () => {
  await killChildServers(running);
  rmSync(work, { recursive: true, force: true });
});

const tandem = (args: string[]): Promise<CliResult> => runTandem(args, 120_000);

/** Writes paragraphs "one", "two", "three" to `name`, one record each. */
async function writeDoc(store: Store, name: string): Promise<void> {
  const doc = new Y.Doc();
  const fragment = doc.getXmlFragment('default');
  for (const text of ['one', 'two', 'three']) {
    const before = Y.encodeStateVector(doc);
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText(text)]);
    fragment.insert(fragment.length, [p]);
    await store.append(name, Y.encodeStateAsUpdate(doc, before), { author: 'ada' });
  }
}

async function dataDir(): Promise<string> {
  const dir = join(work, `data-${++dirs}`);
  const store = new FileStore(dir);
  await writeDoc(store, 'notes');
  await store.close();
  return dir;
}

describe('tandem version and versions', () => {
  it('name, list, show, open, compare, restore, rename and remove in a data dir with no server', { timeout: 300_000 }, async () => {
    const dir = await dataDir();
    const at = ['--data-dir', dir];
    const named = await tandem(['version', 'notes', '--name', ' Sent to legal ', '--at', '2', '--by', 'Ada', ...at]);
    expect(named.stdout).toMatch(/^Named "Sent to legal" \(seq 2, named by Ada \(self-declared\), id [0-9a-f-]{36}\) of "notes" in .*\.\n$/);
    expect(named.code).toBe(0);
    expect((await tandem(['version', 'notes', '--name', 'Current', ...at])).stdout).toMatch(/^Named "Current" \(seq 3, named by \(unknown\)/);

    const taken = await tandem(['version', 'notes', '--name', 'Sent to legal', ...at]);
    expect([taken.code, taken.stderr]).toEqual([1, 'tandem version: "notes" already has a version named "Sent to legal"; choose another name, or rename that one\n']);
    const empty = await tandem(['version', 'notes', '--name', '  ', ...at]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^tandem version: --name: a version name cannot be empty\n/);
    expect((await tandem(['version', 'notes', '--name', 'Late', '--at', '9', ...at])).stderr).toMatch(/--at: document "notes" has 3 records; there is no record 9/);
    expect((await tandem(['version', 'nowhere', '--name', 'X', ...at])).stderr).toMatch(/no document named "nowhere"/);

    const listed = await tandem(['versions', 'notes', ...at]);
    expect(listed.stdout).toMatch(/^"notes": 2 named versions\n\nSEQ +NAME +NAMED AT +BY +ID\n#2 +Sent to legal +\S+ +Ada \(self-declared\) +\S+\n#3 +Current +\S+ +\(unknown\) +\S+\n$/);
    const json = JSON.parse((await tandem(['versions', 'notes', '--json', ...at])).stdout) as { versions: Record<string, unknown>[] };
    expect(json.versions.map((v) => [v['seq'], v['name'], v['author']])).toEqual([[2, 'Sent to legal', { name: 'Ada' }], [3, 'Current', null]]);

    const history = await tandem(['history', 'notes', ...at]);
    expect(history.stdout).toMatch(/^"notes": 3 updates in 2 versions, 2 named\n/);
    expect(history.stdout).toMatch(/\n#1–2 .* "Sent to legal"\n#3 .* "Current"\n$/);
    const historyJson = JSON.parse((await tandem(['history', 'notes', '--json', ...at])).stdout) as { named: unknown[]; versions: { named?: unknown[] }[] };
    expect(historyJson.named).toEqual(json.versions);
    expect(historyJson.versions.map((v) => v.named?.length ?? 0)).toEqual([1, 1]);

    expect((await tandem(['export', 'notes', '--format', 'text', '--at', 'name:Sent to legal', ...at])).stdout).toBe('one\n\ntwo\n');
    const missing = await tandem(['export', 'notes', '--format', 'text', '--at', 'name:Nope', ...at]);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, 'tandem export: --at: "notes" has no version named "Nope" (its named versions: "Sent to legal", "Current")']);
    const diff = await tandem(['diff', 'notes', '--from', 'name:Sent to legal', '--to', 'name:Current', ...at]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('{+three+}');

    const restored = await tandem(['restore', 'notes', '--at', 'name:Sent to legal', ...at]);
    expect(restored.stdout).toMatch(/^Restored "notes" to its content at seq 2, now current as seq 4/);
    expect((await tandem(['export', 'notes', '--format', 'text', ...at])).stdout).toBe('one\n\ntwo\n');

    expect((await tandem(['version', 'notes', '--rename', 'Sent to legal', '--name', 'Legal', ...at])).stdout).toMatch(/^Renamed "Sent to legal" \(seq 2, .*\) to "Legal" in /);
    const id = String(json.versions[1]?.['id']);
    expect((await tandem(['version', 'notes', '--remove', id, ...at])).stdout).toMatch(/^Removed the named version "Current" \(seq 3, .*\) from "notes" in .*; its history stays\.\n$/);
    const gone = await tandem(['version', 'notes', '--remove', 'Current', ...at]);
    expect([gone.code, gone.stderr]).toEqual([1, 'tandem version: "notes" has no named version with the id or name "Current" (its named versions: "Legal")\n']);
    expect((await tandem(['version', 'notes', '--remove', 'Legal', '--name', 'x', ...at])).code).toBe(2);

    const unknown = await tandem(['compact', 'notes', '--before', 'name:Nope', ...at]);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'tandem compact: "notes" has no version named "Nope" (its named versions: "Legal")\n']);
    expect((await tandem(['compact', 'notes', '--before', 'name:', ...at])).code).toBe(2);
    expect((await tandem(['compact', 'notes', '--before', 'name:Legal', ...at])).stdout).toMatch(/^Compacted "notes" before seq 2: 2 updates folded into the document as it was at seq 2/);
    const compacted = await tandem(['compact', 'notes', '--before', '3', ...at]);
    expect(compacted.stdout).toContain('Named version from before seq 3 is kept and now shows the document at seq 3: "Legal" (seq 2).');
    expect((await tandem(['versions', 'notes', ...at])).stdout).toMatch(/\n#2 \(compacted: shows #3\) +Legal /);
    expect((await tandem(['export', 'notes', '--format', 'text', '--at', 'name:Legal', ...at])).stdout).toBe('one\n\ntwo\n\nthree\n');
    const verified = await tandem(['verify', ...at]);
    expect(verified.code, verified.stdout).toBe(0);
  });

  it('goes through a running server: it has the names at once, and restores a named version itself', { timeout: 300_000 }, async () => {
    const dir = await dataDir();
    const server = await startChildServer(['--data-dir', dir, '--log-level', 'warn']);
    running.push(server);
    const at = ['--data-dir', dir];
    const named = await tandem(['version', 'notes', '--name', 'Draft', '--at', '1', '--by', 'Ada', ...at]);
    expect(named.stdout).toMatch(/^Named "Draft" \(seq 1, named by Ada \(self-declared\), id \S+\) of "notes" \(through the server at http:\/\/127\.0\.0\.1:\d+\)\.\n$/);
    const res = await fetch(`${server.httpUrl}/api/docs/notes/versions`);
    expect(((await res.json()) as { versions: { name: string }[] }).versions.map((v) => v.name)).toEqual(['Draft']);
    // Read straight from the data dir beside the server.
    expect((await tandem(['versions', 'notes', ...at])).stdout).toMatch(/\n#1 +Draft +/);
    const restored = await tandem(['restore', 'notes', '--at', 'name:Draft', ...at]);
    expect(restored.stdout).toMatch(/^Restored "notes" to its content at seq 1, now current as seq 4, .*through the server/);
    const refused = await tandem(['restore', 'notes', '--at', 'name:Nope', ...at]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/answered 400: "notes" has no version named "Nope"/);
    expect((await tandem(['version', 'notes', '--rename', 'Draft', '--name', 'First draft', ...at])).stdout).toMatch(/^Renamed "Draft" .* to "First draft" \(through the server/);
    expect((await tandem(['version', 'notes', '--remove', 'First draft', ...at])).stdout).toMatch(/^Removed the named version "First draft" .*through the server/);
    const taken = await tandem(['version', 'notes', '--name', 'A', ...at]);
    expect(taken.code).toBe(0);
    const again = await tandem(['version', 'notes', '--name', 'A', ...at]);
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/answered 409: "notes" already has a version named "A"/)]);
    const compacted = await tandem(['compact', 'notes', '--before', 'name:A', ...at]);
    expect(compacted.stdout).toMatch(/^Compacted "notes" before seq 4: 4 updates folded .*through the server/);
    const unknown = await tandem(['compact', 'notes', '--before', 'name:Nope', ...at]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringMatching(/answered 400: "notes" has no version named "Nope"/)]);
  });

  it('works on a database the same way', { timeout: 300_000 }, async () => {
    const url = await bed.cluster.createDatabase('versions_cli');
    const store = new PostgresStore(url);
    await writeDoc(store, 'notes');
    await store.close();
    const at = ['--database-url', url];
    expect((await tandem(['version', 'notes', '--name', 'Sent to legal', '--at', '2', ...at])).code).toBe(0);
    expect((await tandem(['history', 'notes', ...at])).stdout).toMatch(/\n#1–2 .* "Sent to legal"\n#3 /);
    expect((await tandem(['export', 'notes', '--format', 'text', '--at', 'name:Sent to legal', ...at])).stdout).toBe('one\n\ntwo\n');
    expect((await tandem(['compact', 'notes', '--before', 'name:Sent to legal', ...at])).stdout).toMatch(/^Compacted "notes" before seq 2: 2 updates folded .* in /);
    expect((await tandem(['compact', 'notes', '--before', 'name:Nope', ...at])).stderr).toBe('tandem compact: "notes" has no version named "Nope" (its named versions: "Sent to legal")\n');
    const compacted = await tandem(['compact', 'notes', '--before', '3', ...at]);
    expect(compacted.stdout).toContain('"Sent to legal" (seq 2)');
    const json = JSON.parse((await tandem(['versions', 'notes', '--json', ...at])).stdout) as { versions: Record<string, unknown>[] };
    expect(json.versions).toEqual([expect.objectContaining({ name: 'Sent to legal', seq: 2, compacted: true })]);
    expect((await tandem(['version', 'notes', '--remove', 'Sent to legal', ...at])).code).toBe(0);
    expect((await tandem(['versions', 'notes', ...at])).stdout).toMatch(/has no named versions/);
  });
});
