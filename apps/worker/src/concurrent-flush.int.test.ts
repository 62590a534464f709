import {
  REDIS_TOPOLOGIES,
  historyProblem,
  seqCoverageProblem,
  useFixture,
  waitFor,
} from '@runstream/testkit';
import { writeSamples, writtenSample } from '@runstream/tiering/testing';
import { backgroundWriter } from './testing/background-writer';
import { segmentSeqs } from './testing/segment-seqs';
import { FLUSH_EVERYTHING } from './testing/start-worker';
import { waitForIdleQueue } from './testing/wait-for-idle-queue';
import { startWorkerBackends } from './testing/worker-backends';

// BullMQ is at-least-once: a job can run twice at the same moment, and two
// workers flush the same Redis. Two flushes racing for the same buffers must
// end in the same exact result as one.

describe.each(REDIS_TOPOLOGIES)('racing flushes on a %s Redis', (topology) => {
  const b = useFixture(() =>
    startWorkerBackends({ workers: [FLUSH_EVERYTHING, FLUSH_EVERYTHING], topology }),
  );

  describe('two flush jobs at the same moment, in two workers', () => {
    it('move every sample to S3 exactly once, while a writer writes', async () => {
      const run = 'twice';
      const variables = Array.from({ length: 8 }, (_, i) => `v${i}`);
      await b.hot.runs.create({ id: run });
      await writeSamples(b.hot, run, variables, 20, 1000); // 20 000 samples per variable

      const spans: { worker: number; start: number; end: number }[] = [];
      let active = 0;
      b.workers.forEach((w, i) => {
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
      await b.queues.queue('flush').addBulk([
        { name: 'flush', data: payload },
        { name: 'flush', data: payload },
      ]);
      // The writer stops once both flushes run: a flush with a low-water mark of 0
      // goes on as long as anything is dirty, so it would never end beside it.
      await waitFor('both flush jobs to start', () => (active >= 2 ? true : undefined));
      const written = await writer.stop();
      await waitForIdleQueue(b.queues.queue('flush'));

      // One job in each worker, and they overlapped in time.
      expect(spans.map((s) => s.worker).sort()).toEqual([0, 1]);
      const [first, second] = spans;
      expect(Math.max(first!.start, second!.start)).toBeLessThan(Math.min(first!.end, second!.end));

      // What the writer added after the racing flushes, moved by one more flush.
      await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      await waitForIdleQueue(b.queues.queue('flush'));

      expect(await b.hot.transfers.pendingVariables(run)).toEqual([]);
      for (const v of variables) {
        expect(await b.hot.reader.count(run, v)).toBe(written);
        // segmentSeqs throws if two segments overlap: no transfer was uploaded under two names.
        expect(seqCoverageProblem(await segmentSeqs(b.cold, run, v), written)).toBeUndefined();
        expect(
          await historyProblem(v, b.history.chunks(run, v), written, writtenSample()),
        ).toBeUndefined();
      }
    });
  });
});
