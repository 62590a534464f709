import { compactFraction, flushFraction, MERGE_PHASES, mergeFraction } from './progress';

describe('flushFraction', () => {
  it('counts the buffers handled of a flush of everything', () => {
    expect(flushFraction({ everything: true, handled: 0, total: 4 })).toBe(0);
    expect(flushFraction({ everything: true, handled: 1, total: 4 })).toBe(0.25);
    expect(flushFraction({ everything: true, handled: 4, total: 4 })).toBe(1);
    expect(flushFraction({ everything: true, handled: 0, total: 0 })).toBe(0);
  });

  it('measures the way from the starting ratio down to the low-water mark', () => {
    const state = { everything: false, ratioBefore: 0.8, lowWater: 0.5 } as const;
    expect(flushFraction({ ...state, ratio: 0.8 })).toBe(0);
    expect(flushFraction({ ...state, ratio: 0.65 })).toBeCloseTo(0.5);
    expect(flushFraction({ ...state, ratio: 0.5 })).toBe(1);
    expect(flushFraction({ ...state, ratio: 0.3 })).toBe(1);
    // Writers filled memory faster than the flush freed it: no way made, not less than none.
    expect(flushFraction({ ...state, ratio: 0.9 })).toBe(0);
  });

  it('has nothing to do when memory starts at or under the mark', () => {
    expect(flushFraction({ everything: false, ratioBefore: 0.4, ratio: 0.4, lowWater: 0.5 })).toBe(
      1,
    );
  });
});

describe('mergeFraction', () => {
  it('rises through the phases, in order, from 0 to 1', () => {
    const fractions = MERGE_PHASES.map((phase) => mergeFraction(phase, 0, 0));
    expect(fractions[0]).toBe(0);
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++)
      expect(fractions[i]).toBeGreaterThan(fractions[i - 1]!);
  });

  it('moves through the merge phase with the variables merged', () => {
    const start = mergeFraction('merge', 0, 4);
    const half = mergeFraction('merge', 2, 4);
    const all = mergeFraction('merge', 4, 4);
    expect(start).toBe(mergeFraction('merge'));
    expect(half).toBeCloseTo((start + all) / 2);
    expect(all).toBe(mergeFraction('manifest'));
  });
});

describe('compactFraction', () => {
  it('is the share of variables compacted, and done when there are none', () => {
    expect(compactFraction(0, 4)).toBe(0);
    expect(compactFraction(1, 4)).toBe(0.25);
    expect(compactFraction(4, 4)).toBe(1);
    expect(compactFraction(0, 0)).toBe(1);
  });
});
