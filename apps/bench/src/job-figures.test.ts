import { jobFigure, jobsPerMinute, lookRounds, withWait } from './job-figures';

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

describe('jobFigure and withWait', () => {
  it('takes the median of the rounds and the jobs per minute at concurrency 1', () => {
    const f = jobFigure('flush', '8 × 10,000', [300, 100, 200]);
    expect(f.medianMs).toBe(200);
    expect(f.perMinute).toBe(300);
    expect(f.derived).toBeUndefined();
  });

  it('adds a fixed wait per job as a computed row', () => {
    const f = withWait(jobFigure('merge', 'run', [500, 1500]), 'merge', 1000, '+ quiescence');
    expect(f.medianMs).toBe(2000);
    expect(f.roundsMs).toEqual([1500, 2500]);
    expect(f.perMinute).toBe(30);
    expect(f.derived).toBe('+ quiescence');
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
