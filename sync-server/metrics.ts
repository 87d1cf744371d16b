/**
 * Prometheus metrics for one server instance. Each server has its own registry so several
 * servers in one process (tests, benchmarks) never share or collide on counters.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  connections: Gauge;
  rooms: Gauge;
  messagesIn: Counter<'type'>;
  messagesOut: Counter;
  bytesIn: Counter;
  bytesOut: Counter;
  closes: Counter<'code'>;
  upgradesRefused: Counter<'status'>;
  apiRefused: Counter<'status'>;
  storeHealthy: Gauge;
}

/** How often the event loop's delay is sampled (nodejs_eventloop_lag_*). */
const EVENT_LOOP_SAMPLE_MS = 100;

/** `nodeId`: in a cluster, every series is labelled `node` with it (null: no label). */
export function createMetrics(sample: { connections(): number; rooms(): number; storeHealthy(): boolean }, nodeId: string | null = null): ServerMetrics {
  const registry = new Registry();
  if (nodeId !== null) registry.setDefaultLabels({ node: nodeId });
  // Includes nodejs_eventloop_lag_* (from perf_hooks.monitorEventLoopDelay), heap and CPU. The
  // loop's delay is sampled by a timer: prom-client's default (every 10 ms) wakes an idle server
  // a hundred times a second, about 6 ms of CPU a second for nothing; a stall that matters (one
  // that delays relays or drops a cluster node out of its groups) lasts far longer than 100 ms.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return {
    registry,
    connections: new Gauge({
      name: 'tandem_connections', help: 'Open WebSocket connections', registers: [registry],
      collect() { this.set(sample.connections()); },
    }),
    rooms: new Gauge({
      name: 'tandem_rooms', help: 'Documents loaded in memory', registers: [registry],
      collect() { this.set(sample.rooms()); },
    }),
    messagesIn: new Counter({ name: 'tandem_messages_in_total', help: 'Messages received, by type', labelNames: ['type'], registers: [registry] }),
    messagesOut: new Counter({ name: 'tandem_messages_out_total', help: 'Messages sent', registers: [registry] }),
    bytesIn: new Counter({ name: 'tandem_bytes_in_total', help: 'WebSocket payload bytes received', registers: [registry] }),
    bytesOut: new Counter({ name: 'tandem_bytes_out_total', help: 'WebSocket payload bytes sent', registers: [registry] }),
    closes: new Counter({ name: 'tandem_connection_closes_total', help: 'Connections closed, by close code', labelNames: ['code'], registers: [registry] }),
    upgradesRefused: new Counter({ name: 'tandem_upgrades_refused_total', help: 'WebSocket upgrades refused, by HTTP status', labelNames: ['status'], registers: [registry] }),
    apiRefused: new Counter({ name: 'tandem_api_requests_refused_total', help: '/api requests refused before reaching a route (origin, content type, token), by HTTP status', labelNames: ['status'], registers: [registry] }),
    storeHealthy: new Gauge({
      name: 'tandem_store_healthy', help: '1 when the store writes successfully, 0 while it retries failed writes', registers: [registry],
      collect() { this.set(sample.storeHealthy() ? 1 : 0); },
    }),
  };
}
