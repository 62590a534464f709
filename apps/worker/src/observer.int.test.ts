import { setTimeout as sleep } from 'node:timers/promises';
import { observerJobId } from '@runstream/queues';
import { REDIS_TOPOLOGIES, historyProblem, useFixture, waitFor } from '@runstream/testkit';
import { waitForManifest, writeSamples, writtenSample } from '@runstream/tiering/testing';
import { FLUSH_EVERYTHING } from './testing/start-worker';
import { startWorkerBackends } from './testing/worker-backends';

// The idle-run observer against a real worker: it completes (and merges) a
// run whose producer stopped, and leaves alone one that writes slowly but
// more often than its observation window.

describe.each(REDIS_TOPOLOGIES)('the observer on a %s Redis', (topology) => {
  const b = useFixture(() => startWorkerBackends({ topology }));

  /** What ingest does at run creation. */
  async function createObservedRun(run: string): Promise<void> {
    await b.hot.runs.create({ id: run });
    await b.queues.add('observe', { run, lastCount: -1, unchanged: 0 });
  }

  describe.each([
    // window = the sum of the delays of 3 unchanged looks
    { strategy: 'constant', interval: 400, window: 1200 },
    { strategy: 'exponential', interval: 800, window: 800 + 400 + 200 },
  ])('the observer ($strategy delays, window $window ms)', ({ strategy, interval, window }) => {
    const settings = {
      ...FLUSH_EVERYTHING,
      OBSERVER_INTERVAL_MS: String(interval),
      OBSERVER_REPEATS: '3',
      OBSERVER_DELAY_STRATEGY: strategy,
      MERGE_QUIESCENCE_MS: '50',
    };

    it('completes a run whose producer stopped, as idle, and merges it', async () => {
      const run = `idle-${strategy}`;
      const worker = await b.worker(settings);
      await createObservedRun(run);
      await b.queues.add('observe', { run, lastCount: -1, unchanged: 0 }); // twice: still one observer
      await writeSamples(b.hot, run, ['x', 'y'], 3, 100);
      const stoppedAt = Date.now();

      await waitForManifest(b.cold, run);
      // Not before a whole window of silence.
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(window);
      const manifest = await b.cold.getManifest(run);
      expect(manifest?.run).toMatchObject({ status: 'completed', reason: 'idle' });
      for (const v of ['x', 'y']) {
        expect((await b.cold.mergedInfo(run, v))?.lastSeq).toBe(300);
        expect(
          await historyProblem(v, b.history.chunks(run, v), 300, writtenSample()),
        ).toBeUndefined();
      }
      // No observer is left behind for the completed run.
      await waitFor('the observer to end', async () =>
        (await b.queues.queue('observe').getJob(observerJobId(run))) === undefined
          ? true
          : undefined,
      );
      const idleLooks = worker.lines.filter(
        (l) => l.msg === 'run idle: completing it' && l.run === run,
      );
      expect(idleLooks).toHaveLength(1);
    });

    it('does not complete a run that writes once per interval just under its window', async () => {
      const run = `slow-${strategy}`;
      await b.worker(settings);
      await createObservedRun(run);
      let written = 0;
      const until = Date.now() + 4 * window;
      while (Date.now() < until) {
        await writeSamples(b.hot, run, ['x'], 1, 10, written);
        written += 10;
        // Under the window by a margin a loaded 2-core machine keeps (timers run late).
        await sleep(window - 400);
        expect((await b.hot.runs.get(run))?.status).toBe('running');
      }
      // The observer is still there: waiting for its next look (or looking right now).
      expect(['delayed', 'active', 'waiting']).toContain(
        await b.queues.queue('observe').getJobState(observerJobId(run)),
      );
      expect(await b.hot.runs.get(run)).toMatchObject({ status: 'running', samples: written });

      // Once it stops, it is completed after a window of silence.
      await waitForManifest(b.cold, run);
      expect(
        await historyProblem('x', b.history.chunks(run, 'x'), written, writtenSample()),
      ).toBeUndefined();
    });
  });

  describe('the observer while ingest refuses writes', () => {
    it('does not call a run idle while Redis is at the hard limit (its producer is held back by 503s)', async () => {
      const run = 'held-back';
      const settings = {
        OBSERVER_INTERVAL_MS: '150',
        OBSERVER_REPEATS: '2',
        MERGE_QUIESCENCE_MS: '50',
        WORKER_QUEUES: 'observe,merge', // no flush queue: no watchdog to drain the "full" Redis
      };
      // A budget this small puts Redis far over HARD_LIMIT, as ingest sees it.
      const starved = await b.worker({ ...settings, REDIS_MEMORY_BUDGET_BYTES: '1000' });
      await createObservedRun(run);
      await writeSamples(b.hot, run, ['x'], 1, 10);
      await sleep(6 * 300); // three windows of silence
      expect(await b.hot.runs.get(run)).toMatchObject({ status: 'running' });

      // Memory is fine again: the run, still silent, is completed as idle.
      await starved.app.close();
      await b.worker({ ...settings, ...FLUSH_EVERYTHING });
      await waitForManifest(b.cold, run);
    });
  });

  describe('the observer of a run completed on request', () => {
    it('ends at its next look, and asks again for a merge a completing run lost', async () => {
      const run = 'requested-then-observed';
      await b.worker({
        ...FLUSH_EVERYTHING,
        OBSERVER_INTERVAL_MS: '200',
        MERGE_QUIESCENCE_MS: '50',
        // Only the observer runs: the merge queue has no worker yet.
        WORKER_QUEUES: 'observe',
      });
      await createObservedRun(run);
      await writeSamples(b.hot, run, ['x'], 2, 10);
      // Completing without a merge job: as if ingest's add had failed.
      await b.hot.runs.beginCompletion(run, 'requested');
      await waitFor('a merge job', async () =>
        (await b.queues.queue('merge').getJobCounts('waiting')).waiting === 1 ? true : undefined,
      );
      await waitFor('the observer to end', async () =>
        (await b.queues.queue('observe').getJob(observerJobId(run))) === undefined
          ? true
          : undefined,
      );
    });
  });
});
