import { jobsPerMinute, lookRounds } from './job-figures';

describe('jobsPerMinute', () => {
  it('is concurrency × 60 000 / job time in ms', () => {
    expect(jobsPerMinute(1000)).toBe(60);
    expect(jobsPerMinute(250, 2)).toBe(480);
    expect(jobsPerMinute(1.5)).toBe(40_000);
  });

  it('refuses a job time that is not positive and a concurrency under 1', () => {
    expect(() => jobsPerMinute(0)).toThrow(RangeError);
    expect(() => jobsPerMinute(-1)).toThrow(RangeError);
    expect(() => jobsPerMinute(Number.NaN)).toThrow(RangeError);
    expect(() => jobsPerMinute(10, 0)).toThrow(RangeError);
  });
});

describe('lookRounds', () => {
  it('times each look from its start to the next, after the warm-up, per round', () => {
    // Warm-up starts at 0 and 100; then looks of 2, 2, 4 ms (round 1) and 1, 1, 1 ms (round 2).
    const starts = [0, 100, 102, 104, 108, 109, 110, 111];
    const rounds = lookRounds(starts, 1, 3, 2);
    expect(rounds).toHaveLength(2);
    expect(rounds[0]).toEqual({ looks: 3, medianMs: 2, looksPerSecond: 3000 / 8 });
    expect(rounds[1]).toEqual({ looks: 3, medianMs: 1, looksPerSecond: 1000 });
  });

  it('needs warm-up + rounds × looks + 1 starts', () => {
    expect(() => lookRounds([0, 1, 2], 1, 2, 1)).toThrow(/3 look starts, 4 needed/);
    expect(() => lookRounds([0, 1, 2], 0, 0, 1)).toThrow(RangeError);
  });
});
