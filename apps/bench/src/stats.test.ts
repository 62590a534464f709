import { fieldMedians, median, percentile, percentileOfSorted, summarize } from './stats';

describe('median', () => {
  it('is the middle value of an odd count, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
  });

  it('is the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('sorts numerically, not as strings', () => {
    expect(median([10, 9, 100])).toBe(10);
  });

  it('does not reorder its input', () => {
    const input = [3, 1, 2];
    median(input);
    expect(input).toEqual([3, 1, 2]);
  });

  it('refuses an empty set', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted

  it('p99 of 1..100 is 99 and p100 is the maximum', () => {
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('p50 of 1..100 is 50, an observed value', () => {
    expect(percentile(hundred, 50)).toBe(50);
  });

  it('p0 is the minimum', () => {
    expect(percentile(hundred, 0)).toBe(1);
  });

  it('a single value is every percentile', () => {
    expect(percentileOfSorted([7], 1)).toBe(7);
    expect(percentileOfSorted([7], 99)).toBe(7);
  });

  it('p99 of 10 values is the largest: too few values to leave one out', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  });

  it('refuses a percentile outside 0..100 and an empty set', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('gives count, extremes, percentiles and mean', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(summarize(values)).toEqual({
      n: 1000,
      min: 1,
      p50: 500,
      p90: 900,
      p99: 990,
      max: 1000,
      mean: 500.5,
    });
  });

  it('accepts typed arrays', () => {
    expect(summarize(new Float64Array([2, 1])).p50).toBe(1);
  });
});

describe('fieldMedians', () => {
  it('is the median of each field', () => {
    const records = [
      { a: 1, b: 30 },
      { a: 3, b: 10 },
      { a: 2, b: 20 },
    ];
    expect(fieldMedians(records)).toEqual({ a: 2, b: 20 });
  });

  it('refuses no records', () => {
    expect(() => fieldMedians([])).toThrow(/no records/);
  });
});
