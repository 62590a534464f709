import { decodeCellRecord, encodeCellRecord, type CellRecord } from './cell-record';
import { StoredFormatError } from './errors';
import { CellAggregator, type CellBucket } from './series-buckets';
import { randomChunks, randomSamples, seededRandom } from './testing/random-samples';

function randomCells(seed: number, shift: number): CellBucket[] {
  const rand = seededRandom(seed);
  const cells: CellBucket[] = [];
  const aggregator = new CellAggregator(shift, (c) => cells.push(c));
  for (const chunk of randomChunks(rand, randomSamples(rand, 37, 3000, 'mixed'), 300))
    aggregator.addChunk(chunk);
  aggregator.finish();
  return cells;
}

const GOOD: CellRecord = [
  2,
  3,
  9,
  1.5,
  2.5,
  1,
  0,
  0,
  [
    [2, 0, 0, 0, 9, 1.5, { $num: '-0' }, 11, 2.5, 4, 9, 1.5, { $num: '-0' }, 11, 2.5, 4],
    [0, 1, 0, 0],
  ],
];

describe('cell records', () => {
  it('round-trip through JSON text, -0 included', () => {
    for (const shift of [0, 3, 8]) {
      const cells = randomCells(shift + 1, shift);
      const text = JSON.stringify(cells.map((c) => encodeCellRecord(c.cell, c.bucket)));
      const back = (JSON.parse(text) as unknown[]).map((r) => decodeCellRecord(r, shift));
      expect(back).toEqual(cells);
      expect(JSON.stringify(back.map((c) => encodeCellRecord(c.cell, c.bucket)))).toBe(text);
    }
    const decoded = decodeCellRecord(GOOD, 2);
    expect(Object.is(decoded.bucket.components[0]?.min?.v, -0)).toBe(true);
    expect(decoded.bucket.components[1]).toEqual({ count: 0, nan: 1, posInf: 0, negInf: 0 });
    expect(encodeCellRecord(decoded.cell, decoded.bucket)).toEqual(GOOD);
  });

  const damaged: Array<[string, (r: unknown[]) => unknown, RegExp]> = [
    ['not an array', () => ({ cell: 1 }), /not an array of 9/],
    ['a field short', (r) => r.slice(0, 8), /not an array of 9/],
    ['a fractional cell', (r) => ((r[0] = 2.5), r), /cell must be an integer/],
    ['no samples', (r) => ((r[1] = 0), r), /n must be an integer/],
    ['seq 0', (r) => ((r[2] = 0), r), /firstSeq/],
    ['a string for t', (r) => ((r[3] = '1.5'), r), /tFirst must be a finite number/],
    ['more strings than samples', (r) => ((r[5] = 4), r), /strings must be an integer in \[0, 3\]/],
    ['kinds over n', (r) => ((r[6] = 2), (r[7] = 1), r), /exceed n/],
    ['components not an array', (r) => ((r[8] = {}), r), /components must be an array/],
    [
      '17 components',
      (r) => ((r[8] = Array.from({ length: 17 }, () => [0, 1, 0, 0])), r),
      /at most 16/,
    ],
    ['points with count 0', (r) => ((r[8] = [[0, 1, 0, 0, 9, 1, 1]]), r), /7 fields with count 0/],
    ['no points with count 2', (r) => ((r[8] = [[2, 0, 0, 0]]), r), /4 fields with count 2/],
    ['a component counting nothing', (r) => ((r[8] = [[0, 0, 0, 0]]), r), /counts nothing/],
    ['a component over n', (r) => ((r[8] = [[0, 2, 2, 0]]), r), /more than 3 samples/],
    [
      'NaN as a point',
      (r) => (((r[8] as unknown[][])[0]![6] = { $num: 'NaN' }), r),
      /first v must be a finite wire number/,
    ],
    [
      'a point outside the bucket',
      (r) => (((r[8] as unknown[][])[0]![4] = 12), r),
      /first seq must be an integer in \[9, 11\]/,
    ],
    ['min above max', (r) => (((r[8] as unknown[][])[0]![12] = 5), r), /inconsistent/],
    [
      'last before first',
      (r) => (((r[8] as unknown[][])[0]![7] = 9), ((r[8] as unknown[][])[0]![4] = 10), r),
      /inconsistent/,
    ],
  ];

  it.each(damaged)('refuse %s with a StoredFormatError naming it', (_, damage, message) => {
    const record = damage(structuredClone(GOOD));
    expect(() => decodeCellRecord(record)).toThrow(StoredFormatError);
    expect(() => decodeCellRecord(record)).toThrow(message);
  });

  it('refuse a bucket outside its cell when the level is known', () => {
    expect(() => decodeCellRecord(GOOD, 2)).not.toThrow(); // cell 2 of width 4: [9, 12]
    expect(() => decodeCellRecord(GOOD, 3)).toThrow(/\[9, 11\] are outside the cell \[17, 24\]/);
    expect(() => decodeCellRecord(GOOD, 1)).toThrow(StoredFormatError);
  });
});
