/**
 * Preloaded into every server the bench starts (`--expose-gc --import ./bench/peers/gc-probe.mjs`).
 * On SIGUSR2 it runs a full garbage collection and writes the process's memory usage to the file
 * named by TANDEM_BENCH_MEMORY_REPORT, so memory per connection is read from live objects rather
 * than from whatever garbage the last collection happened to leave. It changes nothing else.
 *
 * Plain JavaScript: Tandem is benchmarked as built (`dist/`, what `npm start` runs), without the
 * TypeScript loader the peers' small wrappers need.
 */
import { renameSync, writeFileSync } from 'node:fs';

const target = process.env.TANDEM_BENCH_MEMORY_REPORT;
/** @type {(() => void) | undefined} */
const gc = globalThis.gc;
if (target && gc) {
  process.on('SIGUSR2', () => {
    gc();
    const usage = process.memoryUsage();
    writeFileSync(`${target}.tmp`, JSON.stringify({ at: Date.now(), ...usage }));
    renameSync(`${target}.tmp`, target);
  });
}
