import { SampleSeries, batchSizes, evenSplit, smoothChunk } from './tiering-data';

describe('SampleSeries', () => {
  it('is deterministic: the same index and seed give the same samples', () => {
    expect(new SampleSeries(2).next(500)).toEqual(new SampleSeries(2).next(500));
    expect(new SampleSeries(2).next(50)).not.toEqual(new SampleSeries(3).next(50));
  });

  it('continues where the last batch ended', () => {
    const whole = new SampleSeries(0).next(300);
    const split = new SampleSeries(0);
    const parts = [split.next(100), split.next(200)];
    expect(parts.flatMap((p) => p.t)).toEqual(whole.t);
    expect(parts.flatMap((p) => p.v)).toEqual(whole.v);
  });

  it('has increasing t, full-precision doubles and tagged NaNs, as model output does', () => {
    const { t, v } = new SampleSeries(1).next(20_000);
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1] as number);
    const nans = v.filter((x) => typeof x === 'object' && x !== null && '$num' in x);
    expect(nans.length).toBeGreaterThan(20_000 / 300);
    expect(nans.length).toBeLessThan(20_000 / 75);
    const numbers = v.filter((x): x is number => typeof x === 'number');
    const digits = numbers.map((x) => JSON.stringify(x).replace(/[^0-9]/g, '').length);
    expect(digits.reduce((a, b) => a + b, 0) / digits.length).toBeGreaterThan(12);
  });
});

describe('batchSizes', () => {
  it('splits a total into batches, the last one smaller', () => {
    expect(batchSizes(2500, 1000)).toEqual([1000, 1000, 500]);
    expect(batchSizes(2000, 1000)).toEqual([1000, 1000]);
    expect(batchSizes(0, 1000)).toEqual([]);
  });

  it('refuses a batch under 1', () => {
    expect(() => batchSizes(10, 0)).toThrow(RangeError);
  });
});

describe('evenSplit', () => {
  it('splits a total into parts differing by at most one, the larger first', () => {
    expect(evenSplit(5_000_000, 50)).toEqual(new Array<number>(50).fill(100_000));
    expect(evenSplit(10, 3)).toEqual([4, 3, 3]);
    expect(evenSplit(11, 3)).toEqual([4, 4, 3]);
    expect(evenSplit(3, 3)).toEqual([1, 1, 1]);
  });

  it('refuses fewer samples than parts, and parts that are not whole and positive', () => {
    expect(() => evenSplit(2, 3)).toThrow(/2 samples cannot fill 3 parts/);
    expect(() => evenSplit(10, 0)).toThrow(RangeError);
    expect(() => evenSplit(10, 1.5)).toThrow(RangeError);
  });
});

describe('smoothChunk', () => {
  it('is a function of the seq: t at 1 kHz, short values, a tagged NaN and a spike now and then', () => {
    const chunk = smoothChunk(499_001, 2000);
    expect(chunk.first).toBe(499_001);
    expect(chunk.t[0]).toBe(499);
    expect(chunk.t[1999]).toBe(500.999);
    expect(smoothChunk(499_500, 10)).toEqual({
      first: 499_500,
      t: chunk.t.slice(499, 509),
      v: chunk.v.slice(499, 509),
    });
    const nans = chunk.v.filter((x) => typeof x === 'object');
    expect(nans).toEqual([{ $num: 'NaN' }]);
    const text = JSON.stringify(chunk.v);
    expect(text.length / 2000).toBeLessThan(10);
    const spike = smoothChunk(1_000_003, 2).v;
    expect((spike[0] as number) - (spike[1] as number)).toBeGreaterThan(200);
  });
});
