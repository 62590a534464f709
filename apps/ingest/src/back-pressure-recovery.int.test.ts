import { readMemory } from '@runstream/hot-store';
import { Flusher } from '@runstream/tiering';
import { useFixture, waitFor } from '@runstream/testkit';
import { bulkBatch } from './testing/bulk-batch';
import { SMALL_REDIS, startIngest } from './testing/ingest-harness';
import { MemoryWatch } from './testing/memory-watch';

// Once memory has fallen under HARD_LIMIT, writes must be taken again. The
// memory watch reads Redis only when writes come in, so after a quiet spell
// (a producer waiting out Retry-After, or simply sending once a second, the
// SDK's default pace) its last reading is from before the spell: a write is
// refused only on a reading at most MEMORY_CHECK_MS old.

const watch = new MemoryWatch({ minIntervalMs: 0 });
const h = useFixture(() => startIngest({ ...SMALL_REDIS, pressure: watch.pressure }));

describe('back-pressure after memory has fallen', () => {
  it('takes the first write after a flush freed Redis, rather than refusing it on the reading from before', async () => {
    expect((await h.request('/v1/runs', { json: { id: 'recover' } })).status).toBe(201);
    let b = 0;
    for (; b < 400 && watch.refusals.length === 0; b++) {
      const res = await h.request('/v1/runs/recover/samples', { json: bulkBatch(b) });
      expect([200, 503]).toContain(res.status);
      await new Promise((r) => setImmediate(r)); // let the background reading run
    }
    expect(watch.refusals.length).toBe(1); // at the hard limit now, by ingest's reading

    // A flush frees Redis (into a sink of its own: only the memory matters here).
    const segments: string[][] = [];
    await new Flusher(h.hotStore, {
      putSegment: (_run, _variable, texts) => Promise.resolve(segments.push(texts)),
    }).flush({ lowWater: 0, budgetBytes: 0, everything: true });
    expect(segments.length).toBeGreaterThan(0);
    expect((await readMemory(h.hotStore.redis)).ratio).toBeLessThan(0.5);

    // Redis has room: the next write is taken. Its only reading says "full", but that
    // reading is older than MEMORY_CHECK_MS (0 here): ingest reads again before refusing.
    const readings = watch.readings.length;
    const next = await h.request('/v1/runs/recover/samples', { json: bulkBatch(b) });
    await waitFor('a fresh reading', () => (watch.readings.length > readings ? true : undefined));
    const after = await h.request('/v1/runs/recover/samples', { json: bulkBatch(b + 1) });
    expect({ next: next.status, after: after.status }).toEqual({ next: 200, after: 200 });
  });
});
