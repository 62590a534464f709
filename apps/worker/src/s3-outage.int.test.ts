import { historyProblem, seqCoverageProblem, useFixture, waitFor } from '@runstream/testkit';
import { writeSamples, writtenSample } from '@runstream/tiering/testing';
import { getJson } from './testing/get-json';
import { segmentSeqs } from './testing/segment-seqs';
import { FLUSH_EVERYTHING, type TestWorker } from './testing/start-worker';
import { startWorkerBackends } from './testing/worker-backends';

// S3 down: a flush job fails and BullMQ retries it with the catalog's backoff
// (exponential from 1 s: fast enough here, so the catalog's own options are
// used); the data waits in Redis, readable; when S3 is back the retry
// succeeds by itself.

const b = useFixture(() => startWorkerBackends({ workers: [FLUSH_EVERYTHING] }));
const worker = (): TestWorker => b.workers[0]!;

describe('a flush job while S3 is unreachable', () => {
  it('fails, is retried, keeps the data in Redis, and succeeds once S3 is back', async () => {
    const run = 'outage';
    const variables = ['x', 'y'];
    await b.hot.runs.create({ id: run });
    await writeSamples(b.hot, run, variables, 10, 500); // 1..5000

    await b.s3.stop();
    const notReady = await getJson(worker().app, '/readyz');
    expect(notReady).toMatchObject({
      status: 503,
      body: { ok: false, checks: { redis: true, s3: false } },
    });

    const q = b.queues.queue('flush');
    await b.queues.add('flush', { reason: 'pressure', requestedAt: Date.now() });
    const job = await waitFor('the first attempt to fail', async () => {
      const [delayed] = await q.getJobs(['delayed']);
      return delayed !== undefined && delayed.attemptsMade >= 1 ? delayed : undefined;
    });
    expect(job.failedReason).toMatch(/PutObject|ECONNREFUSED|connect/i);

    // Still all in Redis (buffers and the transfer keys the failed attempt made), still exact.
    for (const v of variables)
      expect(
        await historyProblem(v, b.history.chunks(run, v), 5000, writtenSample()),
      ).toBeUndefined();
    expect((await b.hot.transfers.pendingVariables(run)).length).toBeGreaterThan(0);

    await b.s3.restart();
    await waitFor(
      'the retried job to complete',
      async () => ((await job.getState()) === 'completed' ? true : undefined),
      30_000,
    );
    const done = await q.getJob(job.id!);
    expect(done?.attemptsMade).toBeGreaterThanOrEqual(2);

    expect(await b.hot.transfers.pendingVariables(run)).toEqual([]);
    for (const v of variables) {
      expect(await b.hot.reader.headSeq(run, v)).toBeUndefined();
      expect(seqCoverageProblem(await segmentSeqs(b.cold, run, v), 5000)).toBeUndefined();
      expect(
        await historyProblem(v, b.history.chunks(run, v), 5000, writtenSample()),
      ).toBeUndefined();
    }
    expect(await getJson(worker().app, '/readyz')).toMatchObject({ status: 200 });
    const metrics = (await getJson(worker().app, '/metrics')).text;
    expect(metrics).toMatch(
      /runstream_worker_flushes_total\{reason="pressure",outcome="failed"\} [1-9]/,
    );
    expect(metrics).toContain(
      'runstream_worker_flushes_total{reason="pressure",outcome="nothing-left"} 1',
    );
  });
});
