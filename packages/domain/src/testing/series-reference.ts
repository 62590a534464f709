import type { SampleChunk } from '../http-api';
import { decodeValue, type SampleValue } from '../sample-value';
import type { ComponentStats, SeriesBucket, SeriesPoint } from '../series-buckets';

/**
 * The downsampled series computed the obvious way, for tests to compare the
 * fast paths with: no grid helpers, no builder, no combining — group the
 * seqs by cell, then look at every sample of a group. Slow on purpose.
 */

const MAX_COMPONENTS = 16;

/** The samples of `data` (seq `data.first + i`) grouped into the answer's buckets. */
function groups(data: SampleChunk, fromSeq: number, toSeq: number, points: number): number[][] {
  for (let width = 1; ; width *= 2) {
    const out: number[][] = [];
    let cell: number | undefined;
    for (let seq = fromSeq; seq <= toSeq; seq++) {
      const c = Math.floor((seq - 1) / width);
      if (c !== cell) out.push([]);
      cell = c;
      (out[out.length - 1] as number[]).push(seq - data.first);
    }
    if (out.length <= points) return out;
  }
}

function componentOf(
  data: SampleChunk,
  indexes: number[],
  values: SampleValue[],
  k: number,
): ComponentStats | undefined {
  const stats: ComponentStats = { count: 0, nan: 0, posInf: 0, negInf: 0 };
  const finite: SeriesPoint[] = [];
  let present = false;
  indexes.forEach((i, j) => {
    const value = values[j];
    const x = Array.isArray(value)
      ? k < value.length
        ? value[k]
        : undefined
      : typeof value === 'number' && k === 0
        ? value
        : undefined;
    if (x === undefined) return;
    present = true;
    if (Number.isNaN(x)) stats.nan++;
    else if (x === Infinity) stats.posInf++;
    else if (x === -Infinity) stats.negInf++;
    else finite.push({ seq: data.first + i, t: data.t[i] as number, v: x });
  });
  if (!present) return undefined;
  stats.count = finite.length;
  if (finite.length === 0) return stats;
  let min = finite[0] as SeriesPoint;
  let max = min;
  for (const p of finite) {
    if (p.v < min.v) min = p;
    if (p.v > max.v) max = p;
  }
  return { ...stats, first: finite[0], last: finite[finite.length - 1], min, max };
}

function bucketOf(data: SampleChunk, indexes: number[]): SeriesBucket {
  const first = indexes[0] as number;
  const last = indexes[indexes.length - 1] as number;
  const kinds = indexes.map((i) => data.v[i] ?? null);
  const values = kinds.map(decodeValue);
  const components: ComponentStats[] = [];
  for (let k = 0; k < MAX_COMPONENTS; k++) {
    const c = componentOf(data, indexes, values, k);
    if (c === undefined) break;
    components.push(c);
  }
  return {
    firstSeq: data.first + first,
    lastSeq: data.first + last,
    tFirst: data.t[first] as number,
    tLast: data.t[last] as number,
    strings: kinds.filter((v) => typeof v === 'string').length,
    booleans: kinds.filter((v) => typeof v === 'boolean').length,
    nulls: kinds.filter((v) => v === null).length,
    components,
  };
}

/**
 * The buckets of a series read of [fromSeq, toSeq] with `points`, over the
 * samples of `data` (the range clipped to them, as the route clips to the
 * variable's count).
 */
export function bruteForceBuckets(
  data: SampleChunk,
  fromSeq: number,
  toSeq: number,
  points: number,
): SeriesBucket[] {
  const from = Math.max(fromSeq, data.first);
  const to = Math.min(toSeq, data.first + data.t.length - 1);
  if (from > to) return [];
  return groups(data, from, to, points).map((g) => bucketOf(data, g));
}

/** The bucket of the samples [lo, hi] of `data`. */
export function bruteForceBucket(data: SampleChunk, lo: number, hi: number): SeriesBucket {
  const indexes: number[] = [];
  for (let seq = lo; seq <= hi; seq++) indexes.push(seq - data.first);
  return bucketOf(data, indexes);
}
