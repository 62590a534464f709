import { encodeCellRecord, decodeCellRecord, type SampleChunk } from '@runstream/domain';
import { randomChunks, randomInt, randomSamples, seededRandom } from '@runstream/domain/testing';
import { buildPyramid, coarsenRecords, joinPyramids } from './pyramid';
import { pyramidProblem } from './testing/pyramid-check';

/** The samples first..last of `data`, as one chunk. */
function slice(data: SampleChunk, first: number, last: number): SampleChunk {
  return {
    first,
    t: data.t.slice(first - data.first, last - data.first + 1),
    v: data.v.slice(first - data.first, last - data.first + 1),
  };
}

describe('buildPyramid', () => {
  it.each([1, 2, 3])(
    'equals the brute-force buckets of every cell of every level (seed %i)',
    (seed) => {
      const rand = seededRandom(seed);
      const first = randomInt(rand, 1, 5000);
      const count = randomInt(rand, 1, 40_000);
      const data = randomSamples(rand, first, count, seed === 2 ? 'arrays' : 'mixed');
      const levels = buildPyramid(randomChunks(rand, data, 900), first, first + count - 1);
      expect(pyramidProblem(levels, data, first, first + count - 1)).toBeUndefined();
    },
  );

  it('takes chunks that start before or end after its range, and refuses gaps and short ends', () => {
    const data = randomSamples(seededRandom(9), 1, 3000);
    const levels = buildPyramid([data], 1001, 2000);
    expect(pyramidProblem(levels, data, 1001, 2000)).toBeUndefined();
    expect(() => buildPyramid([slice(data, 1, 10), slice(data, 12, 300)], 1, 300)).toThrow(
      /chunk at 12 where seq 11 was due/,
    );
    expect(() => buildPyramid([slice(data, 1, 10)], 1, 300)).toThrow(/samples end at 10/);
  });
});

describe('joinPyramids', () => {
  it.each([4, 5, 6, 7])(
    'of consecutive parts equals the pyramid of the whole (seed %i)',
    (seed) => {
      const rand = seededRandom(seed);
      const first = randomInt(rand, 1, 70_000);
      const count = randomInt(rand, 2, 120_000);
      const last = first + count - 1;
      const data = randomSamples(rand, first, count, 'mixed');
      // Cut anywhere: parts of one sample, parts inside one cell, parts of many levels.
      const cuts = new Set<number>();
      for (let i = randomInt(rand, 1, 12); i > 0; i--) cuts.add(randomInt(rand, first + 1, last));
      if (seed === 7) for (let s = first + 1; s <= Math.min(last, first + 20); s++) cuts.add(s);
      const bounds = [first, ...[...cuts].sort((a, b) => a - b), last + 1];
      const parts = bounds
        .slice(1)
        .map((end, i) => buildPyramid([data], bounds[i] as number, end - 1));
      const joined = joinPyramids(parts, first, last);
      expect(pyramidProblem(joined, data, first, last)).toBeUndefined();
      expect(joined).toEqual(buildPyramid([data], first, last));
    },
  );

  it('refuses parts that leave a gap', () => {
    const data = randomSamples(seededRandom(8), 1, 5000);
    const a = buildPyramid([data], 1, 1000);
    const b = buildPyramid([data], 2001, 5000);
    expect(() => joinPyramids([a, b], 1, 5000)).toThrow(/cell record/);
  });
});

describe('coarsenRecords', () => {
  it('combines a top level into the one cell above it', () => {
    const data = randomSamples(seededRandom(10), 1, 1000);
    const levels = buildPyramid([data], 300, 900);
    const top = levels[levels.length - 1]!;
    const [record] = coarsenRecords(top.records, top.shift, top.shift + 4);
    const { cell, bucket } = decodeCellRecord(record, top.shift + 4);
    expect(cell).toBe(0);
    expect(encodeCellRecord(0, bucket)).toEqual(
      encodeCellRecord(0, decodeCellRecord(top.records[0]).bucket),
    );
  });
});
