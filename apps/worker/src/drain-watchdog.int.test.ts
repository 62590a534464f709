import { HotStoreFullError, readMemory } from '@runstream/hot-store';
import { historyProblem, useFixture, waitFor } from '@runstream/testkit';
import { writeSamples, writtenSample } from '@runstream/tiering/testing';
import { flushReports } from './testing/flush-reports';
import { startWorkerBackends } from './testing/worker-backends';

// At maxmemory with noeviction Redis refuses BullMQ's writes too: nobody can
// even ask for a flush. The worker's watchdog sees it and drains Redis by
// itself, without the queue.

const b = useFixture(() => startWorkerBackends({ maxmemory: '16mb' }));

describe('the drain watchdog', () => {
  it('drains a Redis too full for BullMQ below the low-water mark, losing nothing', async () => {
    const run = 'full';
    const variables = ['p', 'q', 'r', 's'];
    await b.hot.runs.create({ id: run });
    let written = 0;
    const size = 2000;
    // Big batches, then one sample at a time: a big batch is refused for its
    // own size (its arguments count as used memory) while Redis is still just
    // under maxmemory; single samples fill it until Redis itself is full.
    const fill = async (batchSize: number): Promise<unknown> => {
      for (let i = 0; i < 10_000; i++) {
        try {
          await writeSamples(b.hot, run, variables, 1, batchSize, written);
        } catch (err) {
          return err;
        }
        written += batchSize;
      }
      return undefined;
    };
    expect(await fill(size)).toBeInstanceOf(HotStoreFullError);
    const full = await fill(1);
    expect(full).toBeInstanceOf(HotStoreFullError);
    expect((await readMemory(b.hot.redis)).ratio).toBeGreaterThanOrEqual(0.9);
    // BullMQ cannot store a flush job now.
    await expect(
      b.queues.add('flush', { reason: 'pressure', requestedAt: Date.now() }),
    ).rejects.toThrow(/OOM/);

    // start() resolves after the watchdog's first check: here, a drain.
    const worker = await b.worker({ DRAIN_CHECK_MS: '100' });
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
    await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
    await waitFor('a flush job', () =>
      lines.some((l) => l.msg === 'flush done' && l.reason === 'forced') ? true : undefined,
    );

    // Writes are accepted again, and nothing was lost or doubled on the way.
    await writeSamples(b.hot, run, variables, 1, size, written);
    written += size;
    for (const v of variables) {
      expect(await b.hot.reader.count(run, v)).toBe(written);
      expect(
        await historyProblem(v, b.history.chunks(run, v), written, writtenSample()),
      ).toBeUndefined();
    }
  });

  it('keeps Redis usable while writers write twice its maxmemory: they only ever wait', async () => {
    const run = 'flood';
    const worker = await b.worker({ DRAIN_CHECK_MS: '100' });
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
      expect(await b.hot.reader.count(run, v)).toBe(n);
      expect(await historyProblem(v, b.history.chunks(run, v), n, writtenSample())).toBeUndefined();
    }
    const reasons = new Set(flushReports(worker.lines).map((l) => String(l.reason)));
    expect(reasons.has('pressure') || reasons.has('drain')).toBe(true);
  });
});
