/** The CPUs this process may run on (its affinity), to pin server and generator apart. */
import { readFileSync } from 'node:fs';

export function allowedCpus(): number[] {
  try {
    const match = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!match?.[1]) return [];
    const cpus: number[] = [];
    for (const part of match[1].trim().split(',')) {
      const [from, to] = part.split('-').map(Number);
      if (from === undefined || !Number.isInteger(from)) continue;
      for (let cpu = from; cpu <= (to ?? from); cpu += 1) cpus.push(cpu);
    }
    return cpus;
  } catch {
    return [];
  }
}

/** Two distinct CPUs for the server and the load generator, or null when there are fewer. */
export function pinningPlan(): { server: number; generator: number } | null {
  const [server, generator] = allowedCpus();
  return server !== undefined && generator !== undefined ? { server, generator } : null;
}
