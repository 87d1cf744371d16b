/** Binary searches over values kept in ascending order (sequence numbers, times, positions). */

/** How many of the ascending `values` are ≤ `value`. */
export function countAtMost(values: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The item of `items` (ascending by `key`) whose key is `value`; undefined when none is. */
export function findByKey<T>(items: readonly T[], key: (item: T) => number, value: number): T | undefined {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid] as T) < value) lo = mid + 1;
    else hi = mid;
  }
  const found = items[lo];
  return found !== undefined && key(found) === value ? found : undefined;
}
