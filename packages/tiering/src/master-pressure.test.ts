import type { MemoryReading } from '@runstream/hot-store';
import { MasterPressure } from './master-pressure';

const reading = (ratio: number): MemoryReading => ({
  usedBytes: ratio * 100,
  limitBytes: 100,
  ratio,
});

describe('MasterPressure', () => {
  it("refuses a run's writes only when its own master is full", async () => {
    const ratios = new Map([
      ['a:1', 0.95],
      ['b:2', 0.2],
    ]);
    const flushes: string[] = [];
    const p = new MasterPressure(
      (run) => (run.startsWith('on-a') ? 'a:1' : 'b:2'),
      (node) => Promise.resolve(reading(ratios.get(node) ?? 0)),
      // No reading turns stale within the test: with 0 ms, whether a write re-read (and asked
      // for another flush) depended on the clock ticking between two calls.
      { flushThreshold: 0.7, hardLimit: 0.9, minIntervalMs: 60_000 },
      (_ratio, node) => {
        flushes.push(node);
        return Promise.resolve();
      },
      (err) => {
        throw err;
      },
    );
    await p.of('a:1').check();
    await p.of('b:2').check();
    expect(await p.admitsWrite(1, 'on-a-1')).toBe(false);
    expect(await p.admitsWrite(1, 'on-b-1')).toBe(true);
    expect(flushes).toEqual(['a:1']);
    ratios.set('a:1', 0.3);
    await p.of('a:1').check();
    expect(await p.admitsWrite(1, 'on-a-1')).toBe(true);
  });

  it('lets a write through while its master is unknown (a failover under way)', async () => {
    const p = new MasterPressure(
      () => undefined,
      () => Promise.reject(new Error('not read')),
      { flushThreshold: 0.7, hardLimit: 0.9, minIntervalMs: 0 },
      () => Promise.resolve(),
      () => undefined,
    );
    expect(await p.admitsWrite(1, 'r')).toBe(true);
  });
});
