import type { SegmentInfo } from '@runstream/cold-store';
import { coveringInputs, segmentChain } from './segment-chain';

const seg = (first: number, last: number): SegmentInfo => ({
  key: `s/${first}-${last}`,
  first,
  last,
  size: last - first + 1,
});
const spans = (xs: readonly { first: number; last: number }[]): number[][] =>
  xs.map((x) => [x.first, x.last]);

describe('coveringInputs', () => {
  it('takes at each seq the segment that starts there and reaches furthest, passing the others over', () => {
    // A compaction's output (1..400) listed beside its inputs, and a segment after it.
    const listed = [seg(1, 100), seg(1, 400), seg(101, 200), seg(201, 400), seg(401, 450)];
    const { inputs, next } = coveringInputs(listed, 1, 450);
    expect(inputs.map((i) => [i.object.first, i.object.last, i.from])).toEqual([
      [1, 400, undefined],
      [401, 450, undefined],
    ]);
    expect(next).toBe(451);
  });

  it('cuts a segment that overlaps the one before it (a flush retried with other bounds)', () => {
    const { inputs } = coveringInputs([seg(1, 20), seg(15, 25), seg(21, 30)], 1, 30);
    expect(inputs.map((i) => [i.object.first, i.object.last, i.from])).toEqual([
      [1, 20, undefined],
      [21, 30, undefined],
    ]);
    const cut = coveringInputs([seg(1, 20), seg(15, 30)], 1, 30).inputs;
    expect(cut.map((i) => [i.object.first, i.object.last, i.from])).toEqual([
      [1, 20, undefined],
      [15, 30, 21],
    ]);
  });

  it('stops at the first missing seq, saying where segments resume', () => {
    expect(coveringInputs([seg(1, 10), seg(21, 30)], 1, 30)).toMatchObject({
      next: 11,
      resumesAt: 21,
    });
    expect(coveringInputs([seg(1, 10)], 1, 30)).toEqual({
      inputs: [{ object: seg(1, 10) }],
      next: 11,
    });
    // Segments past `to` are not taken.
    expect(coveringInputs([seg(1, 10), seg(11, 40)], 1, 30).next).toBe(11);
  });
});

describe('segmentChain', () => {
  it('keeps the segments that reach furthest; those inside another are covered', () => {
    const { chain, covered } = segmentChain([
      seg(101, 200),
      seg(1, 100),
      seg(1, 400),
      seg(201, 400),
      seg(401, 450),
      seg(500, 600),
    ]);
    expect(spans(chain)).toEqual([
      [1, 400],
      [401, 450],
      [500, 600],
    ]);
    expect(spans(covered)).toEqual([
      [1, 100],
      [101, 200],
      [201, 400],
    ]);
  });

  it('keeps a segment that overlaps the one before without being inside it', () => {
    const { chain, covered } = segmentChain([seg(1, 20), seg(15, 30)]);
    expect(spans(chain)).toEqual([
      [1, 20],
      [15, 30],
    ]);
    expect(covered).toEqual([]);
  });
});
