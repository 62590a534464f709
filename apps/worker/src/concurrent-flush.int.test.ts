import { Queues } from '@runstream/queues';
import { seqCoverageProblem, waitFor } from '@runstream/testkit';
import {
  FLUSH_EVERYTHING,
  backgroundWriter,
  historyProblem,
  sampleCount,
  segmentSeqs,
  startBackends,
  startWorker,
  waitForIdleQueue,
  writeSamples,
  type Backends,
  type TestWorker,
} from './testing/worker-harness';

// BullMQ is at-least-once: a job can run twice at the same moment, and two
// workers flush the same Redis. Two flushes racing for the same buffers must
// end in the same exact result as one.

let b: Backends;
let queues: Queues;
let workers: TestWorker[] = [];

beforeAll(async () => {
  b = await startBackends();
  queues = new Queues({ url: b.redis.url });
  workers = await Promise.all([
    startWorker(b.env, FLUSH_EVERYTHING),
    startWorker(b.env, FLUSH_EVERYTHING),
  ]);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.app.close()));
  await queues?.close();
  await b?.stop();
});

describe('two flush jobs at the same moment, in two workers', () => {
  it('move every sample to S3 exactly once, while a writer writes', async () => {
    const run = 'twice';
    const variables = Array.from({ length: 8 }, (_, i) => `v${i}`);
    await b.hot.runs.create({ id: run });
    await writeSamples(b.hot, run, variables, 20, 1000); // 20 000 samples per variable

    const spans: { worker: number; start: number; end: number }[] = [];
    let active = 0;
    workers.forEach((w, i) => {
      const flush = w.app.workers.get('flush')!;
      let start = 0;
      flush.on('active', () => {
        start = performance.now();
        active++;
      });
      flush.on('completed', () => spans.push({ worker: i, start, end: performance.now() }));
    });

    const writer = backgroundWriter(b.hot, run, variables, 20_000);
    // Added without the catalog's deduplication, in one call, so both run at once.
    const payload = { reason: 'forced', requestedAt: Date.now() };
    await queues.queue('flush').addBulk([
      { name: 'flush', data: payload },
      { name: 'flush', data: payload },
    ]);
    // The writer stops once both flushes run: a flush with a low-water mark of 0
    // goes on as long as anything is dirty, so it would never end beside it.
    await waitFor('both flush jobs to start', () => (active >= 2 ? true : undefined));
    const written = await writer.stop();
    await waitForIdleQueue(queues.queue('flush'));

    // One job in each worker, and they overlapped in time.
    expect(spans.map((s) => s.worker).sort()).toEqual([0, 1]);
    const [first, second] = spans;
    expect(Math.max(first!.start, second!.start)).toBeLessThan(Math.min(first!.end, second!.end));

    // What the writer added after the racing flushes, moved by one more flush.
    await queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
    await waitForIdleQueue(queues.queue('flush'));

    expect(await b.hot.transfers.pendingVariables(run)).toEqual([]);
    for (const v of variables) {
      expect(await sampleCount(b.hot, run, v)).toBe(written);
      // segmentSeqs throws if two segments overlap: no transfer was uploaded under two names.
      expect(seqCoverageProblem(await segmentSeqs(b.cold, run, v), written)).toBeUndefined();
      expect(await historyProblem(b, run, v, written)).toBeUndefined();
    }
  });
});
