import { BucketBuilder, type SampleChunk, type SeriesBucket } from '@runstream/domain';
import { alignLines, bucketLines, componentLabel } from './plot-columns';

const NAN = { $num: 'NaN' } as const;
const INF = { $num: 'Infinity' } as const;
const NEG_INF = { $num: '-Infinity' } as const;

/** One bucket per `size` samples of `chunk`. */
function bucketsOf(chunk: SampleChunk, size: number): SeriesBucket[] {
  const builder = new BucketBuilder();
  const out: SeriesBucket[] = [];
  for (let i = 0; i < chunk.t.length; i += size) {
    builder.addChunk(chunk, i, Math.min(chunk.t.length, i + size));
    out.push(builder.build());
  }
  return out;
}

describe('bucketLines', () => {
  it('draws each bucket through first, min, max and last in seq order (a spike stays)', () => {
    const chunk = { first: 1, t: [0, 1, 2, 3, 4, 5, 6, 7], v: [0, 1, 100, 2, -5, 3, 4, 5] };
    const { lines } = bucketLines('x', bucketsOf(chunk, 8));
    expect(lines).toEqual([{ label: 'x', x: [0, 2, 4, 7], y: [0, 100, -5, 5] }]);
  });

  it('labels array components and keeps them apart', () => {
    const chunk = {
      first: 1,
      t: [0, 1],
      v: [
        [1, 10, 100],
        [2, 20, 200],
      ],
    };
    const { lines } = bucketLines('state', bucketsOf(chunk, 1));
    expect(lines.map((l) => l.label)).toEqual(['state[0]', 'state[1]', 'state[2]']);
    expect(lines[2]).toEqual({ label: 'state[2]', x: [0, 1], y: [100, 200] });
    expect(componentLabel('x', 0, 1)).toBe('x');
  });

  it('breaks the line at NaN and ±Infinity and marks them; never throws', () => {
    const chunk = { first: 1, t: [0, 1, 2, 3, 4], v: [1, NAN, INF, NEG_INF, 2] };
    const { lines, marks } = bucketLines('x', bucketsOf(chunk, 1));
    expect(lines[0]).toEqual({ label: 'x', x: [0, 1, 2, 3, 4], y: [1, null, null, null, 2] });
    expect(marks).toEqual([
      { t: 1, kind: 'nan', count: 1 },
      { t: 2, kind: '+inf', count: 1 },
      { t: 3, kind: '-inf', count: 1 },
    ]);
  });

  it('marks a NaN inside a bucket with finite values without breaking the line', () => {
    const chunk = { first: 1, t: [0, 1, 2], v: [1, NAN, 3] };
    const { lines, marks } = bucketLines('x', bucketsOf(chunk, 3));
    expect(lines[0]?.y).toEqual([1, 3]);
    expect(marks).toEqual([{ t: 0, kind: 'nan', count: 1 }]);
  });

  it('counts strings, booleans and nulls apart from the lines', () => {
    const chunk = { first: 1, t: [0, 1, 2], v: ['a', true, null] };
    const drawn = bucketLines('phase', bucketsOf(chunk, 1));
    expect(drawn.lines).toEqual([]);
    expect(drawn.nonNumeric).toBe(3);
  });
});

describe('alignLines', () => {
  it('gives every point a row; other lines are undefined there (spanned), gaps stay null', () => {
    const data = alignLines([
      { label: 'a', x: [0, 2, 4], y: [1, null, 3] },
      { label: 'b', x: [1, 2], y: [10, 20] },
    ]);
    expect(data).toEqual([
      [0, 1, 2, 2, 4],
      [1, undefined, null, undefined, 3],
      [undefined, 10, undefined, 20, undefined],
    ]);
  });
});
