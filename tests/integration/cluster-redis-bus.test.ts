/**
 * The Redis bus on a real Redis: bytes delivered as published, groups whose members lapse by
 * themselves, subscriptions that survive a Redis restart, commands Redis leaves unanswered
 * failed after their timeout (the bus down until Redis answers again), and no password in
 * anything it says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '../../sync-server/cluster/redis-bus.js';
import { freePort } from '../helpers/free-port.js';
import { RedisServer } from '../helpers/redis-server.js';
import { memoryLogger } from '../helpers/server.js';
import { sleep, waitFor } from '../helpers/wait.js';

let redis: RedisServer;
const buses: RedisBus[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  for (const bus of buses) await bus.close();
  await redis?.destroy();
});

function bus(url = redis.url, commandTimeoutMs?: number): { bus: RedisBus; logs: ReturnType<typeof memoryLogger>['logs'] } {
  const { logger, logs } = memoryLogger();
  const created = new RedisBus(url, { clientName: 'tandem:test', logger, ...(commandTimeoutMs ? { commandTimeoutMs } : {}) });
  buses.push(created);
  created.start();
  return { bus: created, logs };
}

describe('the Redis bus', () => {
  it('delivers published bytes as they were, to subscribers only', async () => {
    const { bus: a } = bus();
    const { bus: b } = bus();
    await waitFor(() => a.up && b.up, 'both to connect');
    const got: number[][] = [];
    await b.subscribe('tandem:{t}:updates', (message) => got.push([...message]));
    const bytes = new Uint8Array([0, 255, 0, 13, 10, 1]);
    await a.publish('tandem:{t}:updates', bytes);
    await a.publish('tandem:{other}:updates', new Uint8Array([9]));
    await waitFor(() => got.length === 1, 'the message');
    expect(got).toEqual([[...bytes]]);
    await b.unsubscribe('tandem:{t}:updates');
    await a.publish('tandem:{t}:updates', bytes);
    await sleep(200);
    expect(got).toHaveLength(1);
  });

  it('keeps a member in a group for its lifetime after its last join', async () => {
    const { bus: a } = bus();
    await waitFor(() => a.up, 'to connect');
    expect(await a.join('tandem:{g}:nodes', 'n1', 60_000)).toEqual(['n1']);
    expect((await a.join('tandem:{g}:nodes', 'n2', 300)).sort()).toEqual(['n1', 'n2']);
    await sleep(400);
    expect(await a.join('tandem:{g}:nodes', 'n1', 60_000)).toEqual(['n1']);
    await a.leave('tandem:{g}:nodes', 'n1');
    expect(await a.join('tandem:{g}:nodes', 'n3', 60_000)).toEqual(['n3']);
  });

  it('goes down with Redis, refuses to publish meanwhile, and comes back subscribed', async () => {
    const { bus: a, logs } = bus();
    const { bus: b } = bus();
    await waitFor(() => a.up && b.up, 'both to connect');
    const statuses: boolean[] = [];
    b.onStatus((up) => statuses.push(up));
    const got: number[] = [];
    await b.subscribe('tandem:{r}:updates', (message) => got.push(message[0] ?? -1));

    await redis.kill();
    await waitFor(() => !a.up && !b.up, 'both to see Redis gone');
    expect(b.downReason).toContain(`cannot reach Redis at ${redis.url}`);
    await expect(a.publish('tandem:{r}:updates', new Uint8Array([1]))).rejects.toThrow();
    expect(logs.some((l) => l.msg.startsWith('lost Redis'))).toBe(true);

    await redis.startServer();
    await waitFor(() => a.up && b.up, 'both to reconnect');
    expect(statuses).toEqual([false, true]);
    await a.publish('tandem:{r}:updates', new Uint8Array([2]));
    await waitFor(() => got.includes(2), 'delivery on the subscription made before the restart');
  });

  it('fails a publish, join or leave that Redis leaves unanswered, is down meanwhile, and comes back once it answers again', async () => {
    const { bus: a, logs } = bus(redis.url, 200);
    await waitFor(() => a.up, 'to connect');
    const statuses: boolean[] = [];
    a.onStatus((up) => statuses.push(up));
    const pid = redis.pid;
    if (pid === null) throw new Error('Redis has no pid');
    // Stopped, not gone: the connection stays open and nothing is answered.
    process.kill(pid, 'SIGSTOP');
    try {
      await expect(a.publish('tandem:{s}:updates', new Uint8Array([1]))).rejects.toThrow('Redis did not answer within 200 ms');
      // The connection is open, but the bus is down: the node reports it, and catches up when it is back.
      expect(a.up).toBe(false);
      expect(a.downReason).toContain('Redis did not answer within 200 ms');
      expect(logs.some((l) => l.msg.startsWith('lost Redis'))).toBe(true);
      await expect(a.join('tandem:{s}:nodes', 'n1', 60_000)).rejects.toThrow('Redis did not answer within 200 ms');
      await expect(a.leave('tandem:{s}:nodes', 'n1')).rejects.toThrow('Redis did not answer within 200 ms');
      expect(a.up).toBe(false);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(() => a.up, 'the bus to be up once Redis answers');
    expect(statuses).toEqual([false, true]);
    // The commands failed here are answered late and ignored; new ones are answered.
    expect(await a.join('tandem:{s}:nodes', 'n2', 60_000)).toContain('n2');
    await a.publish('tandem:{s}:updates', new Uint8Array([2]));
  });

  it('never shows the password of its URL', async () => {
    const port = await freePort();
    const { bus: hidden, logs } = bus(`redis://:hunter2@127.0.0.1:${port}`);
    await waitFor(() => logs.length > 0 && hidden.downReason !== null, 'the failure to be reported');
    expect(hidden.label).toBe(`redis://:***@127.0.0.1:${port}`);
    expect(hidden.downReason).toContain('ECONNREFUSED');
    expect(JSON.stringify(logs) + String(hidden.downReason)).not.toContain('hunter2');
  });
});
