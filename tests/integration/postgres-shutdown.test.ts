/**
 * Bounded shutdown on PostgreSQL: with the database gone, a server stopping waits at most
 * --shutdown-timeout-ms for its commits, then stops retrying and names the documents and record
 * counts not committed; `tandem serve --database-url` exits 1 with that line. What had
 * committed before is all there, and nothing is committed after the store gave up.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../persistence/postgres/postgres-store.js';
import { StoreNotDurableError } from '../../persistence/store.js';
import { startChildServer } from '../helpers/child-server.js';
import { synced, within, yClient } from '../helpers/clients.js';
import { usePgTestBed } from '../helpers/pg-test-bed.js';
import { startTestServer } from '../helpers/server.js';
import { captureLogger } from '../helpers/store-logger.js';
import { DEADLINE_MS, sleep, waitFor } from '../helpers/wait.js';

const bed = usePgTestBed();
const { running, clients } = bed;

async function lastSeq(url: string, name: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ last_seq: number }>('SELECT last_seq::int FROM tandem_documents WHERE name = $1', [name])).rows[0]?.last_seq;
  } finally {
    await client.end();
  }
}

describe('shutdown with the database gone', () => {
  it('gives up at the deadline naming what is not committed, and commits nothing afterwards', async () => {
    const url = await bed.cluster.createDatabase('shutdown');
    const logger = captureLogger();
    const store = new PostgresStore(url, { retryMinMs: 20, retryMaxMs: 200, probeMs: 200, timeoutMs: 3000, logger });
    await store.ready();
    const test = await startTestServer({ store, config: { shutdownTimeoutMs: 1000 } });
    const writer = yClient(test.wsUrl, 'stuck');
    clients.push(writer);
    await synced(writer);
    writer.doc.getText('t').insert(0, 'committed');
    await waitFor(() => store.stats().records === 1, 'the first update to commit');

    await bed.cluster.stop('immediate');
    writer.doc.getText('t').insert(0, 'never ');
    await waitFor(() => !store.health().ok && store.pendingWrites().length > 0, 'the commit to fail');
    expect(store.pendingWrites()).toEqual([{ doc: 'stuck', records: 1 }]);

    const closing = test.close();
    const error = await within(closing.then(() => null, (e: unknown) => e), DEADLINE_MS, 'the bounded shutdown');
    expect(error).toBeInstanceOf(StoreNotDurableError);
    expect((error as Error).message).toBe('1 record of 1 document is not durable: "stuck" (1 record)');
    const line = test.logs.find((l) => l.msg.startsWith('shutdown:'));
    expect(line?.pending).toEqual([{ doc: 'stuck', records: 1 }]);

    // Given up: no commit is tried any more (a retry would come every 200 ms at most), and with
    // the database back the record is not committed after all.
    const failures = (): number => logger.lines.filter((l) => l.startsWith('database commit failed')).length;
    const tried = failures();
    await bed.cluster.startServer();
    await sleep(1000);
    expect(failures()).toBe(tried);
    expect(await lastSeq(url, 'stuck')).toBe(1);
  });

  it('tandem serve --database-url exits 1 naming the documents and records not committed', async () => {
    const url = await bed.cluster.createDatabase('serve');
    const child = await startChildServer(['--database-url', url, '--shutdown-timeout-ms', '1000']);
    running.push(child);
    const writer = yClient(child.wsUrl, 'notes');
    const observer = yClient(child.wsUrl, 'notes');
    clients.push(writer, observer);
    await Promise.all([synced(writer), synced(observer)]);
    writer.doc.getText('t').insert(0, 'saved');
    await waitFor(() => observer.doc.getText('t').toString() === 'saved', 'the first edit to commit and be relayed');

    await bed.cluster.stop('immediate');
    writer.doc.getText('t').insert(5, ' and more');
    await waitFor(() => child.output().includes('database commit failed'), 'a commit to fail');
    child.process.kill('SIGTERM');
    expect(await within(child.exited, DEADLINE_MS, 'the server to give up and exit')).toBe(1);
    expect(child.output()).toContain('shutdown: 1 record of 1 document is not durable: \\"notes\\" (1 record)');
    expect(child.output()).toContain('tandem serve: shutdown incomplete: 1 record of 1 document is not durable: "notes" (1 record)');
    // Never relayed: nothing that was not committed left the server.
    expect(observer.doc.getText('t').toString()).toBe('saved');
    await bed.cluster.startServer();
    expect(await lastSeq(url, 'notes')).toBe(1);
  });
});
