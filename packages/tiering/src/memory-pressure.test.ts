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
    /** A write at `at` ms with Redis at `r`, and the reading it starts, settled. */
    const writeAt = async (at: number, r: number): Promise<void> => {
      now = at;
      ratio = r;
      p.noteWrite();
      await tick();
      await tick();
    };
    await writeAt(300, 0.75);
    expect(flushes).toEqual([0.75]);
    expect(p.projectedRatio()).toBeLessThan(0.9);
    await writeAt(600, 0.95);
    expect(p.projectedRatio()).toBeGreaterThanOrEqual(0.9);
    await writeAt(900, 0.4);
    expect(p.projectedRatio()).toBeLessThan(0.9);
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
    expect(p.projectedRatio()).toBeGreaterThanOrEqual(0.9);
    fail = true;
    await p.check();
    expect(errors.map((e) => (e as Error).message)).toEqual(['OOM command not allowed', 'down']);
    expect(p.projectedRatio()).toBeGreaterThanOrEqual(0.9);
  });

  it('refuses a write only on a fresh reading: an old one over the limit is read again first', async () => {
    let now = 0;
    let ratio = 0.95;
    let reads = 0;
    const p = new MemoryPressure(
      () => {
        reads++;
        return Promise.resolve(reading(ratio));
      },
      { flushThreshold: 0.7, hardLimit: 0.9, minIntervalMs: 250 },
      () => Promise.resolve(),
      (err) => {
        throw err;
      },
      () => now,
    );
    expect(await p.admitsWrite()).toBe(true); // no reading yet: nothing to refuse on
    await tick();
    expect(reads).toBe(1);
    now = 100;
    expect(await p.admitsWrite()).toBe(false); // a fresh reading over the limit
    expect(reads).toBe(1);

    // A quiet spell; a flush frees memory meanwhile. The next write is not refused on the old reading.
    now = 5_000;
    ratio = 0.3;
    expect(await p.admitsWrite()).toBe(true);
    expect(reads).toBe(2);
    // Admitted writes never wait for a reading.
    now = 10_000;
    ratio = 0.95;
    let settled = false;
    const admitted = p.admitsWrite().then((ok) => (settled = ok));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true);
    await admitted;
  });

  it('counts the bytes it admits between readings, in flight ones included, and refuses before the limit', async () => {
    let used = 50;
    let resolveRead: (() => void) | undefined;
    let slowRead = false;
    const p = new MemoryPressure(
      () =>
        slowRead
          ? new Promise((resolve) => {
              resolveRead = () => resolve({ usedBytes: used, limitBytes: 100, ratio: used / 100 });
            })
          : Promise.resolve({ usedBytes: used, limitBytes: 100, ratio: used / 100 }),
      { flushThreshold: 0.7, hardLimit: 0.9, minIntervalMs: 60_000 },
      () => Promise.resolve(),
      (err) => {
        throw err;
      },
    );
    await p.check(); // 50 of 100
    expect(await p.admitsWrite(20)).toBe(true); // 70
    expect(await p.admitsWrite(15)).toBe(true); // 85
    expect(p.projectedRatio()).toBeCloseTo(0.85);
    expect(await p.admitsWrite(5)).toBe(false); // would reach 90: refused, not counted
    expect(p.projectedRatio()).toBeCloseTo(0.85);

    // A reading taken while the 15 are still being written may miss them: they stay counted.
    p.writeEnded(20);
    used = 70;
    slowRead = true;
    const reading = p.check();
    expect(await p.admitsWrite(3)).toBe(true); // admitted during the reading: counted after it
    resolveRead?.();
    await reading;
    expect(p.projectedRatio()).toBeCloseTo((70 + 15 + 3) / 100);
    p.writeEnded(15);
    p.writeEnded(3);
    slowRead = false;
    used = 88;
    await p.check();
    expect(p.projectedRatio()).toBeCloseTo(0.88);
  });

  it('admits at most its budget on one reading past the flush threshold, however many writes arrive at once', async () => {
    // Redis as a number: a write lands a tick after it is admitted, costing a
    // quarter more than its estimate (ingest has seen single writes cost 1.54×
    // body bytes against the 1.25 it counts); a reading answers a tick later.
    const LIMIT = 1_000_000;
    const WRITE = 30_000; // estimated bytes of one write: 3 % of the limit
    const COST = 1.25;
    let used = 0.5 * LIMIT;
    let peak = used;
    let reads = 0;
    const p = new MemoryPressure(
      () => {
        reads++;
        const at = used;
        return tick().then(() => ({ usedBytes: at, limitBytes: LIMIT, ratio: at / LIMIT }));
      },
      { flushThreshold: 0.7, hardLimit: 0.9, minIntervalMs: 250 },
      () => Promise.resolve(),
      (err) => {
        throw err;
      },
      () => 0, // the clock stands still: no reading ever turns stale by age
    );
    await p.check();
    expect(reads).toBe(1);
    let admitted = 0;
    let refused = 0;
    // 40 producers, each with one batch in flight at a time, 5 batches each.
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        for (let i = 0; i < 5; i++) {
          if (!(await p.admitsWrite(WRITE))) {
            refused++;
            continue;
          }
          admitted++;
          await tick();
          used += COST * WRITE;
          peak = Math.max(peak, used);
          p.writeEnded(WRITE);
        }
      }),
    );
    // Without the budget the one reading at 0.5 admitted 13 writes at once, and
    // Redis went to 0.5 + 13 × 0.0375 ≈ 0.99. With it, each reading past the
    // flush threshold admits at most 0.1 of the limit (by estimate): over the
    // hard limit by at most a quarter of that, plus those in flight at the
    // reading (admitted on the reading before).
    expect(admitted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(2);
    expect(peak / LIMIT).toBeLessThanOrEqual(0.9 + ((COST - 1) * 2 * p.readingBudget()) / LIMIT);
    expect(peak / LIMIT).toBeLessThan(0.96);
  });
});
