import { readMemory } from '@runstream/hot-store';
import { RETRY_POLICIES } from '@runstream/queues';
import { useFixture, waitFor } from '@runstream/testkit';
import { bulkBatch } from './testing/bulk-batch';
import { startPressuredSystem } from './testing/pressured-system';

// After an S3 outage the flush job that failed during it waits out its retry
// backoff in BullMQ's delayed set, still holding the flush queue's
// deduplication id: BullMQ keeps a follow-up (keepLastIfActive) only behind an
// *active* job, so flushes asked for meanwhile — ingest's at FLUSH_THRESHOLD,
// the watchdog's — are dropped as duplicates. The catalog caps the backoff
// (RETRY_POLICIES) so that, however long the outage, the waiting job runs
// again within the cap once S3 is back.

const CAP_MS = RETRY_POLICIES['flush-retry'].capMs;

// MEMORY_CHECK_MS 0: ingest reads memory as often as writes come in.
const system = useFixture(() => startPressuredSystem({ minIntervalMs: 0 }));

describe('flushing after an S3 outage', () => {
  it('retries the failed flush within the backoff cap of S3’s return, however long the outage', async () => {
    const { ingest: h, watch, worker } = system;
    expect((await h.request('/v1/runs', { json: { id: 'after' } })).status).toBe(201);
    let b = 0;
    const write = async (): Promise<void> => {
      const res = await h.request('/v1/runs/after/samples', { json: bulkBatch(b++) });
      expect(res.status).toBe(200);
    };
    // Over the low-water mark (a flush then has something to move), under the threshold.
    while ((await readMemory(h.hotStore.redis)).ratio < 0.55) await write();

    // S3 down; a flush asked for fails, again and again, the delays growing to the cap.
    await h.s3.stop();
    await h.queues.add('flush', { reason: 'pressure', requestedAt: Date.now() });
    const failures = (): { time: number }[] =>
      worker.lines.filter((l) => l.msg === 'job failed; will retry') as unknown as {
        time: number;
      }[];
    await waitFor('six failed attempts', () => failures().length >= 6 || undefined, 60_000);
    const gaps = failures()
      .slice(1)
      .map((f, i) => f.time - failures()[i]!.time);
    // The backoff grew (1 s, 2 s, 4 s…) and then stayed at the cap.
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(CAP_MS - 500);
    expect(Math.max(...gaps)).toBeLessThan(CAP_MS + 2_000);

    // S3 back. Writes go on up to the threshold: ingest's request is dropped (the failed
    // job holds the id), yet a flush runs within the cap of S3's return.
    await h.s3.restart();
    const backAt = Date.now();
    const from = worker.lines.length;
    const readings = watch.readings.length;
    while (!watch.readings.slice(readings).some((r) => r.reading.ratio >= 0.7)) {
      await write();
      await new Promise((r) => setImmediate(r)); // let the background reading run
    }
    const flushed = await waitFor(
      'a flush',
      () => worker.lines.slice(from).find((l) => l.msg === 'flush done'),
      30_000,
    );
    expect((flushed.time as number) - backAt).toBeLessThan(CAP_MS + 2_000);
    await waitFor(
      'memory under the threshold',
      async () => ((await readMemory(h.hotStore.redis)).ratio < 0.7 ? true : undefined),
      10_000,
    );
  });
});
