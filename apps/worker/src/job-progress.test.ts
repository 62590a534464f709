import { compactJobProgress, flushJobProgress, mergeJobProgress, percentOf } from './job-progress';

describe('job progress', () => {
  it('is a percentage that reaches 100 only when the work is done', () => {
    expect(percentOf(0)).toBe(0);
    expect(percentOf(0.5)).toBe(50);
    expect(percentOf(0.999)).toBe(99);
    expect(percentOf(1)).toBe(100);
    expect(percentOf(1.2)).toBe(100);
    expect(percentOf(-0.1)).toBe(0);
  });

  it('carries a flush’s reason and counts, the percentage under `progress` (bull-board’s bar)', () => {
    const counts = { resumed: 1, moved: 2, segments: 3, samples: 30, bytes: 400, ratio: 0.6 };
    expect(flushJobProgress('pressure', { fraction: 0.25, ...counts })).toEqual({
      progress: 25,
      reason: 'pressure',
      ...counts,
    });
  });

  it('carries a merge’s reason, phase and variables', () => {
    const where = { phase: 'merge', variablesMerged: 3, variables: 4 } as const;
    expect(mergeJobProgress('idle', { fraction: 0.75, ...where })).toEqual({
      progress: 75,
      reason: 'idle',
      ...where,
    });
  });

  it('carries a compaction’s reason and counts', () => {
    const counts = {
      variablesCompacted: 1,
      variables: 2,
      written: 3,
      joined: 24,
      covered: 0,
      bytes: 9,
    };
    expect(compactJobProgress('segments', { fraction: 0.5, ...counts })).toEqual({
      progress: 50,
      reason: 'segments',
      ...counts,
    });
  });
});
