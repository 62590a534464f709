import {
  REDIS_TOPOLOGIES,
  historyProblem,
  seqCoverageProblem,
  useFixture,
  waitFor,
} from '@runstream/testkit';
import { writeSamples, writtenSample } from '@runstream/tiering/testing';
import { flushReports } from './testing/flush-reports';
import { getJson } from './testing/get-json';
import { segmentSeqs } from './testing/segment-seqs';
import { FLUSH_EVERYTHING, type TestWorker } from './testing/start-worker';
import { waitForIdleQueue } from './testing/wait-for-idle-queue';
import { startWorkerBackends } from './testing/worker-backends';

describe.each(REDIS_TOPOLOGIES)('the flush worker on a %s Redis', (topology) => {
  const b = useFixture(() => startWorkerBackends({ workers: [FLUSH_EVERYTHING], topology }));

  const worker = (): TestWorker => b.workers[0]!;

  describe('the worker serving the flush queue', () => {
    it('moves what a flush job asks for to S3 segments, and history stays exactly 1..N', async () => {
      const run = 'fw1';
      const variables = ['x', 'sys.pump.flow', 'u[3] ü/../%'];
      await b.hot.runs.create({ id: run });
      await writeSamples(b.hot, run, variables, 20, 500); // 10 000 samples per variable

      await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      const [report] = await waitFor('the flush to be reported', () => {
        const reports = flushReports(worker().lines);
        return reports.length > 0 ? reports : undefined;
      });
      await waitForIdleQueue(b.queues.queue('flush'));

      expect(report).toMatchObject({
        reason: 'forced',
        moved: 3,
        samples: 30_000,
        stoppedBecause: 'nothing-left',
      });
      expect(await b.hot.transfers.pendingVariables(run)).toEqual([]);
      for (const v of variables) {
        expect(await b.hot.reader.count(run, v)).toBe(10_000);
        expect(await b.hot.reader.headSeq(run, v)).toBeUndefined(); // nothing left in Redis
        expect((await b.cold.listSegments(run, v)).length).toBeGreaterThan(0);
        expect(seqCoverageProblem(await segmentSeqs(b.cold, run, v), 10_000)).toBeUndefined();
        expect(
          await historyProblem(v, b.history.chunks(run, v), 10_000, writtenSample()),
        ).toBeUndefined();
      }
    });

    it('reports flushes in /metrics and answers /healthz and /readyz', async () => {
      const health = await getJson(worker().app, '/healthz');
      expect(health).toMatchObject({ status: 200, body: { ok: true } });
      const ready = await getJson(worker().app, '/readyz');
      expect(ready).toMatchObject({
        status: 200,
        body: { ok: true, checks: { redis: true, s3: true } },
      });
      const metrics = await getJson(worker().app, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain(
        'runstream_worker_flushes_total{reason="forced",outcome="nothing-left"} 1',
      );
      expect(metrics.text).toContain(
        'runstream_worker_flush_samples_moved_total{reason="forced"} 30000',
      );
      expect(metrics.text).toContain(
        'runstream_worker_jobs_total{queue="flush",outcome="completed"} 1',
      );
      const missing = await getJson(worker().app, '/nope');
      expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    });

    it('fails a job whose payload the catalog refuses, without retrying it', async () => {
      const q = b.queues.queue('flush');
      const job = await q.add('flush', { reason: 'whim' }, { attempts: 5 });
      const state = await waitFor('the bad job to fail', async () => {
        const s = await job.getState();
        return s === 'failed' ? s : undefined;
      });
      expect(state).toBe('failed');
      const failed = await q.getJob(job.id!);
      expect(failed?.attemptsMade).toBe(1);
      expect(failed?.failedReason).toMatch(/bad payload/);
    });
  });
});
