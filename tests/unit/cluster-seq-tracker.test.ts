import { describe, expect, it } from 'vitest';
import { SeqTracker } from '../../sync-server/cluster/seq-tracker.js';
import { prng, testSeed } from '../helpers/random.js';

const u = (seq: number): Uint8Array => new Uint8Array([seq]);
const seqsOf = (updates: Uint8Array[]): number[] => updates.map((x) => x[0] as number);

describe('which records a node has applied', () => {
  it('hands out bus records in order, holding those after a hole until it fills', () => {
    const t = new SeqTracker(10);
    expect(seqsOf(t.offer(11, u(11)))).toEqual([11]);
    expect(t.offer(13, u(13))).toEqual([]);
    expect(t.offer(14, u(14))).toEqual([]);
    expect(t.behind).toBe(true);
    expect(seqsOf(t.offer(12, u(12)))).toEqual([12, 13, 14]);
    expect(t.contiguous).toBe(14);
    expect(t.behind).toBe(false);
  });

  it('drops duplicates, and counts its own commits as applied', () => {
    const t = new SeqTracker(0);
    t.own(2);
    expect(t.behind).toBe(true);
    expect(seqsOf(t.offer(1, u(1)))).toEqual([1]);
    expect(t.contiguous).toBe(2);
    expect(t.offer(2, u(2))).toEqual([]);
    expect(t.offer(1, u(1))).toEqual([]);
    t.own(1);
    expect(t.contiguous).toBe(2);
  });

  it('fills a hole from the database: skips its own records and what the bus brought meanwhile, releases what was held', () => {
    const t = new SeqTracker(5);
    t.own(7);
    t.offer(9, u(9));
    t.heard(10);
    const records = [6, 7, 8, 9, 10].map((seq) => ({ seq, update: u(seq) }));
    expect(seqsOf(t.fill(records))).toEqual([6, 8, 9, 10]);
    expect(t.contiguous).toBe(10);
    expect(t.behind).toBe(false);
    // A stale answer (records already applied) changes nothing.
    expect(t.fill(records)).toEqual([]);
  });

  it('takes the state kept at a compaction\'s cut for every record up to it, then goes on after it', () => {
    const t = new SeqTracker(3);
    t.own(5);
    t.offer(9, u(9));
    t.offer(11, u(11));
    // Records 4..8 were compacted away: the database answers with the state at 8, then 9 on.
    const records = [{ seq: 8, update: u(80), base: true as const }, { seq: 9, update: u(9) }, { seq: 10, update: u(10) }];
    expect(seqsOf(t.fill(records))).toEqual([80, 9, 10, 11]);
    expect(t.contiguous).toBe(11);
    expect(t.behind).toBe(false);
    // Nothing up to the cut is waited for or handed out again.
    expect(t.offer(6, u(6))).toEqual([]);
    expect(t.offer(9, u(9))).toEqual([]);
  });

  it('stops at a hole in what the database returned', () => {
    const t = new SeqTracker(0);
    expect(seqsOf(t.fill([{ seq: 1, update: u(1) }, { seq: 3, update: u(3) }]))).toEqual([1]);
    expect(t.contiguous).toBe(1);
  });

  it('whatever the order records arrive in, each is handed out once and the tracker ends caught up', () => {
    const seed = testSeed();
    const random = prng(seed);
    for (let round = 0; round < 50; round += 1) {
      const t = new SeqTracker(0);
      const n = 1 + Math.floor(random() * 60);
      const seqs = Array.from({ length: n }, (_, i) => i + 1);
      const own = new Set(seqs.filter(() => random() < 0.3));
      // Every seq arrives once or twice, shuffled; own ones arrive as commits.
      const arrivals = [...seqs, ...seqs.filter(() => random() < 0.3)].sort(() => random() - 0.5);
      const out: number[] = [];
      for (const seq of arrivals) {
        if (own.has(seq)) out.push(...seqsOf(t.own(seq)));
        else out.push(...seqsOf(t.offer(seq, u(seq))));
      }
      expect(t.contiguous, `seed ${seed}`).toBe(n);
      expect(out.sort((a, b) => a - b), `seed ${seed}`).toEqual(seqs.filter((s) => !own.has(s)));
    }
  });
});
