import { setTimeout as sleep } from 'node:timers/promises';
import type { HistoryPage, Run } from '@runstream/domain';
import { mastersOf } from '@runstream/hot-store';
import {
  REDIS_TOPOLOGIES,
  historyProblem,
  seqCoverageProblem,
  useFixture,
  waitFor,
} from '@runstream/testkit';
import { expectMerged } from '@runstream/tiering/testing';
import { FLUSH_EVERYTHING, waitForIdleQueue } from '@runstream/worker/testing';
import { READ_TOKEN } from './testing/ingest-harness';
import { startTieredIngest } from './testing/tiered-ingest';

// Run completion end to end: the real ingest app and a real worker (flush,
// merge and observe queues) on one s3rver and a single redis-server or a
// cluster.

const valueOf = (t: number): number => (t % 50 === 0 ? NaN : t % 77 === 0 ? -Infinity : t / 4);

describe.each(REDIS_TOPOLOGIES)('run completion on a %s Redis', (topology) => {
  const h = useFixture(() =>
    startTieredIngest({
      topology,
      snapshotChunkSamples: 500,
      tieredCatalog: true,
      worker: {
        WORKER_QUEUES: 'flush,merge,observe',
        MERGE_QUIESCENCE_MS: '200',
        MERGE_VARIABLE_CONCURRENCY: '4',
        // The observer does not get in the way here.
        OBSERVER_INTERVAL_MS: '600000',
        ...FLUSH_EVERYTHING,
      },
    }),
  );

  /** Waits until the run has `status`, and resolves to it. */
  function waitForStatus(run: string, status: Run['status'], timeoutMs = 30_000): Promise<Run> {
    return waitFor(
      `run ${run} to be ${status}`,
      async () => {
        const current = await h.reader.getRun(run);
        return current.status === status ? current : undefined;
      },
      timeoutMs,
    );
  }

  /** Asks for a flush of everything and waits until it has run. */
  async function forceFlush(): Promise<void> {
    await h.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
    await waitForIdleQueue(h.queues.queue('flush'));
  }

  /** Every sample of the variable through the HTTP history API: exactly 1..n, t = seq - 1, v = f(t). */
  const apiHistoryProblem = (run: string, variable: string, n: number, f: (t: number) => number) =>
    historyProblem(variable, h.reader.history(run, variable, { pageSize: 5000 }), n, (seq) => ({
      t: seq - 1,
      v: f(seq - 1),
    }));

  describe('completing a run', () => {
    const run = 'complete-20';
    const variables = Array.from({ length: 20 }, (_, i) =>
      i === 3 ? 'sys.pump/../flow %' : `v${i}`,
    );
    const perVariable = 1200;

    it('merges 20 variables after several flushes: one object each, 1..N, a manifest that agrees', async () => {
      await h.writer.createRun({ id: run, meta: { model: 'test' } });
      const producer = h.writer.producer(run, { minIntervalMs: 0 });
      for (let round = 0; round < 4; round++) {
        for (let t = round * 300; t < (round + 1) * 300; t++)
          for (const v of variables) producer.log(v, t, valueOf(t));
        await producer.flush();
        if (round < 3) await forceFlush(); // the last round stays in Redis until the merge
      }
      const result = await producer.complete();
      expect(result).toMatchObject({ completed: true, run: { id: run } });
      expect(['completing', 'completed']).toContain(result.run?.status);

      const done = await waitForStatus(run, 'completed');
      expect(done).toMatchObject({ reason: 'requested', samples: 20 * perVariable });
      expect(done.completedAt).toBeDefined();

      const manifest = await expectMerged(h.cold, run, variables, perVariable, {
        lastT: perVariable - 1,
      });
      expect(manifest?.run).toMatchObject({
        id: run,
        status: 'completed',
        meta: { model: 'test' },
      });
      expect(manifest?.variables).toHaveLength(20);
      for (const v of variables)
        expect(await apiHistoryProblem(run, v, perVariable, valueOf)).toBeUndefined();
    });

    it('refuses samples after completion with 409, and completing again is a 200', async () => {
      const late = await h.request(`/v1/runs/${run}/samples`, {
        json: { variables: { v0: { t: [5000], v: [1] } } },
      });
      expect(late.status).toBe(409);
      expect(await late.json()).toMatchObject({
        error: {
          code: 'run_not_running',
          message: `run '${run}' is completed: it takes no more samples`,
        },
      });
      const again = await h.request(`/v1/runs/${run}/complete`, { method: 'POST' });
      expect(again.status).toBe(200);
      expect(((await again.json()) as { run: Run }).run.status).toBe('completed');
      const unknown = await h.request('/v1/runs/never-created/complete', { method: 'POST' });
      expect(unknown.status).toBe(404);
      const junk = await h.request(`/v1/runs/${run}/complete`, { json: { force: true } });
      expect(junk.status).toBe(400);
    });

    it('serves the run, its variables and every sample from S3 alone after FLUSHALL', async () => {
      // Every master's keys (a cluster's FLUSHALL empties one node).
      await Promise.all(mastersOf(h.hotStore.redis).map((m) => m.flushall()));
      expect(await h.hotStore.runs.get(run)).toBeUndefined();

      expect((await h.reader.listRuns()).map((r) => r.id)).toContain(run);
      expect(await h.reader.getRun(run)).toMatchObject({
        status: 'completed',
        reason: 'requested',
      });
      const listed = await h.reader.listVariables(run);
      expect(listed.map((v) => v.name).sort()).toEqual([...variables].sort());
      expect(listed.every((v) => v.count === perVariable)).toBe(true);
      for (const v of variables)
        expect(await apiHistoryProblem(run, v, perVariable, valueOf)).toBeUndefined();

      // A page from the middle, straight from the merged object.
      const page = (await (
        await h.request(`/v1/runs/${run}/samples?variable=v7&fromSeq=1001&limit=50`, {
          token: READ_TOKEN,
        })
      ).json()) as HistoryPage;
      expect(page).toMatchObject({ first: 1001, nextSeq: 1051, more: true });
      expect(page.t[0]).toBe(1000);

      // Live subscribers get the snapshot from S3 too.
      const seqs: number[] = [];
      h.subscriber().subscribe(run, variables[3]!, (chunk) =>
        chunk.t.forEach((_, i) => seqs.push(chunk.first + i)),
      );
      await waitFor('the snapshot', () => seqs.length >= perVariable || undefined, 5_000);
      expect(seqCoverageProblem(seqs, perVariable)).toBeUndefined();

      // Its id stays taken, and it still takes no samples.
      expect((await h.request('/v1/runs', { json: { id: run } })).status).toBe(409);
      const late = await h.request(`/v1/runs/${run}/samples`, {
        json: { variables: { v0: { t: [1], v: [1] } } },
      });
      expect(late.status).toBe(409);
      expect((await h.request(`/v1/runs/${run}/complete`, { method: 'POST' })).status).toBe(200);
    });
  });

  describe('quiescence', () => {
    it('keeps every sample acknowledged before complete, and refuses every one after', async () => {
      const run = 'quiet';
      await h.writer.createRun({ id: run });
      const acked: number[] = [];
      let refused = 0;
      // A second producer keeps posting while the first completes the run.
      const second = (async () => {
        for (let b = 0; b < 400; b++) {
          const t = [b];
          const res = await h.request(`/v1/runs/${run}/samples`, {
            json: { producer: 'second', batch: b, variables: { x: { t, v: [b * 2] } } },
          });
          if (res.status === 200) acked.push(b);
          else if (res.status === 409) refused++;
          else throw new Error(`unexpected ${res.status}`);
          if (refused >= 20) return;
        }
      })();
      await waitFor('30 acknowledged batches', () => acked.length >= 30 || undefined, 20_000, 5);
      const completed = await h.writer.completeRun(run);
      expect(completed.status).not.toBe('running');
      await second;
      expect(refused).toBeGreaterThan(0);

      await waitForStatus(run, 'completed');
      // Every acknowledged batch is in the merged object, in order, and nothing else.
      expect(acked).toEqual(Array.from({ length: acked.length }, (_, i) => i));
      const info = await h.cold.mergedInfo(run, 'x');
      expect(info?.lastSeq).toBe(acked.length);
      expect(await apiHistoryProblem(run, 'x', acked.length, (t) => t * 2)).toBeUndefined();
    });
  });

  describe('subscribers joining during the merge', () => {
    it('each get exactly 1..N, in order, from whichever tiers hold it at that moment', async () => {
      const run = 'merge-live';
      const names = ['a', 'b', 'c', 'd'];
      const n = 40_000;
      await h.writer.createRun({ id: run });
      const producer = h.writer.producer(run, { minIntervalMs: 0 });
      for (let round = 0; round < 8; round++) {
        for (let t = (round * n) / 8; t < ((round + 1) * n) / 8; t++)
          for (const v of names) producer.log(v, t, t);
        await producer.flush();
        await forceFlush();
      }
      void producer.complete();
      await waitForStatus(run, 'completing', 10_000).catch(() => undefined);

      const received: { seqs: number[]; during: boolean }[] = [];
      for (let j = 0; j < 40; j++) {
        const status = (await h.reader.getRun(run)).status;
        const seqs: number[] = [];
        received.push({ seqs, during: status !== 'completed' });
        h.subscriber({ gapTimeoutMs: 500 }).subscribe(run, names[j % names.length]!, (chunk) =>
          chunk.v.forEach((v, i) => {
            if (v !== chunk.first + i - 1)
              throw new Error(`seq ${chunk.first + i} has v ${String(v)}`);
            seqs.push(chunk.first + i);
          }),
        );
        if (status === 'completed' && received.filter((r) => !r.during).length >= 3) break;
        await sleep(60);
      }
      await waitForStatus(run, 'completed');
      await waitFor(
        'every subscriber to have every seq',
        () => received.every((r) => r.seqs.length >= n) || undefined,
        30_000,
      );

      expect(received.filter((r) => r.during).length).toBeGreaterThanOrEqual(2);
      for (const r of received) expect(seqCoverageProblem(r.seqs, n)).toBeUndefined();
      for (const v of names) expect(await h.cold.listSegments(run, v)).toEqual([]);
    });
  });
});
