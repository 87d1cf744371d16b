/** What a cluster node adds to `/metrics` (the server's registry; every series is labelled with the node id). */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BusMessageKind } from './bus-message.js';

/** Why a document was read back from the database. */
export type CatchUpReason = 'open' | 'gap' | 'reconnect' | 'peer' | 'check';

export interface ClusterMetrics {
  published: Counter<'kind'>;
  publishFailed: Counter;
  received: Counter<'kind'>;
  malformed: Counter;
  catchUps: Counter<'reason'>;
  catchUpRecords: Counter;
}

export function createClusterMetrics(registry: Registry, sample: { busUp(): boolean; sharedDocuments(): number; otherNodes(): number }): ClusterMetrics {
  new Gauge({
    name: 'tandem_bus_up', help: '1 while this node is connected to Redis, 0 while it serves its clients alone', registers: [registry],
    collect() { this.set(sample.busUp() ? 1 : 0); },
  });
  new Gauge({
    name: 'tandem_cluster_shared_documents', help: 'Documents open here that other nodes have open too (their updates cross the bus)', registers: [registry],
    collect() { this.set(sample.sharedDocuments()); },
  });
  new Gauge({
    name: 'tandem_cluster_other_nodes', help: 'Other nodes sharing at least one open document with this one', registers: [registry],
    collect() { this.set(sample.otherNodes()); },
  });
  const kinds: BusMessageKind[] = ['record', 'recordRef', 'presence', 'hello', 'here', 'bye'];
  const published = new Counter({ name: 'tandem_bus_published_total', help: 'Messages published to other nodes, by kind', labelNames: ['kind'], registers: [registry] });
  const received = new Counter({ name: 'tandem_bus_received_total', help: 'Messages received from other nodes, by kind', labelNames: ['kind'], registers: [registry] });
  for (const kind of kinds) {
    published.inc({ kind }, 0);
    received.inc({ kind }, 0);
  }
  const catchUps = new Counter({
    name: 'tandem_cluster_catch_ups_total',
    help: 'Documents read back from the database, by reason: open, gap (a bus message missing), reconnect (to Redis), peer (another node was ahead), check (the periodic check found one behind)',
    labelNames: ['reason'], registers: [registry],
  });
  for (const reason of ['open', 'gap', 'reconnect', 'peer', 'check'] satisfies CatchUpReason[]) catchUps.inc({ reason }, 0);
  return {
    published,
    publishFailed: new Counter({ name: 'tandem_bus_publish_failures_total', help: 'Messages that could not be published (the bus was down; other nodes catch up from the database)', registers: [registry] }),
    received,
    malformed: new Counter({ name: 'tandem_bus_malformed_total', help: 'Bus messages ignored because they did not decode (another version?)', registers: [registry] }),
    catchUps,
    catchUpRecords: new Counter({ name: 'tandem_cluster_catch_up_records_total', help: 'Records read back from the database by catch-ups', registers: [registry] }),
  };
}
