import { readMemory } from '@runstream/hot-store';
import { useFixture } from '@runstream/testkit';
import { bulkBatch } from './testing/bulk-batch';
import { SMALL_REDIS, startIngest } from './testing/ingest-harness';
import { MemoryWatch } from './testing/memory-watch';

// MEMORY_CHECK_MS 0: ingest reads memory as often as writes come in.
const watch = new MemoryWatch({ minIntervalMs: 0 });
const h = useFixture(() => startIngest({ ...SMALL_REDIS, pressure: watch.pressure }));

describe('back-pressure', () => {
  it('asks for a flush over the threshold and answers 503 with Retry-After at the hard limit, writing nothing', async () => {
    await h.request('/v1/runs', { json: { id: 'bp' } });
    let refused: Response | undefined;
    let b = 0;
    for (; b < 400 && refused === undefined; b++) {
      const res = await h.request('/v1/runs/bp/samples', { json: bulkBatch(b) });
      if (res.status === 503) refused = res;
      else expect(res.status).toBe(200);
      await new Promise((r) => setImmediate(r)); // let the background memory reading run
    }
    expect(refused).toBeDefined();
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(await refused?.json()).toMatchObject({ error: { code: 'unavailable' } });
    // A flush was requested (one job: the dedup id holds the rest back).
    const counts = await h.queues.queue('flush').getJobCounts('waiting', 'active', 'delayed');
    expect((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0)).toBe(1);

    // Nothing was written by the refused request: the variable ends at the last acknowledged batch.
    const stats = await h.hotStore.reader.stats('bp', 'x');
    expect(stats?.count).toBe((b - 1) * 5000);
    expect((await readMemory(h.hotStore.redis)).ratio).toBeLessThan(1);
  });
});
