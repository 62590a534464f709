import { crowdTimes, fmtTarget, roundsRow } from './read-figures';

describe('targets', () => {
  it('print as the issue states them', () => {
    expect(fmtTarget({ below: 150 })).toBe('< 150 ms');
    expect(fmtTarget({ atMost: 1.5 })).toBe('≤ 1.5×');
    expect(fmtTarget({ atLeast: 0.8 })).toBe('≥ 80 %');
  });
});

describe('roundsRow', () => {
  it('is a report row, judged on the median of per-round ratios', () => {
    const row = roundsRow('last seq', 'ms', [15, 40, 20], {
      to: 'seq 1',
      baseline: [10, 10, 20],
      target: { atMost: 1.5 },
    });
    expect(row).toEqual({
      subject: 'last seq',
      figure: 'ms',
      perRound: [15, 40, 20],
      median: 20,
      ratio: { to: 'seq 1', perRound: [1.5, 4, 1], median: 1.5 },
      target: '≤ 1.5×',
      met: true,
    });
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
