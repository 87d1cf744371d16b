/**
 * The simulated clients of one run: how they connect (bounded concurrency, so a burst of
 * thousands of connects does not overflow the server's accept backlog), where their arrivals
 * are recorded, and what went wrong.
 */
import { DeliveryRecorder } from './delivery-recorder.js';
import { scanMarkers } from './marker.js';
import { SampleSet } from './sample-set.js';
import type { ConnectStats, ErrorSummary } from './scenario.js';
import { SimClient, type ArrivalSink, type SimClientOptions } from './sim-client.js';
import type { WireProtocol } from './wire.js';

export class ErrorLog {
  private readonly counts = new Map<string, number>();
  private total = 0;

  add(message: string): void {
    this.total += 1;
    // Strip client numbers so one failure mode is counted once.
    const key = message.replace(/\d+/g, 'N');
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  summary(): ErrorSummary {
    const top = [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([message, count]) => ({ message, count }));
    return { count: this.total, top };
  }
}

/** Routes what clients receive to the edit and cursor recorders. */
export class Arrivals implements ArrivalSink {
  readonly edits = new DeliveryRecorder();
  readonly cursors = new DeliveryRecorder();
  readonly errors = new ErrorLog();

  update(client: SimClient, payload: Uint8Array, at: number): void {
    scanMarkers(payload, (id) => this.edits.arrived(id, client.index, at));
  }

  awareness(client: SimClient, payload: Uint8Array, at: number): void {
    scanMarkers(payload, (id) => this.cursors.arrived(id, client.index, at));
  }

  error(client: SimClient, what: string): void {
    this.errors.add(`${client.room}: ${what}`);
  }
}

export interface PoolOptions {
  baseUrl: string;
  protocol: WireProtocol;
  connectConcurrency: number;
  connectTimeoutMs: number;
}

export class ClientPool {
  readonly arrivals = new Arrivals();
  readonly clients: SimClient[] = [];

  constructor(private readonly options: PoolOptions) {}

  create(room: string, extra: Pick<SimClientOptions, 'applyRemote' | 'presence'> & Partial<Pick<SimClientOptions, 'baseUrl'>> & { deferSyncApply?: boolean }): SimClient {
    const client = new SimClient(this.clients.length, room, {
      baseUrl: this.options.baseUrl,
      protocol: this.options.protocol,
      sink: this.arrivals,
      deferSyncApply: false,
      ...extra,
    });
    this.clients.push(client);
    return client;
  }

  /** Connects `clients` with at most `concurrency` handshakes in flight; failures are logged. */
  async connect(clients: readonly SimClient[], concurrency = this.options.connectConcurrency): Promise<ConnectStats> {
    const started = performance.now();
    const syncMs = new SampleSet();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < clients.length) {
        const client = clients[next];
        next += 1;
        if (!client) continue;
        try {
          await client.connect(this.options.connectTimeoutMs);
          syncMs.add(client.syncedAt - client.connectStartedAt);
        } catch (error) {
          this.arrivals.errors.add(`connect failed: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, clients.length)) }, worker));
    return { clients: clients.length, wallMs: performance.now() - started, syncMs: syncMs.distribution() };
  }

  closeAll(): void {
    for (const client of this.clients) client.close();
  }
}
