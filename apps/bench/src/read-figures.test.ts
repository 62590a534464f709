import { crowdTimes, fmtTarget, meets, metOrNot, roundRatio, roundsFigure } from './read-figures';

describe('roundsFigure', () => {
  it('keeps the rounds and their median', () => {
    expect(roundsFigure([30, 10, 20])).toEqual({ rounds: [30, 10, 20], median: 20 });
  });
});

describe('roundRatio', () => {
  it('is the median of the per-round ratios, not the ratio of the medians', () => {
    // Medians 20 / 10 = 2, but round by round 1.5, 4, 1.
    const r = roundRatio([15, 40, 20], [10, 10, 20]);
    expect(r.perRound).toEqual([1.5, 4, 1]);
    expect(r.ratio).toBe(1.5);
  });

  it('refuses rounds that do not pair up', () => {
    expect(() => roundRatio([1, 2], [1])).toThrow(RangeError);
    expect(() => roundRatio([], [])).toThrow(RangeError);
  });
});

describe('targets', () => {
  it('reads a time below, a time ratio at most, a rate ratio at least', () => {
    expect(meets(149.9, { below: 150 })).toBe(true);
    expect(meets(150, { below: 150 })).toBe(false);
    expect(meets(1.5, { atMost: 1.5 })).toBe(true);
    expect(meets(1.51, { atMost: 1.5 })).toBe(false);
    expect(meets(0.8, { atLeast: 0.8 })).toBe(true);
    expect(meets(0.79, { atLeast: 0.8 })).toBe(false);
  });

  it('prints as the issue states them', () => {
    expect(fmtTarget({ below: 150 })).toBe('< 150 ms');
    expect(fmtTarget({ atMost: 1.5 })).toBe('≤ 1.5×');
    expect(fmtTarget({ atLeast: 0.8 })).toBe('≥ 80 %');
    expect(metOrNot(true)).toBe('met');
    expect(metOrNot(false)).toBe('not met');
  });
});

describe('crowdTimes', () => {
  it('gives the median subscriber and the slowest', () => {
    expect(crowdTimes([400, 100, 300, 200, 900])).toEqual({ medianMs: 300, maxMs: 900 });
  });

  it('refuses none', () => {
    expect(() => crowdTimes([])).toThrow(RangeError);
  });
});
