import { encodeCellRecord } from './cell-record';
import type { SampleChunk } from './http-api';
import type { WireValue } from './sample-value';
import {
  BucketBuilder,
  CellAggregator,
  coarsenCells,
  combineBuckets,
  type CellBucket,
  type SeriesBucket,
} from './series-buckets';
import {
  cellRange,
  decomposeRange,
  pyramidShifts,
  seriesBuckets,
  type RangePart,
} from './series-grid';
import {
  randomChunks,
  randomInt,
  randomSamples,
  seededRandom,
  type Random,
  type SampleMix,
} from './testing/random-samples';
import { bruteForceBucket, bruteForceBuckets } from './testing/series-reference';

/**
 * Buckets as their wire text (cell records): -0 is tagged there, so comparing
 * these compares with Object.is semantics. Compared as one string first:
 * jest's deep equality over thousands of buckets would dominate the run.
 */
const wire = (buckets: readonly SeriesBucket[]): string[] =>
  buckets.map((b) => JSON.stringify(encodeCellRecord(0, b)));

const expectSame = (actual: readonly SeriesBucket[], expected: readonly SeriesBucket[]): void => {
  const a = wire(actual);
  const e = wire(expected);
  if (a.join('\n') !== e.join('\n')) expect(a).toEqual(e); // shows the difference
};

const TOP = Number.MAX_SAFE_INTEGER;

/** The samples [lo, hi] of `data`, in one builder. */
function built(data: SampleChunk, lo: number, hi: number): SeriesBucket {
  const b = new BucketBuilder();
  b.addChunk(data, lo - data.first, hi - data.first + 1);
  return b.build();
}

const combineAll = (buckets: readonly SeriesBucket[]): SeriesBucket =>
  buckets.reduce((a, b) => combineBuckets(a, b));

/** Combines in a random tree: any order of pairing must give the same bucket. */
function combineTree(rand: Random, buckets: readonly SeriesBucket[]): SeriesBucket {
  if (buckets.length === 1) return buckets[0] as SeriesBucket;
  const cut = randomInt(rand, 1, buckets.length - 1);
  return combineBuckets(
    combineTree(rand, buckets.slice(0, cut)),
    combineTree(rand, buckets.slice(cut)),
  );
}

/** Every cell of every level of a pyramid over `data`, fed in random chunks. */
function pyramidOf(
  rand: Random,
  data: SampleChunk,
  first: number,
  last: number,
): Map<number, Map<number, SeriesBucket>> {
  const slice = {
    first,
    t: data.t.slice(first - data.first, last - data.first + 1),
    v: data.v.slice(first - data.first, last - data.first + 1),
  };
  const shifts = pyramidShifts(first, last);
  let cells: CellBucket[] = [];
  const aggregator = new CellAggregator(shifts[0] as number, (c) => cells.push(c));
  for (const chunk of randomChunks(rand, slice, 700)) aggregator.addChunk(chunk);
  aggregator.finish();
  const levels = new Map<number, Map<number, SeriesBucket>>();
  let shift = shifts[0] as number;
  levels.set(shift, new Map(cells.map((c) => [c.cell, c.bucket])));
  for (const next of shifts.slice(1)) {
    cells = coarsenCells(cells, shift, next);
    shift = next;
    levels.set(shift, new Map(cells.map((c) => [c.cell, c.bucket])));
  }
  return levels;
}

interface Query {
  from: number;
  to: number;
  points: number;
}

function randomQuery(rand: Random, data: SampleChunk): Query {
  const last = data.first + data.t.length - 1;
  const r = rand();
  if (r < 0.1) return { from: data.first, to: last, points: randomInt(rand, 1, 3) };
  if (r < 0.15) {
    const seq = randomInt(rand, data.first, last);
    return { from: seq, to: seq, points: randomInt(rand, 1, 5) };
  }
  const from = randomInt(rand, data.first, last);
  const to = randomInt(rand, from, last);
  return { from, to, points: randomInt(rand, 1, rand() < 0.3 ? 2000 : rand() < 0.5 ? 40 : 8) };
}

const DATA_SETS: Array<{ seed: number; mix: SampleMix; first: number; count: number }> = [
  { seed: 1, mix: 'scalars', first: 1, count: 4500 },
  { seed: 2, mix: 'arrays', first: 1, count: 3000 },
  { seed: 3, mix: 'mixed', first: 1, count: 5000 },
  { seed: 4, mix: 'mixed', first: 300, count: 2500 },
  { seed: 5, mix: 'scalars', first: TOP - 2999, count: 3000 },
  { seed: 6, mix: 'arrays', first: TOP - 1999, count: 2000 },
];

describe('BucketBuilder', () => {
  it('summarises numbers, tags, arrays and the other kinds', () => {
    const b = new BucketBuilder();
    const values: WireValue[] = [
      3,
      { $num: 'NaN' },
      [1, { $num: 'Infinity' }],
      'three',
      -1,
      { $num: '-Infinity' },
      true,
      null,
      [5, -2, 7],
      [],
    ];
    values.forEach((v, i) => b.add(10 + i, 100 + i, v));
    expect(b.size).toBe(10);
    expect(b.build()).toEqual({
      firstSeq: 10,
      lastSeq: 19,
      tFirst: 100,
      tLast: 109,
      strings: 1,
      booleans: 1,
      nulls: 1,
      components: [
        {
          count: 4,
          nan: 1,
          posInf: 0,
          negInf: 1,
          first: { seq: 10, t: 100, v: 3 },
          last: { seq: 18, t: 108, v: 5 },
          min: { seq: 14, t: 104, v: -1 },
          max: { seq: 18, t: 108, v: 5 },
        },
        {
          count: 1,
          nan: 0,
          posInf: 1,
          negInf: 0,
          first: { seq: 18, t: 108, v: -2 },
          last: { seq: 18, t: 108, v: -2 },
          min: { seq: 18, t: 108, v: -2 },
          max: { seq: 18, t: 108, v: -2 },
        },
        {
          count: 1,
          nan: 0,
          posInf: 0,
          negInf: 0,
          first: { seq: 18, t: 108, v: 7 },
          last: { seq: 18, t: 108, v: 7 },
          min: { seq: 18, t: 108, v: 7 },
          max: { seq: 18, t: 108, v: 7 },
        },
      ],
    });
    expect(b.size).toBe(0);
  });

  it('keeps the first of equal values, -0 and 0 included, and the sign of -0', () => {
    const b = new BucketBuilder();
    const values: WireValue[] = [{ $num: '-0' }, 0, 2, { $num: '-0' }, 2];
    values.forEach((v, i) => b.add(i + 1, i, v));
    const c = b.build().components[0];
    expect(c?.min).toEqual({ seq: 1, t: 0, v: -0 });
    expect(Object.is(c?.min?.v, -0)).toBe(true);
    expect(c?.max).toEqual({ seq: 3, t: 2, v: 2 });
    expect(Object.is(c?.last?.v, 2)).toBe(true);
  });

  it('has points only for components with a finite value, and stops at 16 components', () => {
    const b = new BucketBuilder();
    b.add(1, 0, [{ $num: 'NaN' }, ...Array.from({ length: 19 }, (_, i) => i)]);
    const bucket = b.build();
    expect(bucket.components).toHaveLength(16);
    expect(bucket.components[0]).toEqual({ count: 0, nan: 1, posInf: 0, negInf: 0 });
    expect(bucket.components[15]?.max?.v).toBe(14);
    b.add(2, 0, 'only a string');
    expect(b.build().components).toEqual([]);
  });

  it('refuses a gap and an empty build', () => {
    const b = new BucketBuilder();
    b.add(5, 0, 1);
    expect(() => b.add(7, 0, 1)).toThrow(RangeError);
    expect(() => b.add(5, 0, 1)).toThrow(RangeError);
    b.build();
    expect(() => b.build()).toThrow(RangeError);
  });
});

describe('combineBuckets', () => {
  it('refuses buckets that are not neighbours', () => {
    const data = randomSamples(seededRandom(9), 1, 10);
    expect(() => combineBuckets(built(data, 1, 3), built(data, 5, 6))).toThrow(RangeError);
    expect(() => combineBuckets(built(data, 4, 6), built(data, 1, 3))).toThrow(RangeError);
  });

  it('keeps the earlier of equal extremes (-0 vs 0 too)', () => {
    const data: SampleChunk = {
      first: 1,
      t: [1, 2, 3, 4],
      v: [0, { $num: '-0' }, { $num: '-0' }, 0],
    };
    const c = combineBuckets(built(data, 1, 2), built(data, 3, 4)).components[0];
    expect(c?.min?.seq).toBe(1);
    expect(c?.max?.seq).toBe(1);
    const d = combineBuckets(built(data, 1, 1), built(data, 2, 4)).components[0];
    expect(d).toEqual(built(data, 1, 4).components[0]);
  });
});

describe.each(DATA_SETS)('series of $count $mix samples from seq $first', (set) => {
  const data = randomSamples(seededRandom(set.seed), set.first, set.count, set.mix);
  const last = set.first + set.count - 1;

  it('(a) a builder over each bucket equals the brute force', () => {
    const rand = seededRandom(set.seed + 100);
    for (let k = 0; k < 30; k++) {
      const q = randomQuery(rand, data);
      const buckets = seriesBuckets(q.from, q.to, q.points).map(([lo, hi]) => built(data, lo, hi));
      expectSame(buckets, bruteForceBuckets(data, q.from, q.to, q.points));
    }
  });

  it('(b) every decomposition of a bucket into pyramid cells and raw ends equals the brute force', () => {
    const rand = seededRandom(set.seed + 200);
    const pyramid = pyramidOf(rand, data, set.first, last);
    const levels = [...pyramid.keys()];
    const part = (p: RangePart): SeriesBucket => {
      if (p.kind === 'raw') return built(data, p.lo, p.hi);
      const [lo, hi] = cellRange(p.cell, p.shift);
      // A cell taken from a pyramid is the same as one built from its own samples.
      const cell = pyramid.get(p.shift)?.get(p.cell) as SeriesBucket;
      expectSame([cell], [built(data, lo, hi)]);
      return cell;
    };
    let cellsUsed = 0;
    for (let k = 0; k < 30; k++) {
      const q = randomQuery(rand, data);
      const expected = bruteForceBuckets(data, q.from, q.to, q.points);
      const small = [0, 1, 2, 3, 4, 5].filter(() => rand() < 0.3);
      const buckets = seriesBuckets(q.from, q.to, q.points).map(([lo, hi]) => {
        const parts = decomposeRange(lo, hi, levels);
        cellsUsed += parts.filter((p) => p.kind === 'cell').length;
        // Small levels have no pyramid: their cells are built from their samples.
        const fine = decomposeRange(lo, hi, small).map((p) =>
          p.kind === 'raw' ? built(data, p.lo, p.hi) : built(data, ...cellRange(p.cell, p.shift)),
        );
        expectSame([combineAll(fine)], [combineAll(parts.map(part))]);
        return combineAll(parts.map(part));
      });
      expectSame(buckets, expected);
    }
    expect(cellsUsed).toBeGreaterThan(0);
  });

  it('(c) a bucket split anywhere and combined in any order equals the brute force', () => {
    const rand = seededRandom(set.seed + 300);
    for (let k = 0; k < 30; k++) {
      const q = randomQuery(rand, data);
      const buckets = seriesBuckets(q.from, q.to, q.points).map(([lo, hi]) => {
        const cuts = [
          ...new Set(Array.from({ length: randomInt(rand, 0, 6) }, () => randomInt(rand, lo, hi))),
        ]
          .filter((c) => c < hi)
          .sort((a, b) => a - b);
        const pieces: SeriesBucket[] = [];
        let from = lo;
        for (const c of [...cuts, hi]) {
          pieces.push(built(data, from, c));
          from = c + 1;
        }
        const tree = combineTree(rand, pieces);
        expectSame([tree], [combineAll(pieces)]);
        return tree;
      });
      expectSame(buckets, bruteForceBuckets(data, q.from, q.to, q.points));
    }
  });

  it('(d) objects ending anywhere, each with its own pyramid, combine to the brute force', () => {
    const rand = seededRandom(set.seed + 400);
    // Split the data into 1..6 "objects" (segments, merged pieces, the tail).
    const ends = [
      ...new Set(
        Array.from({ length: randomInt(rand, 0, 5) }, () => randomInt(rand, set.first, last - 1)),
      ),
    ].sort((a, b) => a - b);
    const objects: Array<{
      first: number;
      last: number;
      pyramid: Map<number, Map<number, SeriesBucket>>;
    }> = [];
    let first = set.first;
    for (const end of [...ends, last]) {
      objects.push({ first, last: end, pyramid: pyramidOf(rand, data, first, end) });
      first = end + 1;
    }
    const baseLevels = [8, 10, 12, 14];
    for (let k = 0; k < 25; k++) {
      const q = randomQuery(rand, data);
      const buckets = seriesBuckets(q.from, q.to, q.points).map(([lo, hi]) => {
        const parts = decomposeRange(lo, hi, baseLevels).flatMap((p): SeriesBucket[] => {
          if (p.kind === 'raw') return [built(data, p.lo, p.hi)];
          const [clo, chi] = cellRange(p.cell, p.shift);
          // The objects meeting the cell each hold their part of it (if they have the level).
          return objects
            .filter((o) => o.first <= chi && o.last >= clo)
            .map(
              (o) =>
                o.pyramid.get(p.shift)?.get(p.cell) ??
                built(data, Math.max(clo, o.first), Math.min(chi, o.last)),
            );
        });
        return combineAll(parts);
      });
      expectSame(buckets, bruteForceBuckets(data, q.from, q.to, q.points));
    }
  });

  it('CellAggregator and coarsenCells give each cell ∩ the data, at every level', () => {
    const rand = seededRandom(set.seed + 500);
    const pyramid = pyramidOf(rand, data, set.first, last);
    for (const [shift, cells] of pyramid) {
      const expected: SeriesBucket[] = [];
      for (const cell of cells.keys()) {
        const [lo, hi] = cellRange(cell, shift);
        expected.push(bruteForceBucket(data, Math.max(lo, set.first), Math.min(hi, last)));
      }
      expectSame([...cells.values()], expected);
    }
  });
});

describe('CellAggregator', () => {
  it('emits each cell when the next begins, the last one on finish, and refuses gaps', () => {
    const cells: CellBucket[] = [];
    const aggregator = new CellAggregator(2, (c) => cells.push(c));
    const data = randomSamples(seededRandom(3), 3, 7);
    aggregator.addChunk({ first: 3, t: data.t.slice(0, 3), v: data.v.slice(0, 3) });
    expect(cells.map((c) => c.cell)).toEqual([0]);
    aggregator.add(6, data.t[3] as number, data.v[3] as WireValue);
    aggregator.addChunk({ first: 7, t: data.t.slice(4), v: data.v.slice(4) });
    expect(cells.map((c) => c.cell)).toEqual([0, 1]);
    aggregator.finish();
    expect(cells.map((c) => [c.bucket.firstSeq, c.bucket.lastSeq])).toEqual([
      [3, 4],
      [5, 8],
      [9, 9],
    ]);
    expect(() => aggregator.add(11, 0, 1)).toThrow(RangeError);
    expect(() => aggregator.addChunk({ first: 10, t: [1, 2], v: [1] })).toThrow(RangeError);
  });
});
