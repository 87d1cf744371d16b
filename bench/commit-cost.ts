/**
 * `node --import tsx bench/commit-cost.ts [appends/s] [documents] [seconds]`: what durable group
 * commit costs per append, for several ways of doing the I/O, in isolation from the server.
 *
 * Appends of ~60-byte records arrive at a steady rate spread over many documents, as edits do
 * at 100 rooms × 4 clients; a commit loop writes whatever is pending, syncs it and starts over.
 * Reported per pattern: process CPU per append (all threads, so the libuv pool's fsync work
 * counts), syncs per second and the mean wait from append to durable. Run it pinned to one core
 * (`taskset -c 0`) to match how the bench runs servers.
 */
import { constants, promises as fsp, closeSync, fdatasync, fdatasyncSync, mkdtempSync, openSync, rmSync, write, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

type Commit = (batches: Map<number, Buffer[]>) => Promise<number>;

interface Pattern {
  name: string;
  open(dir: string, documents: number): Promise<{ commit: Commit; close(): Promise<void> }>;
}

const concat = (records: Buffer[]): Buffer => (records.length === 1 ? (records[0] ?? Buffer.alloc(0)) : Buffer.concat(records));
const all = (batches: Map<number, Buffer[]>): Buffer => concat([...batches.values()].flat());

const writeCb = (fd: number, data: Buffer): Promise<void> =>
  new Promise((resolve, reject) => write(fd, data, (error) => (error ? reject(error) : resolve())));
const syncCb = (fd: number): Promise<void> => new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));

/** One shared log synced at most once per `intervalMs`: fewer syncs for a little more latency. */
const paced = (intervalMs: number): Pattern => ({
  name: `one shared log, callback fs, at most one fdatasync per ${intervalMs} ms`,
  async open(dir) {
    const fd = openSync(path.join(dir, 'shared.log'), 'a');
    let last = 0;
    return {
      commit: async (batches) => {
        // Timers may fire up to a millisecond early by performance.now(): wait until it is time.
        while (performance.now() < last + intervalMs) await new Promise((r) => setTimeout(r, Math.max(1, last + intervalMs - performance.now())));
        last = performance.now();
        await writeCb(fd, all(batches));
        await syncCb(fd);
        return 1;
      },
      close: async () => closeSync(fd),
    };
  },
});

const PATTERNS: Pattern[] = [
  {
    name: 'no I/O at all (what the arrival loop itself costs)',
    async open() {
      return { commit: async () => 0, close: async () => undefined };
    },
  },
  {
    name: 'one log per document, fs/promises, write + fdatasync per touched document (--journal false)',
    async open(dir, documents) {
      const handles = await Promise.all(Array.from({ length: documents }, (_, i) => fsp.open(path.join(dir, `doc-${i}.log`), 'a')));
      return {
        commit: async (batches) => {
          await Promise.all([...batches].map(async ([doc, records]) => {
            const handle = handles[doc];
            if (!handle) return;
            await handle.write(concat(records));
            await handle.datasync();
          }));
          return batches.size;
        },
        close: async () => void (await Promise.all(handles.map((h) => h.close()))),
      };
    },
  },
  {
    name: 'one shared log, fs/promises, write + fdatasync per cycle',
    async open(dir) {
      const handle = await fsp.open(path.join(dir, 'shared.log'), 'a');
      return {
        commit: async (batches) => {
          await handle.write(all(batches));
          await handle.datasync();
          return 1;
        },
        close: () => handle.close(),
      };
    },
  },
  {
    name: 'one shared log, callback fs, write + fdatasync per cycle',
    async open(dir) {
      const fd = openSync(path.join(dir, 'shared.log'), 'a');
      return {
        commit: async (batches) => {
          await writeCb(fd, all(batches));
          await syncCb(fd);
          return 1;
        },
        close: async () => closeSync(fd),
      };
    },
  },
  {
    name: 'one shared log opened O_DSYNC, one write per cycle',
    async open(dir) {
      const fd = openSync(path.join(dir, 'shared.log'), constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC);
      return {
        commit: async (batches) => {
          await writeCb(fd, all(batches));
          return 1;
        },
        close: async () => closeSync(fd),
      };
    },
  },
  {
    name: 'one shared log opened O_DSYNC and preallocated (as the journal), one write per cycle',
    async open(dir) {
      const fd = openSync(path.join(dir, 'journal.log'), constants.O_WRONLY | constants.O_CREAT | constants.O_DSYNC);
      // Written inside the file's size, a write needs no size change on disk.
      const zeros = Buffer.alloc(1024 * 1024);
      for (let at = 0; at < 16; at += 1) writeSync(fd, zeros, 0, zeros.length, at * zeros.length);
      let end = 0;
      return {
        commit: async (batches) => {
          const bytes = all(batches);
          await new Promise<void>((resolve, reject) => write(fd, bytes, 0, bytes.length, end, (error) => (error ? reject(error) : resolve())));
          end += bytes.length;
          return 1;
        },
        close: async () => closeSync(fd),
      };
    },
  },
  paced(1),
  paced(2),
  {
    name: 'one shared log, writeSync + fdatasyncSync on the main thread',
    async open(dir) {
      const fd = openSync(path.join(dir, 'shared.log'), 'a');
      return {
        commit: async (batches) => {
          writeSync(fd, all(batches));
          fdatasyncSync(fd);
          return 1;
        },
        close: async () => closeSync(fd),
      };
    },
  },
];

async function measure(pattern: Pattern, rate: number, documents: number, seconds: number): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tandem-commit-cost-'));
  const store = await pattern.open(dir, documents);
  let pending = new Map<number, Buffer[]>();
  let waiters: Array<{ at: number }> = [];
  let running = false;
  let syncs = 0;
  let appends = 0;
  let waitSum = 0;
  let durable = 0;
  const record = Buffer.alloc(60, 7);
  const cycle = async (): Promise<void> => {
    if (running) return;
    running = true;
    while (pending.size > 0) {
      const batches = pending;
      const batchWaiters = waiters;
      pending = new Map();
      waiters = [];
      syncs += await store.commit(batches);
      const now = performance.now();
      for (const w of batchWaiters) waitSum += now - w.at;
      durable += batchWaiters.length;
    }
    running = false;
  };
  let issued = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let seed = 1;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * rate) - issued;
    for (let i = 0; i < due; i += 1) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const doc = seed % documents;
      const list = pending.get(doc) ?? [];
      list.push(record);
      pending.set(doc, list);
      waiters.push({ at: performance.now() });
      appends += 1;
    }
    issued += due;
    void cycle();
  }, 1);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(timer);
  const cpu = process.cpuUsage(cpu0);
  const elapsed = (performance.now() - start) / 1000;
  while (running) await new Promise((r) => setTimeout(r, 5));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const cpuPerAppend = ((cpu.user + cpu.system) / appends).toFixed(1);
  return `${cpuPerAppend.padStart(6)} µs CPU/append  ${(syncs / elapsed).toFixed(0).padStart(5)} syncs/s  ${(waitSum / Math.max(1, durable)).toFixed(2).padStart(6)} ms mean wait  ${pattern.name}`;
}

const rate = Number(process.argv[2] ?? 2000);
const documents = Number(process.argv[3] ?? 100);
const seconds = Number(process.argv[4] ?? 3);
process.stdout.write(`${rate} appends/s over ${documents} documents, ${seconds} s per pattern\n`);
for (const pattern of PATTERNS) process.stdout.write(`${await measure(pattern, rate, documents, seconds)}\n`);
