/**
 * Many clients open one large document at once (a meeting starts, everyone clicks the link).
 *
 * A seeder uploads the document; a probe checks the server holds it, then a one-character edit
 * makes sure no reply the probe's join may have cached is reused, so every server starts from
 * the same state. Then all joiners connect together; each one's time runs from the start to
 * the arrival of its sync step 2. Replies are applied only after all arrived (see
 * `deferSyncApply`), and then checked against the seeder's document.
 */
import * as Y from 'yjs';
import { ClientPool } from './client-pool.js';
import { buildLargeDoc } from './large-doc.js';
import { readCpuSeconds } from './proc-sampler.js';
import { SampleSet } from './sample-set.js';
import type { GeneratorJob, JoinResult, JoinScenario } from './scenario.js';
import { until } from './traffic-scenario.js';

const fingerprint = (doc: Y.Doc): string => doc.getXmlFragment('default').toString();

export async function runJoin(job: GeneratorJob, scenario: JoinScenario): Promise<JoinResult> {
  const pool = new ClientPool({ baseUrl: job.baseUrl, protocol: job.protocol, connectConcurrency: job.connectConcurrency, connectTimeoutMs: 60_000 });
  const room = `bench-${job.seed}-large`;
  const state = buildLargeDoc(scenario.docBytes, job.seed);

  const seeder = pool.create(room, { applyRemote: true, presence: false });
  await pool.connect([seeder]);
  Y.applyUpdate(seeder.doc, state);
  const seeded = fingerprint(seeder.doc);

  const probe = pool.create(room, { applyRemote: true, presence: false });
  await pool.connect([probe]);
  const ok = await until(() => fingerprint(probe.doc) === seeded, 30_000);
  if (!ok) throw new Error('the server did not take the large document');
  seeder.text.insert(0, 'x');
  if (!(await until(() => probe.text.length === 1, 10_000))) throw new Error('the server did not relay the edit after seeding');
  probe.close();
  const expected = fingerprint(seeder.doc);
  await new Promise((r) => setTimeout(r, 300));

  const joiners = Array.from({ length: scenario.joiners }, () => pool.create(room, { applyRemote: true, presence: false, deferSyncApply: true }));
  const cpu0 = readCpuSeconds(job.serverPid);
  const started = performance.now();
  const connect = await pool.connect(joiners, joiners.length);
  const allSyncedMs = Math.max(...joiners.map((j) => (j.synced ? j.syncedAt - started : NaN)));
  const serverCpuSeconds = readCpuSeconds(job.serverPid) - cpu0;
  const syncMs = new SampleSet();
  const openMs = new SampleSet();
  for (const j of joiners) {
    if (j.synced) syncMs.add(j.syncedAt - started);
    if (j.openedAt > 0) openMs.add(j.openedAt - started);
  }

  for (const j of joiners) j.applyDeferred();
  const correct = joiners.every((j) => j.synced && fingerprint(j.doc) === expected && j.text.toString() === 'x');
  pool.closeAll();
  return {
    kind: 'join',
    docBytes: state.byteLength,
    joiners: scenario.joiners,
    allSyncedMs: connect.clients === joiners.length ? allSyncedMs : NaN,
    syncMs: syncMs.distribution(),
    openMs: openMs.distribution(),
    serverCpuSeconds,
    correct,
    errors: pool.arrivals.errors.summary(),
  };
}
