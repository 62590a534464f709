import { readMemory } from '@runstream/hot-store';
import { Queues } from '@runstream/queues';
import { MemoryPressure } from '@runstream/tiering';
import { startIngest, type IngestHarness } from './testing/ingest-harness';

let h: IngestHarness;
let queues: Queues;

beforeAll(async () => {
  h = await startIngest({
    maxmemory: '16mb',
    maxBodyBytes: 4 * 1024 * 1024,
    pressure: (hot) =>
      new MemoryPressure(
        () => readMemory(hot.redis),
        { flushThreshold: 0.7, hardLimit: 0.9, minIntervalMs: 0 },
        () => queues.add('flush', { reason: 'pressure', requestedAt: Date.now() }),
        () => undefined,
      ),
  });
  queues = new Queues({ url: h.redis.url });
});
afterAll(async () => {
  await queues.close();
  await h.stop();
});

const body = (b: number) => ({
  producer: 'p',
  batch: b,
  variables: {
    x: { t: Array.from({ length: 5000 }, (_, i) => i), v: Array(5000).fill(123456.789) },
  },
});

describe('back-pressure', () => {
  it('asks for a flush over the threshold and answers 503 with Retry-After at the hard limit, writing nothing', async () => {
    await h.request('/v1/runs', { json: { id: 'bp' } });
    let refused: Response | undefined;
    let b = 0;
    for (; b < 400 && refused === undefined; b++) {
      const res = await h.request('/v1/runs/bp/samples', { json: body(b) });
      if (res.status === 503) refused = res;
      else expect(res.status).toBe(200);
      await new Promise((r) => setImmediate(r)); // let the background memory reading run
    }
    expect(refused).toBeDefined();
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(await refused?.json()).toMatchObject({ error: { code: 'unavailable' } });
    // A flush was requested (one job: the dedup id holds the rest back).
    const counts = await queues.queue('flush').getJobCounts('waiting', 'active', 'delayed');
    expect((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0)).toBe(1);

    // Nothing was written by the refused request: the variable ends at the last acknowledged batch.
    const stats = await h.hotStore.reader.stats('bp', 'x');
    expect(stats?.count).toBe((b - 1) * 5000);
    expect((await readMemory(h.hotStore.redis)).ratio).toBeLessThan(1);
  });
});
