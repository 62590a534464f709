import { MemoryPressure } from './memory-pressure';

const reading = (ratio: number) => ({ usedBytes: ratio * 100, limitBytes: 100, ratio });
const tick = () => new Promise((r) => setImmediate(r));

describe('MemoryPressure', () => {
  it('reads at most once per interval, off the caller’s path, and asks for a flush over the threshold', async () => {
    let now = 0;
    let ratio = 0.5;
    let reads = 0;
    const flushes: number[] = [];
    const p = new MemoryPressure(
      () => {
        reads++;
        return Promise.resolve(reading(ratio));
      },
      { flushThreshold: 0.7, hardLimit: 0.9, minIntervalMs: 250 },
      (r) => {
        flushes.push(r);
        return Promise.resolve();
      },
      (err) => {
        throw err;
      },
      () => now,
    );
    p.noteWrite();
    expect(reads).toBe(0); // nothing on the request's path
    await tick();
    expect(reads).toBe(1);
    p.noteWrite();
    await tick();
    expect(reads).toBe(1); // throttled
    now = 300;
    ratio = 0.75;
    p.noteWrite();
    await tick();
    await tick();
    expect(flushes).toEqual([0.75]);
    expect(p.overHardLimit).toBe(false);
    now = 600;
    ratio = 0.95;
    p.noteWrite();
    await tick();
    await tick();
    expect(p.overHardLimit).toBe(true);
    now = 900;
    ratio = 0.4;
    p.noteWrite();
    await tick();
    await tick();
    expect(p.overHardLimit).toBe(false);
  });

  it('reports a failed reading and keeps the last good one', async () => {
    const errors: unknown[] = [];
    let fail = false;
    const p = new MemoryPressure(
      () => (fail ? Promise.reject(new Error('down')) : Promise.resolve(reading(0.95))),
      { flushThreshold: 0.7, hardLimit: 0.9, minIntervalMs: 0 },
      () => Promise.reject(new Error('OOM command not allowed')),
      (err) => errors.push(err),
    );
    await p.check();
    expect(p.overHardLimit).toBe(true);
    fail = true;
    await p.check();
    expect(errors.map((e) => (e as Error).message)).toEqual(['OOM command not allowed', 'down']);
    expect(p.overHardLimit).toBe(true);
  });
});
