/**
 * What a bench node says about its bus traffic, read from its `/metrics` before and after a
 * run: messages published and received by kind, and documents read back from the database by
 * reason. The difference is the run's (its connects, warm-up, window and drain).
 */

export interface BusCounts {
  published: Record<string, number>;
  received: Record<string, number>;
  catchUps: Record<string, number>;
}

const SERIES: Record<string, { field: keyof BusCounts; label: string }> = {
  tandem_bus_published_total: { field: 'published', label: 'kind' },
  tandem_bus_received_total: { field: 'received', label: 'kind' },
  tandem_cluster_catch_ups_total: { field: 'catchUps', label: 'reason' },
};

/** Parses the counters above out of Prometheus text. */
export function parseBusCounts(text: string): BusCounts {
  const counts: BusCounts = { published: {}, received: {}, catchUps: {} };
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    const series = match ? SERIES[match[1] ?? ''] : undefined;
    if (!match || !series) continue;
    const label = new RegExp(`(?:^|,)${series.label}="([^"]*)"`).exec(match[2] ?? '')?.[1];
    if (label !== undefined) counts[series.field][label] = Number(match[3]);
  }
  return counts;
}

export async function readBusCounts(nodeUrl: string): Promise<BusCounts> {
  const response = await fetch(new URL('/metrics', nodeUrl));
  if (!response.ok) throw new Error(`${nodeUrl}/metrics answered ${response.status}`);
  return parseBusCounts(await response.text());
}

/** `after - before`, field by field. */
export function busCountsBetween(before: BusCounts, after: BusCounts): BusCounts {
  const minus = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]));
  return {
    published: minus(after.published, before.published),
    received: minus(after.received, before.received),
    catchUps: minus(after.catchUps, before.catchUps),
  };
}

export const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
