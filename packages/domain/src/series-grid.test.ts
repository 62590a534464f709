import {
  bucketShift,
  cellOf,
  cellRange,
  clipSeqRange,
  decomposeRange,
  pyramidShifts,
  seriesBuckets,
  type RangePart,
} from './series-grid';
import { randomInt, seededRandom } from './testing/random-samples';

const TOP = Number.MAX_SAFE_INTEGER; // 2^53 - 1

describe('cellOf / cellRange', () => {
  it('tiles the seqs from 1 in cells of 2^shift', () => {
    expect(cellRange(0, 8)).toEqual([1, 256]);
    expect(cellRange(3, 2)).toEqual([13, 16]);
    expect([1, 256, 257].map((s) => cellOf(s, 8))).toEqual([0, 0, 1]);
    expect([1, 2, 3].map((s) => cellOf(s, 0))).toEqual([0, 1, 2]);
    expect(cellRange(5, 0)).toEqual([6, 6]);
  });

  it('stays exact near 2^53, where 32-bit shifts would wrap', () => {
    expect(cellOf(TOP, 8)).toBe(2 ** 45 - 1);
    expect(cellRange(2 ** 45 - 1, 8)).toEqual([2 ** 53 - 255, 2 ** 53]);
    expect(cellOf(TOP, 40)).toBe(2 ** 13 - 1);
    expect(cellOf(TOP, 53)).toBe(0);
    for (const shift of [0, 1, 8, 31, 32, 33, 52]) {
      const [lo, hi] = cellRange(cellOf(TOP, shift), shift);
      expect(lo <= TOP && TOP <= hi).toBe(true);
      expect(cellOf(lo, shift)).toBe(cellOf(TOP, shift));
    }
  });
});

/** Cells of width 2^m meeting [from, to], counted one by one. */
const cellsMet = (from: number, to: number, m: number): number => {
  const seen = new Set<number>();
  for (let s = from; s <= to; s++) seen.add(Math.floor((s - 1) / 2 ** m));
  return seen.size;
};

describe('bucketShift / seriesBuckets', () => {
  it('is the smallest width with at most `points` cells, and its buckets tile the range', () => {
    const rand = seededRandom(7);
    for (let k = 0; k < 300; k++) {
      const from = randomInt(rand, 1, 3000);
      const to = from + randomInt(rand, 0, rand() < 0.5 ? 40 : 3000);
      const points = randomInt(rand, 1, rand() < 0.5 ? 8 : 300);
      const m = bucketShift(from, to, points);
      const buckets = seriesBuckets(from, to, points);
      const tiles = buckets.every(
        ([lo, hi], i) =>
          lo === (i === 0 ? from : (buckets[i - 1] as number[])[1]! + 1) &&
          cellOf(lo, m) === cellOf(hi, m),
      );
      const seen = {
        fits: cellsMet(from, to, m) <= points,
        smallest: m === 0 || cellsMet(from, to, m - 1) > points,
        count: buckets.length === cellsMet(from, to, m),
        tiles: tiles && buckets[buckets.length - 1]?.[1] === to,
      };
      if (!Object.values(seen).every(Boolean))
        expect({ from, to, points, m, seen }).toBeUndefined();
    }
  });

  it('handles points = 1, one sample, shift 0 and the top of the seq range', () => {
    expect(bucketShift(5, 5, 1)).toBe(0);
    expect(seriesBuckets(5, 5, 1)).toEqual([[5, 5]]);
    expect(bucketShift(1, 256, 1)).toBe(8);
    expect(bucketShift(2, 257, 1)).toBe(9); // crosses the 256 boundary
    expect(seriesBuckets(3, 6, 10)).toEqual([
      [3, 3],
      [4, 4],
      [5, 5],
      [6, 6],
    ]);
    expect(seriesBuckets(1, 1000, 1)).toEqual([[1, 1000]]);
    expect(bucketShift(1, TOP, 1)).toBe(53);
    expect(seriesBuckets(1, TOP, 2)).toEqual([
      [1, 2 ** 52],
      [2 ** 52 + 1, TOP],
    ]);
    expect(seriesBuckets(TOP - 9, TOP, 4)).toEqual([
      [TOP - 9, TOP - 7],
      [TOP - 6, TOP - 3],
      [TOP - 2, TOP],
    ]);
  });

  it('refuses empty ranges and bad points', () => {
    expect(() => bucketShift(5, 4, 10)).toThrow(RangeError);
    expect(() => bucketShift(0, 4, 10)).toThrow(RangeError);
    expect(() => bucketShift(1, 4, 0)).toThrow(RangeError);
    expect(() => bucketShift(1, 4, 1.5)).toThrow(RangeError);
  });
});

describe('clipSeqRange', () => {
  it('clips to [1, count] and says when nothing is left', () => {
    expect(clipSeqRange(undefined, undefined, 10)).toEqual({ fromSeq: 1, toSeq: 10 });
    expect(clipSeqRange(3, 50, 10)).toEqual({ fromSeq: 3, toSeq: 10 });
    expect(clipSeqRange(10, undefined, 10)).toEqual({ fromSeq: 10, toSeq: 10 });
    expect(clipSeqRange(11, 20, 10)).toBeUndefined();
    expect(clipSeqRange(undefined, undefined, 0)).toBeUndefined();
  });
});

describe('pyramidShifts', () => {
  it('goes from level 8 up to the first level where the range meets one cell', () => {
    expect(pyramidShifts(1, 1)).toEqual([8]);
    expect(pyramidShifts(1, 256)).toEqual([8]);
    expect(pyramidShifts(200, 300)).toEqual([8, 10]);
    expect(pyramidShifts(1, 1024)).toEqual([8, 10]);
    expect(pyramidShifts(1, 1025)).toEqual([8, 10, 12]);
    expect(pyramidShifts(1, 5_000_000)).toEqual([8, 10, 12, 14, 16, 18, 20, 22, 24]);
    expect(pyramidShifts(TOP - 1, TOP)).toEqual([8]);
    expect(pyramidShifts(2 ** 52, 2 ** 52 + 1)).toEqual(
      Array.from({ length: 24 }, (_, i) => 8 + 2 * i), // 8 … 54: the cut at 2^52 is on every level
    );
  });
});

/**
 * What is wrong with `parts` as a decomposition of [lo, hi] (undefined when
 * nothing): exact cover in order, cells aligned and largest possible, raw
 * parts only at the ends and each inside one cell of the finest level.
 * Plain code, one expect per case: thousands of expects would be slow.
 */
function decompositionProblem(
  lo: number,
  hi: number,
  levels: number[],
  parts: RangePart[],
): string | undefined {
  const finest = Math.min(...levels);
  let next = lo;
  for (const [i, part] of parts.entries()) {
    const [plo, phi] = part.kind === 'raw' ? [part.lo, part.hi] : cellRange(part.cell, part.shift);
    if (plo !== next) return `part ${i} starts at ${plo}, not ${next}`;
    if (phi < plo || phi > hi) return `part ${i} ends at ${phi}`;
    next = phi + 1;
    if (part.kind === 'raw') {
      if (
        i !== 0 &&
        i !== parts.length - 1 &&
        parts[i - 1]?.kind !== 'raw' &&
        parts[i + 1]?.kind !== 'raw'
      )
        return `raw part ${i} in the middle`;
      if (levels.length > 0 && cellOf(plo, finest) !== cellOf(phi, finest))
        return `raw part ${i} crosses a cell of level ${finest}`;
      continue;
    }
    if (!levels.includes(part.shift)) return `part ${i} has level ${part.shift}`;
    for (const s of levels)
      if (s > part.shift && (plo - 1) % 2 ** s === 0 && plo - 1 + 2 ** s <= hi)
        return `part ${i}: a cell of level ${s} fits at ${plo}`;
  }
  return next === hi + 1 ? undefined : `parts end at ${next - 1}, not ${hi}`;
}

describe('decomposeRange', () => {
  it('covers a range with the largest aligned cells and raw ends', () => {
    expect(decomposeRange(1, 1024, [8, 10])).toEqual([{ kind: 'cell', shift: 10, cell: 0 }]);
    expect(decomposeRange(100, 1300, [8, 10])).toEqual([
      { kind: 'raw', lo: 100, hi: 256 },
      { kind: 'cell', shift: 8, cell: 1 },
      { kind: 'cell', shift: 8, cell: 2 },
      { kind: 'cell', shift: 8, cell: 3 },
      { kind: 'cell', shift: 8, cell: 4 },
      { kind: 'raw', lo: 1281, hi: 1300 },
    ]);
    expect(decomposeRange(100, 2300, [10, 8])).toEqual([
      { kind: 'raw', lo: 100, hi: 256 },
      { kind: 'cell', shift: 8, cell: 1 },
      { kind: 'cell', shift: 8, cell: 2 },
      { kind: 'cell', shift: 8, cell: 3 },
      { kind: 'cell', shift: 10, cell: 1 },
      { kind: 'raw', lo: 2049, hi: 2300 },
    ]);
    expect(decomposeRange(3, 200, [8])).toEqual([{ kind: 'raw', lo: 3, hi: 200 }]);
    expect(decomposeRange(100, 501, [8, 10])).toEqual([
      { kind: 'raw', lo: 100, hi: 256 },
      { kind: 'raw', lo: 257, hi: 501 },
    ]);
    expect(decomposeRange(3, 9, [])).toEqual([{ kind: 'raw', lo: 3, hi: 9 }]);
    expect(decomposeRange(7, 7, [0])).toEqual([{ kind: 'cell', shift: 0, cell: 6 }]);
  });

  it('is exact, ordered and maximal for random ranges and levels, up to 2^53', () => {
    const rand = seededRandom(11);
    for (let k = 0; k < 500; k++) {
      const levels = k % 3 === 0 ? [8, 10, 12] : [0, 1, 2, 3, 4, 5, 6].filter(() => rand() < 0.4);
      const base = k % 5 === 0 ? TOP - 5000 : 1;
      const lo = base + randomInt(rand, 0, 2000);
      const hi = Math.min(TOP, lo + randomInt(rand, 0, 3000));
      const problem = decompositionProblem(lo, hi, levels, decomposeRange(lo, hi, levels));
      if (problem !== undefined) expect({ lo, hi, levels, problem }).toBeUndefined();
    }
    const levels = pyramidShifts(1000, TOP);
    const whole = decomposeRange(1000, TOP, levels);
    expect(decompositionProblem(1000, TOP, levels, whole)).toBeUndefined();
    expect(whole.length).toBeLessThan(2 * 4 * levels.length);
  });

  it('refuses bad levels', () => {
    expect(() => decomposeRange(1, 10, [-1])).toThrow(RangeError);
    expect(() => decomposeRange(1, 10, [2.5])).toThrow(RangeError);
  });
});
