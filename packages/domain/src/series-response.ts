import { decodeNumber, encodeNumber, type WireNumber } from './sample-value';
import type { ComponentStats, SeriesBucket, SeriesPoint } from './series-buckets';

/**
 * The downsampled series of one variable on the wire:
 * `GET /v1/runs/:run/series?variable=…&fromSeq=&toSeq=&points=N`
 * (docs/read-path.md, "Downsampled series"). Columnar, as uPlot takes data:
 * column i of every array belongs to bucket i.
 */

export const MAX_SERIES_POINTS = 10_000;
export const DEFAULT_SERIES_POINTS = 1000;

/** Where a component's first/last/min/max are, per bucket; null where it had no finite value. */
export interface SeriesPointColumns {
  seq: Array<number | null>;
  t: Array<number | null>;
  /** Finite; `-0` as its wire tag. */
  v: Array<WireNumber | null>;
}

/** One numeric component per bucket (0 counts where a bucket had none of it). */
export interface SeriesComponentColumns {
  count: number[];
  nan: number[];
  posInf: number[];
  negInf: number[];
  first: SeriesPointColumns;
  last: SeriesPointColumns;
  min: SeriesPointColumns;
  max: SeriesPointColumns;
}

export interface SeriesResponse {
  run: string;
  variable: string;
  /** The range answered, clipped to the variable's seqs. */
  fromSeq: number;
  toSeq: number;
  /** Grid width of the buckets (a power of two); edge buckets may hold fewer seqs. */
  bucketSeqs: number;
  /** True when every bucket is one sample (bucketSeqs is 1). */
  raw: boolean;
  /** First seq of each bucket. */
  seq: number[];
  /** Samples in each bucket. */
  n: number[];
  tFirst: number[];
  tLast: number[];
  strings: number[];
  booleans: number[];
  nulls: number[];
  components: SeriesComponentColumns[];
}

const pointColumns = (): SeriesPointColumns => ({ seq: [], t: [], v: [] });

function pushPoint(cols: SeriesPointColumns, p: SeriesPoint | undefined): void {
  cols.seq.push(p === undefined ? null : p.seq);
  cols.t.push(p === undefined ? null : p.t);
  cols.v.push(p === undefined ? null : encodeNumber(p.v));
}

const NO_COMPONENT: ComponentStats = { count: 0, nan: 0, posInf: 0, negInf: 0 };

export interface SeriesAnswer {
  run: string;
  variable: string;
  fromSeq: number;
  toSeq: number;
  bucketSeqs: number;
  /** In seq order. */
  buckets: readonly SeriesBucket[];
}

export function encodeSeriesResponse(answer: SeriesAnswer): SeriesResponse {
  const { buckets } = answer;
  let width = 0;
  for (const b of buckets) width = Math.max(width, b.components.length);
  const components: SeriesComponentColumns[] = Array.from({ length: width }, () => ({
    count: [],
    nan: [],
    posInf: [],
    negInf: [],
    first: pointColumns(),
    last: pointColumns(),
    min: pointColumns(),
    max: pointColumns(),
  }));
  const out: SeriesResponse = {
    run: answer.run,
    variable: answer.variable,
    fromSeq: answer.fromSeq,
    toSeq: answer.toSeq,
    bucketSeqs: answer.bucketSeqs,
    raw: answer.bucketSeqs === 1,
    seq: [],
    n: [],
    tFirst: [],
    tLast: [],
    strings: [],
    booleans: [],
    nulls: [],
    components,
  };
  for (const b of buckets) {
    out.seq.push(b.firstSeq);
    out.n.push(b.lastSeq - b.firstSeq + 1);
    out.tFirst.push(b.tFirst);
    out.tLast.push(b.tLast);
    out.strings.push(b.strings);
    out.booleans.push(b.booleans);
    out.nulls.push(b.nulls);
    for (let i = 0; i < width; i++) {
      const c = b.components[i] ?? NO_COMPONENT;
      const cols = components[i] as SeriesComponentColumns;
      cols.count.push(c.count);
      cols.nan.push(c.nan);
      cols.posInf.push(c.posInf);
      cols.negInf.push(c.negInf);
      pushPoint(cols.first, c.first);
      pushPoint(cols.last, c.last);
      pushPoint(cols.min, c.min);
      pushPoint(cols.max, c.max);
    }
  }
  return out;
}

function pointAt(cols: SeriesPointColumns, i: number): SeriesPoint | undefined {
  const seq = cols.seq[i];
  const t = cols.t[i];
  const v = cols.v[i];
  if (seq === null || seq === undefined || t === null || t === undefined) return undefined;
  if (v === null || v === undefined) return undefined;
  return { seq, t, v: decodeNumber(v) };
}

/**
 * The buckets of an answer (the inverse of encodeSeriesResponse): for
 * clients that work per bucket, and for tests. A bucket's components end at
 * its last one that counted anything (a component always counts its sample).
 */
export function decodeSeriesResponse(res: SeriesResponse): SeriesBucket[] {
  return res.seq.map((firstSeq, i) => {
    const components: ComponentStats[] = res.components.map((cols) => {
      const c: ComponentStats = {
        count: cols.count[i] ?? 0,
        nan: cols.nan[i] ?? 0,
        posInf: cols.posInf[i] ?? 0,
        negInf: cols.negInf[i] ?? 0,
      };
      const first = pointAt(cols.first, i);
      if (first === undefined) return c;
      return {
        ...c,
        first,
        last: pointAt(cols.last, i),
        min: pointAt(cols.min, i),
        max: pointAt(cols.max, i),
      };
    });
    while (components.length > 0) {
      const c = components[components.length - 1] as ComponentStats;
      if (c.count + c.nan + c.posInf + c.negInf > 0) break;
      components.pop();
    }
    return {
      firstSeq,
      lastSeq: firstSeq + (res.n[i] ?? 1) - 1,
      tFirst: res.tFirst[i] ?? 0,
      tLast: res.tLast[i] ?? 0,
      strings: res.strings[i] ?? 0,
      booleans: res.booleans[i] ?? 0,
      nulls: res.nulls[i] ?? 0,
      components,
    };
  });
}
