import { mapWithConcurrency } from './bounded-concurrency';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mapWithConcurrency', () => {
  it('keeps item order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 2, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await tick(ms);
      running--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });

  it('rejects with the first error, starts nothing after it, and leaves none running', async () => {
    const started: number[] = [];
    let running = 0;
    const done = mapWithConcurrency([0, 1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      running++;
      await tick(n === 1 ? 1 : 20);
      running--;
      if (n === 1) throw new Error('boom');
      return n;
    });
    await expect(done).rejects.toThrow('boom');
    expect(running).toBe(0);
    expect(started).toEqual([0, 1]);
  });

  it('handles no items and refuses a limit below 1', async () => {
    expect(await mapWithConcurrency([], 3, () => Promise.resolve(1))).toEqual([]);
    await expect(mapWithConcurrency([1], 0, () => Promise.resolve(1))).rejects.toThrow(RangeError);
  });
});
