/**
 * The server's answer to "who wrote the text now" (authorship-json.ts), indexed for lookups by
 * Yjs id: per client, its runs sorted by clock.
 */
import type { Authorship, AuthorshipRun } from '../../../document-schema/diff/authorship-json.js';
import type { DiffAuthor } from '../../../document-schema/diff/diff-tree.js';

export interface AuthorshipIndex {
  authors: DiffAuthor[];
  /** `[clock, clock + length)` of `client` cut at run boundaries: each piece with its run, or null where the answer has none. */
  segments(client: number, clock: number, length: number, each: (from: number, to: number, run: AuthorshipRun | null) => void): void;
  /** The author id whose text a client wrote (its first run's), for matching people present to authors. */
  authorOfClient(client: number): string | null | undefined;
}

export function indexAuthorship(answer: Authorship): AuthorshipIndex {
  const byClient = new Map<number, AuthorshipRun[]>();
  for (const run of answer.runs) {
    let runs = byClient.get(run[0]);
    if (!runs) byClient.set(run[0], (runs = []));
    runs.push(run);
  }
  for (const runs of byClient.values()) runs.sort((a, b) => a[1] - b[1]);

  const firstEndingAfter = (runs: AuthorshipRun[], clock: number): number => {
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const run = runs[mid] as AuthorshipRun;
      if (run[1] + run[2] > clock) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };

  return {
    authors: answer.authors,
    segments(client, clock, length, each) {
      const runs = byClient.get(client) ?? [];
      const end = clock + length;
      let from = clock;
      for (let i = firstEndingAfter(runs, clock); from < end; i++) {
        const run = runs[i];
        if (!run || run[1] >= end) break;
        if (run[1] > from) {
          each(from, run[1], null);
          from = run[1];
        }
        const to = Math.min(end, run[1] + run[2]);
        each(from, to, run);
        from = to;
      }
      if (from < end) each(from, end, null);
    },
    authorOfClient(client) {
      const run = byClient.get(client)?.[0];
      return run ? (answer.authors[run[3]]?.id ?? null) : undefined;
    },
  };
}
