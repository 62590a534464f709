import type { SampleChunk } from './http-api';
import type { SpecialNumber, WireValue } from './sample-value';
import { cellOf, cellRange } from './series-grid';

/**
 * M4+ summaries of seq ranges (docs/read-path.md, "Downsampled series"):
 * what a plot needs to be pixel-exact — first, last, min and max with the seq
 * and t where they occur — per numeric component, plus counts of what is not
 * a finite number. Built from samples (BucketBuilder, CellAggregator) and
 * combined across neighbouring ranges (combineBuckets), so a bucket split
 * between tiers or objects is the same as one built in one pass.
 */

/** Components summarised per sample: a number is component 0, an array's element i is component i. */
export const SERIES_MAX_COMPONENTS = 16;

export interface SeriesPoint {
  seq: number;
  t: number;
  /** Finite; -0 keeps its sign. */
  v: number;
}

/** One numeric component over a bucket. Points are absent when `count` is 0. */
export interface ComponentStats {
  /** Finite values. */
  count: number;
  nan: number;
  posInf: number;
  negInf: number;
  first?: SeriesPoint;
  last?: SeriesPoint;
  /** The first occurrence of the smallest finite value (compared with `<`). */
  min?: SeriesPoint;
  /** The first occurrence of the largest finite value (compared with `>`). */
  max?: SeriesPoint;
}

/**
 * The summary of the consecutive seqs [firstSeq, lastSeq] (n = lastSeq -
 * firstSeq + 1 samples). Buckets are values: nothing here mutates one, so
 * combined buckets may share components and points with their inputs.
 */
export interface SeriesBucket {
  firstSeq: number;
  lastSeq: number;
  tFirst: number;
  tLast: number;
  strings: number;
  booleans: number;
  nulls: number;
  /** Up to SERIES_MAX_COMPONENTS, as many as the widest sample had. */
  components: ComponentStats[];
}

/** A bucket holding (part of) one cell of a level. */
export interface CellBucket {
  cell: number;
  bucket: SeriesBucket;
}

/** A component's running state; plain number fields keep the hot loop monomorphic. */
class ComponentAccumulator {
  count = 0;
  nan = 0;
  posInf = 0;
  negInf = 0;
  fSeq = 0;
  fT = 0;
  fV = 0;
  lSeq = 0;
  lT = 0;
  lV = 0;
  minSeq = 0;
  minT = 0;
  minV = 0;
  maxSeq = 0;
  maxT = 0;
  maxV = 0;

  finite(seq: number, t: number, v: number): void {
    if (this.count === 0) {
      this.fSeq = this.minSeq = this.maxSeq = seq;
      this.fT = this.minT = this.maxT = t;
      this.fV = this.minV = this.maxV = v;
    } else if (v < this.minV) {
      this.minSeq = seq;
      this.minT = t;
      this.minV = v;
    } else if (v > this.maxV) {
      this.maxSeq = seq;
      this.maxT = t;
      this.maxV = v;
    }
    this.lSeq = seq;
    this.lT = t;
    this.lV = v;
    this.count++;
  }

  special(seq: number, t: number, tag: SpecialNumber): void {
    switch (tag.$num) {
      case 'NaN':
        this.nan++;
        return;
      case 'Infinity':
        this.posInf++;
        return;
      case '-Infinity':
        this.negInf++;
        return;
      case '-0':
        this.finite(seq, t, -0);
    }
  }

  stats(): ComponentStats {
    const out: ComponentStats = {
      count: this.count,
      nan: this.nan,
      posInf: this.posInf,
      negInf: this.negInf,
    };
    if (this.count > 0) {
      out.first = { seq: this.fSeq, t: this.fT, v: this.fV };
      out.last = { seq: this.lSeq, t: this.lT, v: this.lV };
      out.min = { seq: this.minSeq, t: this.minT, v: this.minV };
      out.max = { seq: this.maxSeq, t: this.maxT, v: this.maxV };
    }
    this.count = this.nan = this.posInf = this.negInf = 0;
    return out;
  }
}

/**
 * Accumulates consecutive samples (in the wire encoding, as stored) into one
 * bucket. Reusable: `build()` returns the bucket and starts a new one. Runs
 * once per sample on flush and on reads of the Redis tail, so `add` is plain
 * branches over preallocated state and allocates nothing.
 */
export class BucketBuilder {
  private readonly acc: ComponentAccumulator[] = Array.from(
    { length: SERIES_MAX_COMPONENTS },
    () => new ComponentAccumulator(),
  );
  /** Components touched so far: the widest sample's. */
  private width = 0;
  private n = 0;
  private firstSeq = 0;
  private lastSeq = 0;
  private tFirst = 0;
  private tLast = 0;
  private strings = 0;
  private booleans = 0;
  private nulls = 0;

  /** Samples added since the last build. */
  get size(): number {
    return this.n;
  }

  /** Adds the sample `seq`, which must follow the previous one (seq + 1). */
  add(seq: number, t: number, v: WireValue): void {
    if (this.n === 0) {
      this.firstSeq = seq;
      this.tFirst = t;
    } else if (seq !== this.lastSeq + 1) {
      throw new RangeError(
        `sample ${seq} does not follow ${this.lastSeq}: buckets hold consecutive seqs`,
      );
    }
    this.lastSeq = seq;
    this.tLast = t;
    this.n++;
    switch (typeof v) {
      case 'number':
        this.touch(1);
        (this.acc[0] as ComponentAccumulator).finite(seq, t, v);
        return;
      case 'string':
        this.strings++;
        return;
      case 'boolean':
        this.booleans++;
        return;
      default:
        if (v === null) {
          this.nulls++;
        } else if (Array.isArray(v)) {
          const width = Math.min(v.length, SERIES_MAX_COMPONENTS);
          this.touch(width);
          for (let i = 0; i < width; i++) {
            const x = v[i];
            const acc = this.acc[i] as ComponentAccumulator;
            if (typeof x === 'number') acc.finite(seq, t, x);
            else acc.special(seq, t, x as SpecialNumber);
          }
        } else {
          this.touch(1);
          (this.acc[0] as ComponentAccumulator).special(seq, t, v);
        }
    }
  }

  /** Adds the samples of `chunk` from index `from` (inclusive) to `to` (exclusive). */
  addChunk(chunk: SampleChunk, from = 0, to = chunk.t.length): void {
    const { t, v } = chunk;
    for (let i = from; i < to; i++) this.add(chunk.first + i, t[i] as number, v[i] as WireValue);
  }

  /** The bucket of the samples added since the last build; the builder is empty afterwards. */
  build(): SeriesBucket {
    if (this.n === 0) throw new RangeError('a bucket needs at least one sample');
    const components: ComponentStats[] = [];
    for (let i = 0; i < this.width; i++)
      components.push((this.acc[i] as ComponentAccumulator).stats());
    const bucket: SeriesBucket = {
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      tFirst: this.tFirst,
      tLast: this.tLast,
      strings: this.strings,
      booleans: this.booleans,
      nulls: this.nulls,
      components,
    };
    this.n = this.width = this.strings = this.booleans = this.nulls = 0;
    return bucket;
  }

  private touch(width: number): void {
    if (width > this.width) this.width = width;
  }
}

function combineComponents(a: ComponentStats, b: ComponentStats): ComponentStats {
  const out: ComponentStats = {
    count: a.count + b.count,
    nan: a.nan + b.nan,
    posInf: a.posInf + b.posInf,
    negInf: a.negInf + b.negInf,
  };
  const first = a.first ?? b.first;
  const last = b.last ?? a.last;
  // Strict comparisons: on a tie the first occurrence (a's) wins, and -0 vs 0 is a tie.
  const min = a.min === undefined || (b.min !== undefined && b.min.v < a.min.v) ? b.min : a.min;
  const max = a.max === undefined || (b.max !== undefined && b.max.v > a.max.v) ? b.max : a.max;
  if (first !== undefined) out.first = first;
  if (last !== undefined) out.last = last;
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  return out;
}

/**
 * The bucket of a's range followed by b's (a.lastSeq + 1 must be
 * b.firstSeq). Associative, so a range split anywhere — between tiers,
 * objects, pieces — combines to the bucket of the whole.
 */
export function combineBuckets(a: SeriesBucket, b: SeriesBucket): SeriesBucket {
  if (a.lastSeq + 1 !== b.firstSeq)
    throw new RangeError(
      `buckets [${a.firstSeq}, ${a.lastSeq}] and [${b.firstSeq}, ${b.lastSeq}] are not adjacent`,
    );
  const width = Math.max(a.components.length, b.components.length);
  const components: ComponentStats[] = [];
  for (let i = 0; i < width; i++) {
    const ca = a.components[i];
    const cb = b.components[i];
    components.push(
      ca === undefined ? (cb as ComponentStats) : cb === undefined ? ca : combineComponents(ca, cb),
    );
  }
  return {
    firstSeq: a.firstSeq,
    lastSeq: b.lastSeq,
    tFirst: a.tFirst,
    tLast: b.tLast,
    strings: a.strings + b.strings,
    booleans: a.booleans + b.booleans,
    nulls: a.nulls + b.nulls,
    components,
  };
}

/**
 * Aggregates a stream of consecutive samples into the cells of one level:
 * `onCell` is called for each cell when a sample of the next cell arrives,
 * and for the last (possibly partial) cell by `finish()`. A cell's bucket
 * covers the cell ∩ the samples seen, so the first and last cells of an
 * object are partial. This is how a flush builds a segment's finest level.
 */
export class CellAggregator {
  private readonly builder = new BucketBuilder();
  private cell = -1;
  private cellHi = 0;
  private nextSeq = -1;

  constructor(
    readonly shift: number,
    private readonly onCell: (cell: CellBucket) => void,
  ) {}

  add(seq: number, t: number, v: WireValue): void {
    if (seq > this.cellHi || this.cell < 0) this.startCell(seq);
    else if (seq !== this.nextSeq)
      throw new RangeError(`sample ${seq} does not follow ${this.nextSeq - 1}`);
    this.builder.add(seq, t, v);
    this.nextSeq = seq + 1;
  }

  addChunk(chunk: SampleChunk): void {
    const { first, t, v } = chunk;
    const count = t.length;
    if (v.length !== count)
      throw new RangeError(`chunk at ${first}: t and v differ in length (${count}, ${v.length})`);
    let i = 0;
    while (i < count) {
      const seq = first + i;
      if (seq > this.cellHi || this.cell < 0) this.startCell(seq);
      else if (seq !== this.nextSeq)
        throw new RangeError(`chunk at ${first} does not follow ${this.nextSeq - 1}`);
      // The rest of this cell in one go: no boundary test per sample.
      const end = Math.min(count, i + (this.cellHi - seq) + 1);
      this.builder.addChunk(chunk, i, end);
      this.nextSeq = first + end;
      i = end;
    }
  }

  /**
   * Emits the cell in progress, if any. Samples added afterwards start a new
   * bucket (a cell cut by finish is then emitted in parts, which combine).
   */
  finish(): void {
    if (this.builder.size > 0) this.onCell({ cell: this.cell, bucket: this.builder.build() });
  }

  private startCell(seq: number): void {
    if (this.cell >= 0 && seq !== this.nextSeq)
      throw new RangeError(`sample ${seq} does not follow ${this.nextSeq - 1}`);
    this.finish();
    this.cell = cellOf(seq, this.shift);
    this.cellHi = cellRange(this.cell, this.shift)[1];
  }
}

/**
 * The cells of level `toShift` from the seq-ordered cells of level
 * `fromShift` (< toShift) that tile one object's range: each coarse cell is
 * the combination of the fine cells it holds. How a pyramid's upper levels
 * are built without looking at a sample again.
 */
export function coarsenCells(
  cells: readonly CellBucket[],
  fromShift: number,
  toShift: number,
): CellBucket[] {
  if (!(toShift > fromShift))
    throw new RangeError(`cannot coarsen level ${fromShift} to ${toShift}`);
  const ratio = 2 ** (toShift - fromShift);
  const out: CellBucket[] = [];
  let current: CellBucket | undefined;
  for (const { cell, bucket } of cells) {
    const parent = Math.floor(cell / ratio);
    if (current !== undefined && current.cell === parent)
      current.bucket = combineBuckets(current.bucket, bucket);
    else {
      current = { cell: parent, bucket };
      out.push(current);
    }
  }
  return out;
}
