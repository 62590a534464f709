/**
 * Order statistics for benchmark figures. Pure. The machine is small and
 * noisy, so figures are quoted as medians and percentiles, never means alone.
 */

/** What a set of measurements looks like, in its own unit. */
export interface Distribution {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  if (values.length === 0) throw new RangeError('no values');
  // A typed array sorts numerically (Array#sort would compare as strings).
  return Float64Array.from(values).sort();
}

/** The middle value; the mean of the two middle values for an even count. Throws on none. */
export function median(values: ArrayLike<number>): number {
  const sorted = sortedCopy(values);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The median of each field over records of the same fields (e.g. per-round request counts). */
export function fieldMedians<K extends string>(
  records: readonly Record<K, number>[],
): Record<K, number> {
  const first = records[0];
  if (first === undefined) throw new Error('fieldMedians of no records');
  const keys = Object.keys(first) as K[];
  const medians = keys.map((k) => [k, median(records.map((r) => r[k]))]);
  return Object.fromEntries(medians) as Record<K, number>;
}

/**
 * Nearest-rank percentile of already sorted values: the smallest value with at
 * least p % of the values at or below it. Always an observed value, so a p99
 * of 100 samples is the 99th, not an interpolation.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Nearest-rank percentile (see percentileOfSorted). Throws on none. */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sortedCopy(values), p);
}

/** min, p50, p90, p99, max and mean in one sort. Throws on none. */
export function summarize(values: ArrayLike<number>): Distribution {
  const sorted = sortedCopy(values);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
  return {
    n: sorted.length,
    min: sorted[0] as number,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1] as number,
    mean: sum / sorted.length,
  };
}
