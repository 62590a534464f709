/**
 * Batch number `b` of producer 'p' to variable x: 5000 samples, about 90 kB
 * of body, so that a few hundred fill a 16 MB Redis.
 */
export function bulkBatch(b: number): {
  producer: string;
  batch: number;
  variables: { x: { t: number[]; v: number[] } };
} {
  return {
    producer: 'p',
    batch: b,
    variables: {
      x: { t: Array.from({ length: 5000 }, (_, i) => i), v: Array<number>(5000).fill(123456.789) },
    },
  };
}
