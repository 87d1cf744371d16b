/**
 * Servers using a database, so that commands run elsewhere can find one: `tandem restore`
 * goes through a running server (connected clients see the restore at once), as it does with
 * a data dir's lock file. A server adds its row once it listens, refreshes it every
 * `HEARTBEAT_S` and removes it when it stops; a crashed server's row goes stale and is cleared.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Database } from './database.js';
import { CLEAR_STALE_SERVERS, LIVE_SERVERS, REGISTER_SERVER, SERVER_SEEN, UNREGISTER_SERVER } from './sql.js';

const HEARTBEAT_S = 10;
/** A row not refreshed for this long belongs to a server that is gone. */
const STALE_S = 3 * HEARTBEAT_S;

export interface LiveServer {
  url: string;
  pid: number;
  host: string;
}

export class ServerRegistration {
  private readonly id = randomUUID();
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly db: Database) {}

  /** Adds this server (listening at `url`) to the database's list of live servers. */
  static async register(db: Database, url: string, onError: (error: unknown) => void): Promise<ServerRegistration> {
    const registration = new ServerRegistration(db);
    await db.pool.query(CLEAR_STALE_SERVERS, [STALE_S]);
    await db.pool.query(REGISTER_SERVER, [registration.id, url, process.pid, hostname()]);
    registration.timer = setInterval(() => {
      // Missed beats during an outage are harmless: the row is refreshed once the database is back.
      db.pool.query(SERVER_SEEN, [registration.id]).catch(onError);
    }, HEARTBEAT_S * 1000);
    registration.timer.unref();
    return registration;
  }

  /** Removes the row. Idempotent; a failure leaves a row that goes stale. */
  async unregister(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    await this.db.pool.query(UNREGISTER_SERVER, [this.id]);
  }
}

/** Servers that refreshed their row recently, most recent first. */
export async function liveServers(db: Database): Promise<LiveServer[]> {
  return (await db.pool.query<LiveServer>(LIVE_SERVERS, [STALE_S])).rows;
}
