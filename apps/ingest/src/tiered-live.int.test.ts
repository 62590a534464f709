import { ColdStore } from '@runstream/cold-store';
import { Subscriber } from '@runstream/sdk';
import { Flusher, TieredHistory } from '@runstream/tiering';
import { seqCoverageProblem, startS3Server, type RunningS3Server } from '@runstream/testkit';
import { READ_TOKEN, startIngest, type IngestHarness } from './testing/ingest-harness';

// Subscribers whose snapshot is read while flushes move the history from
// Redis to S3 under them: each must still see every seq once, in order.
let s3: RunningS3Server;
let cold: ColdStore;
let h: IngestHarness;
const subscribers: Subscriber[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
  cold = new ColdStore(s3.connection);
  h = await startIngest({
    snapshotChunkSamples: 200,
    history: (hot) => new TieredHistory(hot, cold),
  });
});
afterAll(async () => {
  for (const s of subscribers) s.close();
  await h.stop();
  cold.close();
  await s3.dispose();
});

describe('live rooms over tiered history', () => {
  it('gives each subscriber that joins during flushes exactly 1..N, in order', async () => {
    await h.request('/v1/runs', { json: { id: 'tl' } });
    const flusher = new Flusher(h.hotStore, cold);
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
        await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true, run: 'tl' });
    })();

    const received: number[][] = [];
    for (let j = 0; j < 8 && !done; j++) {
      const seqs: number[] = [];
      received.push(seqs);
      const sub = new Subscriber({ url: h.baseUrl, token: READ_TOKEN, gapTimeoutMs: 300 });
      subscribers.push(sub);
      sub.subscribe('tl', 'x', (chunk) => {
        chunk.v.forEach((v, i) => {
          expect(v).toBe(chunk.first + i - 1); // its own value, not a neighbour's
          seqs.push(chunk.first + i);
        });
      });
      await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.all([writing, flushing]);
    const total = batches * size;
    const started = Date.now();
    while (received.some((s) => s.length < total) && Date.now() - started < 20_000)
      await new Promise((r) => setTimeout(r, 50));
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect((await cold.listSegments('tl', 'x')).length).toBeGreaterThan(1);
    for (const seqs of received) expect(seqCoverageProblem(seqs, total)).toBeUndefined();
  });
});
