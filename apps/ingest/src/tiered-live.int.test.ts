import { Flusher } from '@runstream/tiering';
import { REDIS_TOPOLOGIES, seqCoverageProblem, useFixture, waitFor } from '@runstream/testkit';
import { startTieredIngest } from './testing/tiered-ingest';

// Subscribers whose snapshot is read while flushes move the history from
// Redis to S3 under them: each must still see every seq once, in order, on
// a single Redis and on a cluster.
describe.each(REDIS_TOPOLOGIES)('live rooms over tiered history on a %s Redis', (topology) => {
  const h = useFixture(() => startTieredIngest({ snapshotChunkSamples: 200, topology }));

  it('gives each subscriber that joins during flushes exactly 1..N, in order', async () => {
    await h.request('/v1/runs', { json: { id: 'tl' } });
    // Segments of about one chunk: a flush moves each transfer of several
    // chunks as several segments, trimmed one at a time under the readers.
    const flusher = new Flusher(h.hotStore, h.cold, { segmentBytes: 200 });
    let laterSegments = 0; // segments after the first of their transfer
    const batches = 200;
    const size = 25;
    let done = false;
    const writing = (async () => {
      for (let b = 0; b < batches; b++) {
        const t = Array.from({ length: size }, (_, i) => b * size + i);
        const res = await h.request('/v1/runs/tl/samples', {
          json: { producer: 'p', batch: b, variables: { x: { t, v: t } } },
        });
        expect(res.status).toBe(200);
        await new Promise((r) => setTimeout(r, 10)); // a few seconds of writing
      }
      done = true;
    })();
    const flushing = (async () => {
      while (!done)
        await flusher.flush({
          lowWater: 0,
          budgetBytes: 0,
          everything: true,
          run: 'tl',
          onSegment: (segment) => {
            if (segment.index > 0) laterSegments++;
          },
        });
    })();

    const received: number[][] = [];
    for (let j = 0; j < 8 && !done; j++) {
      const seqs: number[] = [];
      received.push(seqs);
      h.subscriber({ gapTimeoutMs: 300 }).subscribe('tl', 'x', (chunk) => {
        chunk.v.forEach((v, i) => {
          expect(v).toBe(chunk.first + i - 1); // its own value, not a neighbour's
          seqs.push(chunk.first + i);
        });
      });
      await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.all([writing, flushing]);
    const total = batches * size;
    await waitFor(
      'every subscriber to have every seq',
      () => received.every((seqs) => seqs.length >= total) || undefined,
    );
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(laterSegments).toBeGreaterThan(0);
    expect((await h.cold.listSegments('tl', 'x')).length).toBeGreaterThan(1);
    for (const seqs of received) expect(seqCoverageProblem(seqs, total)).toBeUndefined();
  });
});
