import { HotStoreFullError, readMemory } from '@runstream/hot-store';
import { Queues } from '@runstream/queues';
import { waitFor } from '@runstream/testkit';
import {
  flushReports,
  historyProblem,
  sampleCount,
  startBackends,
  startWorker,
  writeSamples,
  type Backends,
  type TestWorker,
} from './testing/worker-harness';

// At maxmemory with noeviction Redis refuses BullMQ's writes too: nobody can
// even ask for a flush. The worker's watchdog sees it and drains Redis by
// itself, without the queue.

let b: Backends;
let queues: Queues;
let worker: TestWorker | undefined;

beforeAll(async () => {
  b = await startBackends({ maxmemory: '16mb' });
  queues = new Queues({ url: b.redis.url });
});
afterAll(async () => {
  await worker?.app.close();
  await queues?.close();
  await b?.stop();
});

describe('the drain watchdog', () => {
  it('drains a Redis too full for BullMQ below the low-water mark, losing nothing', async () => {
    const run = 'full';
    const variables = ['p', 'q', 'r', 's'];
    await b.hot.runs.create({ id: run });
    let written = 0;
    const size = 2000;
    const full = await (async () => {
      for (let i = 0; i < 10_000; i++) {
        try {
          await writeSamples(b.hot, run, variables, 1, size, written);
        } catch (err) {
          return err;
        }
        written += size;
      }
      return undefined;
    })();
    expect(full).toBeInstanceOf(HotStoreFullError);
    expect((await readMemory(b.hot.redis)).ratio).toBeGreaterThanOrEqual(0.9);
    // BullMQ cannot store a flush job now.
    await expect(
      queues.add('flush', { reason: 'pressure', requestedAt: Date.now() }),
    ).rejects.toThrow(/OOM/);

    // start() resolves after the watchdog's first check: here, a drain.
    worker = await startWorker(b.env, { DRAIN_CHECK_MS: '100' });
    const lines = worker.lines;
    const drained = lines.find((l) => l.msg === 'flush done' && l.reason === 'drain');
    expect(drained).toMatchObject({ stoppedBecause: 'low-water' });
    expect(drained!.ratioBefore as number).toBeGreaterThanOrEqual(0.9);
    expect(drained!.ratioAfter as number).toBeLessThanOrEqual(0.5);
    expect((await readMemory(b.hot.redis)).ratio).toBeLessThan(0.7);
    // The BullMQ workers waited, paused, instead of hammering a full Redis…
    expect(lines.filter((l) => l.msg === 'worker error')).toEqual([]);
    // …and serve the queue again once it has room.
    await waitFor('the queues to resume', () =>
      lines.some((l) => /queues resumed/.test(String(l.msg))) ? true : undefined,
    );
    await queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
    await waitFor('a flush job', () =>
      lines.some((l) => l.msg === 'flush done' && l.reason === 'forced') ? true : undefined,
    );

    // Writes are accepted again, and nothing was lost or doubled on the way.
    await writeSamples(b.hot, run, variables, 1, size, written);
    written += size;
    for (const v of variables) {
      expect(await sampleCount(b.hot, run, v)).toBe(written);
      expect(await historyProblem(b, run, v, written)).toBeUndefined();
    }
  });

  it('keeps Redis usable while writers write twice its maxmemory: they only ever wait', async () => {
    const run = 'flood';
    const from = worker!.lines.length;
    const variables = ['p', 'q', 'r', 's'];
    await b.hot.runs.create({ id: run });
    const size = 2000;
    const batches = 300; // 2.4 M samples, about 37 MB of chunks: over twice the 16 MB
    for (let i = 0; i < batches; i++) {
      // As the SDK does with a 503: keep the batch, wait, send it again.
      for (;;) {
        try {
          await writeSamples(b.hot, run, variables, 1, size, i * size);
          break;
        } catch (err) {
          if (!(err instanceof HotStoreFullError)) throw err;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
    const n = batches * size;
    for (const v of variables) {
      expect(await sampleCount(b.hot, run, v)).toBe(n);
      expect(await historyProblem(b, run, v, n)).toBeUndefined();
    }
    const reasons = new Set(flushReports(worker!.lines.slice(from)).map((l) => String(l.reason)));
    expect(reasons.has('pressure') || reasons.has('drain')).toBe(true);
  });
});
