/**
 * `tandem verify` checks the documents in the trash as it checks live ones (they can be
 * restored), with the file store and with PostgreSQL: a healthy trashed document is reported as
 * such, with its deletion time and id, and damage to one — a flipped byte in its log, a record
 * gone from the database — fails the check, naming it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FileStore } from '../../persistence/file/file-store.js';
import { FileTrash } from '../../persistence/file/file-trash.js';
import { LOG_FILE } from '../../persistence/file/doc-files.js';
import { nodeFs } from '../../persistence/file/store-fs.js';
import { verifyDataDir } from '../../persistence/file/verify.js';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { verifyDatabase } from '../../persistence/postgres/postgres-verify.js';
import type { Store } from '../../persistence/store.js';
import { runTandem } from '../helpers/cli.js';
import { PgCluster } from '../helpers/pg-cluster.js';

const DELETED_AT = Date.parse('2026-03-01T12:00:00Z');
const dirs: string[] = [];
let cluster: PgCluster | null = null;

afterAll(async () => {
  await cluster?.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Three records of text in `name`. */
async function writeText(store: Store, name: string): Promise<void> {
  const doc = new Y.Doc();
  for (const text of ['one ', 'two ', 'three']) {
    const before = Y.encodeStateVector(doc);
    doc.getText('t').insert(doc.getText('t').length, text);
    await store.append(name, Y.encodeStateAsUpdate(doc, before), { author: 'ada' });
  }
  doc.destroy();
}

describe('tandem verify and the trash', () => {
  it('checks the data dir\'s trash, and fails on damage there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-trash-verify-'));
    dirs.push(dataDir);
    const store = new FileStore(dataDir, { journal: false });
    await writeText(store, 'kept');
    await writeText(store, 'old notes');
    await store.flush('old notes');
    const trashed = await store.trashDoc('old notes', 'ada', DELETED_AT);
    await store.close();
    expect(trashed).not.toBeNull();
    const id = trashed?.id ?? '';

    const healthy = await verifyDataDir(dataDir, { live: false });
    expect(healthy.ok).toBe(true);
    expect(healthy.docs.map((d) => d.name)).toEqual(['kept']);
    expect(healthy.trash).toMatchObject([{ name: 'old notes', trashId: id, deletedAtMs: DELETED_AT, records: 3, errors: [] }]);
    const cli = await runTandem(['verify', '--data-dir', dataDir]);
    expect(cli.code, cli.stdout).toBe(0);
    expect(cli.stdout).toContain(`ok   "old notes" (in the trash since 2026-03-01T12:00:00.000Z, id ${id}): 3 updates, 0 checkpoints`);
    expect(cli.stdout).toContain('verified 1 documents and 1 in the trash: no damage');

    // A byte of the trashed document's last record flipped.
    const log = join(new FileTrash(dataDir, nodeFs).entryDocDir(id, 'old notes'), LOG_FILE);
    const bytes = readFileSync(log);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0xff, bytes.length - 3);
    writeFileSync(log, bytes);
    const damaged = await verifyDataDir(dataDir, { live: false });
    expect(damaged.ok).toBe(false);
    expect(damaged.trash[0]?.errors.map((e) => e.path)).toContain(log);
    const failed = await runTandem(['verify', '--data-dir', dataDir]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/FAIL "old notes" \(in the trash since 2026-03-01T12:00:00.000Z, id [^)]+\)/);
    expect(failed.stdout).toContain('damage found: 1 of 2 documents (1 in the trash), 0 other problems');
  });

  it('checks the database\'s trash, and fails on a record missing there', async () => {
    cluster ??= await PgCluster.start();
    const store = new PostgresStore(await cluster.createDatabase('trash_verify'));
    try {
      await store.ready();
      await writeText(store, 'kept');
      await writeText(store, 'old notes');
      const trashed = await store.trashDoc('old notes', 'ada', DELETED_AT);
      const healthy = await verifyDatabase(store.db);
      expect(healthy.ok).toBe(true);
      expect(healthy.docs.map((d) => d.name)).toEqual(['kept']);
      expect(healthy.trash).toMatchObject([{ name: 'old notes', trashId: trashed?.id, deletedAtMs: DELETED_AT, records: 3, errors: [] }]);

      await store.db.pool.query('DELETE FROM tandem_records WHERE doc_id = $1::int8 AND seq = 2', [trashed?.id]);
      const damaged = await verifyDatabase(store.db);
      expect(damaged.ok).toBe(false);
      expect(damaged.trash[0]?.errors.map((e) => e.message)).toContain('records 2–2 are missing');
      expect(damaged.docs[0]?.errors).toEqual([]);
      // Named by its name and trash id, never by its row's internal name.
      const where = `tandem_records (document "old notes" in the trash, id ${trashed?.id})`;
      expect(damaged.trash[0]?.errors.map((e) => e.path)).toEqual(damaged.trash[0]?.errors.map(() => expect.stringContaining(where)));
      const cli = await runTandem(['verify', '--database-url', store.db.url]);
      expect(cli.code, cli.stdout).toBe(1);
      expect(cli.stdout).toMatch(new RegExp(`FAIL "old notes" \\(in the trash since 2026-03-01T12:00:00.000Z, id ${trashed?.id}\\): 2 updates`));
      expect(cli.stdout).toContain(`${where}: records 2–2 are missing`);
      expect(cli.stdout).not.toMatch(/trash:|\\u0001/);
    } finally {
      await store.close();
    }
  });
});
