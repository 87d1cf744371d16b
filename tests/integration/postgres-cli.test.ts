/**
 * A database through the command line, as users run it: two servers started at once on an
 * empty database both come up (migrations take turns); docs, history, export and verify read
 * the database; restore goes through a running server so its clients see it; verify reports a
 * missing record; the password in the URL appears in no output. A server started before its
 * database waits for it (up to --database-wait-ms), but not for a database that refuses it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { killChildServers, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { runTandem, type CliResult } from '../helpers/cli.js';
import { synced, yClient } from '../helpers/clients.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { DEADLINE_MS, waitFor } from '../helpers/wait.js';

const PASSWORD = 'pw-Secret-4711';
const NAME = 'Team/Plan 2025';
let cluster: PgCluster;
let url: string;
const running: ChildServer[] = [];

beforeAll(async () => {
  cluster = await PgCluster.start();
  const plain = await cluster.createDatabase('cli');
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query(`CREATE ROLE tandem LOGIN PASSWORD '${PASSWORD}'`);
  await admin.query(`ALTER DATABASE ${new URL(plain).pathname.slice(1)} OWNER TO tandem`);
  await admin.end();
  url = plain.replace('postgres@', `tandem:${PASSWORD}@`);
});

afterAll(async () => {
  await killChildServers(running);
  await cluster.destroy();
});

async function tandem(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await runTandem(args, 90_000, env);
  expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  return result;
}

function paragraph(doc: Y.Doc, text: string): void {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  const fragment = doc.getXmlFragment('default');
  fragment.insert(fragment.length, [p]);
}

describe('a database through the command line', () => {
  // A dozen commands in a row, each a fresh Node process loading TypeScript: five minutes on a loaded machine.
  it('two servers start at once on an empty database; the commands read it; restore goes through a server', { timeout: 300_000 }, async () => {
    const [a, b] = await Promise.all([
      startChildServer(['--database-url', url, '--log-level', 'info'], {}, 30_000),
      startChildServer([], { DATABASE_URL: url, LOG_LEVEL: 'info' }, 30_000),
    ]);
    running.push(a, b);

    const writer = yClient(a.wsUrl, NAME);
    await synced(writer, 20_000);
    paragraph(writer.doc, 'first draft');
    const watcher = yClient(a.wsUrl, NAME);
    await synced(watcher, 20_000);
    await waitFor(() => watcher.doc.getXmlFragment('default').length === 1, 'the first version to be relayed', 20_000);
    paragraph(writer.doc, 'second part');
    await waitFor(() => watcher.doc.getXmlFragment('default').length === 2, 'the second version to be relayed', 20_000);
    writer.destroy();

    // A client of the other server loads what the first committed.
    const reader = yClient(b.wsUrl, NAME);
    await synced(reader, 20_000);
    expect(reader.doc.getXmlFragment('default').length).toBe(2);
    reader.destroy();
    b.process.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    const docs = await tandem(['docs', '--json'], { DATABASE_URL: url });
    expect(docs.code).toBe(0);
    expect(JSON.parse(docs.stdout)).toMatchObject({ docs: [{ name: NAME, records: 2 }] });
    const history = await tandem(['history', NAME, '--json', '--database-url', url]);
    expect(JSON.parse(history.stdout)).toMatchObject({ name: NAME, records: 2 });
    expect((await tandem(['export', NAME, '--format', 'text', '--at', '1', '--database-url', url])).stdout).toBe('first draft\n');
    expect((await tandem(['export', NAME, '--format', 'text', '--database-url', url])).stdout).toBe('first draft\n\nsecond part\n');
    const verified = await tandem(['verify', '--database-url', url]);
    expect(verified.stdout).toContain('verified 1 documents: no damage');
    expect(verified.code).toBe(0);

    const restored = await tandem(['restore', NAME, '--at', '1', '--database-url', url]);
    expect(restored.stdout).toContain(`through the server at ${a.httpUrl}`);
    expect(restored.code).toBe(0);
    await waitFor(() => watcher.doc.getXmlFragment('default').length === 1, 'the restore to reach the connected client', 20_000);
    watcher.destroy();
    a.process.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    for (const child of [a, b]) expect(child.output()).not.toContain(PASSWORD);
    expect(a.output()).toContain('tandem:***@127.0.0.1');

    // No server: restore writes to the database itself; verify reports a record gone missing.
    const offline = await tandem(['restore', NAME, '--at', '2', '--database-url', url]);
    expect(offline.stdout).toContain('now current as seq 4');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query('DELETE FROM tandem_records WHERE seq = 2');
    await db.end();
    const damaged = await tandem(['verify', '--database-url', url]);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(/records 2–2 are missing/);
    const unreachable = await tandem(['docs', '--database-url', `postgres://tandem:${PASSWORD}@127.0.0.1:1/none`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the database postgres://tandem:***@127.0.0.1:1/none');
  });

  it('waits at startup for a database that is not up yet, up to --database-wait-ms', { timeout: 120_000 }, async () => {
    const label = url.replace(PASSWORD, '***');
    await cluster.stop('fast');
    // Not up within the wait: each attempt logged, then a clear message and exit code 1.
    const gaveUp = await tandem(['serve', '--port', '0', '--database-url', url, '--database-wait-ms', '1000']);
    expect(gaveUp.code).toBe(1);
    expect(gaveUp.stderr).toContain(`cannot reach the database ${label} within 1 s`);
    expect(gaveUp.stderr).toContain('wait longer for it with --database-wait-ms');
    expect(gaveUp.stdout).toContain('database not reachable yet');
    expect(gaveUp.stdout).toContain(label);

    // Up while the server waits: it comes up by itself.
    let output = '';
    const starting = startChildServer(['--database-url', url], {}, 90_000, (o) => (output = o));
    await waitFor(() => output.includes('database not reachable yet'), 'a first attempt to reach the database', 60_000);
    await cluster.startServer();
    const server = await starting;
    running.push(server);
    expect((await fetch(`${server.httpUrl}/healthz`, { signal: AbortSignal.timeout(DEADLINE_MS) })).status).toBe(200);
    expect(server.output()).toContain('database reachable');
    expect(server.output()).not.toContain(PASSWORD);
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // A database that refuses the server is not waited for.
    const refused = await tandem(['serve', '--port', '0', '--database-url', url.replace(/\/\w+$/, '/no_such_db')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot use the database postgres:\/\/tandem:\*\*\*@127\.0\.0\.1:\d+\/no_such_db: database "no_such_db" does not exist/);
    expect(refused.stdout).not.toContain('not reachable yet');
  });
});
