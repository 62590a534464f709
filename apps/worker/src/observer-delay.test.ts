import { MIN_OBSERVER_DELAY_MS, observationWindow, observerDelay } from './observer-delay';

describe('observerDelay', () => {
  it('keeps the base for constant, divides it by k, or halves it each look', () => {
    expect([1, 2, 3, 4].map((k) => observerDelay('constant', 1000, k))).toEqual([
      1000, 1000, 1000, 1000,
    ]);
    expect([1, 2, 3, 4].map((k) => observerDelay('divided', 1200, k))).toEqual([
      1200, 600, 400, 300,
    ]);
    expect([1, 2, 3, 4].map((k) => observerDelay('exponential', 1000, k))).toEqual([
      1000, 500, 250, 125,
    ]);
  });

  it('never goes below the minimum delay', () => {
    expect(observerDelay('exponential', 1000, 30)).toBe(MIN_OBSERVER_DELAY_MS);
    expect(observerDelay('constant', 0, 1)).toBe(MIN_OBSERVER_DELAY_MS);
  });
});

describe('observationWindow', () => {
  it('sums the delays of the unchanged looks', () => {
    expect(observationWindow('constant', 1000, 3)).toBe(3000);
    expect(observationWindow('divided', 1200, 3)).toBe(1200 + 600 + 400);
    expect(observationWindow('exponential', 1000, 3)).toBe(1750);
  });
});
