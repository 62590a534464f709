import type { SegmentInfo } from '@runstream/cold-store';
import { nextWindow, sizeClass } from './compactor';

const seg = (first: number, last: number, size = last - first + 1): SegmentInfo => ({
  key: `s/${first}-${last}`,
  first,
  last,
  size,
});

/** Consecutive segments of these sample counts from seq 1. */
function chainOf(counts: readonly number[]): SegmentInfo[] {
  let first = 1;
  return counts.map((n) => {
    const s = seg(first, first + n - 1);
    first += n;
    return s;
  });
}

describe('sizeClass', () => {
  it('is ⌊log_base(samples / 16 384)⌋, negative below one piece', () => {
    expect(sizeClass(16_384, 8)).toBe(0);
    expect(sizeClass(131_071, 8)).toBe(0);
    expect(sizeClass(131_072, 8)).toBe(1);
    expect(sizeClass(16_383, 8)).toBe(-1);
    expect(sizeClass(2048, 8)).toBe(-1);
    expect(sizeClass(2047, 8)).toBe(-2);
    expect(sizeClass(1, 8)).toBe(-5);
    expect(sizeClass(16_384 * 4 ** 5, 4)).toBe(5);
  });
});

describe('nextWindow', () => {
  it('joins the oldest fan-in neighbours of one size class', () => {
    const chain = chainOf([200_000, 1000, 1000, 1000, 1000, 1000]);
    expect(nextWindow(chain, 4, 100)).toEqual({ start: 1, end: 5 });
    expect(nextWindow(chain.slice(0, 4), 4, 100)).toBeUndefined();
  });

  it('does not join across a gap (seqs still in Redis)', () => {
    const chain = [seg(1, 100), seg(101, 200), seg(301, 400), seg(401, 500)];
    expect(nextWindow(chain, 3, 2)).toBeUndefined();
    expect(nextWindow([...chain, seg(501, 600)], 3, 100)).toEqual({ start: 2, end: 5 });
  });

  it('over the limit with no class shared by fan-in neighbours, joins the cheapest', () => {
    const chain = chainOf([100, 5000, 100, 5000, 100, 5000]);
    expect(nextWindow(chain, 2, 6)).toBeUndefined();
    const window = nextWindow(chain, 2, 5);
    expect(window).toEqual({ start: 0, end: 2 });
  });
});
