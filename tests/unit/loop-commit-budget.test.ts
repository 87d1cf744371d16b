/**
 * When the file store's journal commits leave the event loop for the thread pool: after a
 * stall, or while they take too large a share of the loop's time — not for a single commit
 * that is merely slower than usual. Timestamps are given, so nothing here depends on the clock.
 */
import { describe, expect, it } from 'vitest';
import { LoopCommitBudget } from '../../persistence/file/loop-commit-budget.js';

const options = { stallMs: 5, maxShare: 0.3, windowMs: 250, holdMs: 2000 };

/** Commits of `tookMs` every `everyMs` from `from` until `until`; returns when the last ended. */
function commits(budget: LoopCommitBudget, from: number, until: number, everyMs: number, tookMs: number): number {
  let at = from;
  for (; at + tookMs <= until; at += everyMs) budget.onLoop(at, at + tookMs);
  return at - everyMs + tookMs;
}

describe('the loop commit budget', () => {
  it('keeps commits on the loop while they are quick and a modest share of its time', () => {
    const budget = new LoopCommitBudget(options);
    // 800 commits a second of 0.2 ms each: 16% of the loop.
    const end = commits(budget, 0, 10_000, 1.25, 0.2);
    expect(budget.offLoop(end)).toBe(false);
  });

  it('shrugs off a single commit a few times slower than usual', () => {
    const budget = new LoopCommitBudget(options);
    let end = commits(budget, 0, 1000, 1.25, 0.2);
    budget.onLoop(end + 1, end + 4);
    end = commits(budget, end + 5, 2000, 1.25, 0.2);
    expect(budget.offLoop(end)).toBe(false);
  });

  it('moves commits off the loop after a stall, for the hold time', () => {
    const budget = new LoopCommitBudget(options);
    budget.onLoop(100, 130);
    expect(budget.offLoop(131)).toBe(true);
    expect(budget.offLoop(130 + 1999)).toBe(true);
    expect(budget.offLoop(130 + 2001)).toBe(false);
  });

  it('moves them off once they fill too much of the loop, however quick each one is', () => {
    const budget = new LoopCommitBudget(options);
    // 1 ms commits back to back every 2 ms: half the loop.
    let movedAt = -1;
    for (let at = 0; at < 1000 && movedAt < 0; at += 2) {
      budget.onLoop(at, at + 1);
      if (budget.offLoop(at + 1)) movedAt = at + 1;
    }
    expect(movedAt).toBeGreaterThan(0);
  });

  it('keeps them in the pool while pooled commits stall, and lets them back once they do not', () => {
    const budget = new LoopCommitBudget(options);
    budget.onLoop(0, 10);
    budget.pooled(1000, 1020);
    expect(budget.offLoop(1020 + 1500)).toBe(true);
    // A pooled commit that is only slowish (its time includes the pool's round trip) does not extend the hold.
    budget.pooled(2500, 2503);
    expect(budget.offLoop(3021)).toBe(false);
  });

  it('judges the share afresh when commits come back to the loop', () => {
    const budget = new LoopCommitBudget(options);
    commits(budget, 0, 200, 2, 1.2);
    expect(budget.offLoop(200)).toBe(true);
    // Back after the hold: one ordinary commit does not send them off again.
    budget.onLoop(5000, 5000.2);
    expect(budget.offLoop(5000.2)).toBe(false);
  });
});
