/**
 * `taskset -c 0 node --import tsx bench/store-wait.ts [appends/s=2000] [documents=100] [seconds=8] [--journal false] [--copy-ms N]`:
 * how long an append waits to be durable in the file store itself, no server or sockets:
 * appends arrive at a steady rate spread over many documents (as edits do at 100 rooms × 4),
 * and the wait from `append` to its resolution is reported as p50/p95/p99/p99.9/max. Put next
 * to `bench/disk-commit.ts` (the disk's own tail), it shows where the durable path's tail is made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FileStore } from '../persistence/file/file-store.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { journal: { type: 'string', default: 'true' }, 'copy-ms': { type: 'string', default: '5000' } },
});
const [rate = 2000, documents = 100, seconds = 8] = positionals.map(Number);
const dir = mkdtempSync(path.join(tmpdir(), 'tandem-store-wait-'));
const store = new FileStore(dir, { journal: values.journal !== 'false', journalFlushMs: Number(values['copy-ms']) });
try {
  await store.ready();
  // Every document's log exists before the measured window, as on a server that ran a while.
  for (let d = 0; d < documents; d += 1) await store.append(`doc-${d}`, new Uint8Array(60).fill(1), { author: 'bench' });
  await new Promise((r) => setTimeout(r, 1000));
  const waits: number[] = [];
  let sent = 0;
  const started = performance.now();
  while (performance.now() < started + seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent += 1) {
      const at = performance.now();
      void store.append(`doc-${sent % documents}`, new Uint8Array(60).fill(2), { author: 'bench' }).then(() => waits.push(performance.now() - at));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await store.flush();
  waits.sort((a, b) => a - b);
  const ms = (q: number): string => (waits[Math.floor(q * (waits.length - 1))] ?? NaN).toFixed(2);
  process.stdout.write(
    `${values.journal !== 'false' ? 'journal' : 'a log per document'}, copy every ${values['copy-ms']} ms: ${waits.length} appends, ` +
      `wait p50 ${ms(0.5)} ms, p95 ${ms(0.95)}, p99 ${ms(0.99)}, p99.9 ${ms(0.999)}, max ${ms(1)}\n`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
