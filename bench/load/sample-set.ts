/** A growable list of float samples and the distribution the reports need. */

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export const emptyDistribution = (): Distribution => ({ count: 0, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN });

export class SampleSet {
  private values = new Float64Array(1024);
  private length = 0;

  add(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length] = value;
    this.length += 1;
  }

  clear(): void {
    this.length = 0;
  }

  get count(): number {
    return this.length;
  }

  distribution(): Distribution {
    if (this.length === 0) return emptyDistribution();
    const sorted = this.values.slice(0, this.length).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    // Nearest-rank percentiles: the value below which the given share of samples falls.
    const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
    return {
      count: sorted.length,
      mean: sum / sorted.length,
      p50: rank(0.5),
      p95: rank(0.95),
      p99: rank(0.99),
      max: sorted[sorted.length - 1] ?? NaN,
    };
  }
}
