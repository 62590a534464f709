import { observerJobId } from '@runstream/queues';
import { REDIS_TOPOLOGIES, historyProblem, useFixture, waitFor } from '@runstream/testkit';
import {
  expectMerged,
  waitForManifest,
  writeSamples,
  writtenSample,
} from '@runstream/tiering/testing';
import { FLUSH_EVERYTHING } from './testing/start-worker';
import { startWorkerBackends } from './testing/worker-backends';

// The run sweeper against a real worker: a running run whose observer failed
// for good (kept under its fixed job id) gets a new one and is completed as
// idle; a completing run whose merge job failed for good (or never was) is
// merged.

const settings = {
  ...FLUSH_EVERYTHING,
  SWEEP_INTERVAL_MS: '200',
  OBSERVER_INTERVAL_MS: '200',
  OBSERVER_REPEATS: '2',
  MERGE_QUIESCENCE_MS: '50',
};

describe.each(REDIS_TOPOLOGIES)('the run sweeper on a %s Redis', (topology) => {
  const b = useFixture(() => startWorkerBackends({ topology }));

  it('replaces an observer that failed for good; the run is completed as idle', async () => {
    const run = 'observer-failed';
    await b.hot.runs.create({ id: run });
    await writeSamples(b.hot, run, ['x'], 2, 100);
    // An observer that fails for good: a payload the processor refuses (UnrecoverableError).
    const observe = b.queues.queue('observe');
    await observe.add('observe', { run, lastCount: 'bad' }, { jobId: observerJobId(run) });
    const worker = await b.worker(settings);

    await waitForManifest(b.cold, run);
    expect((await b.cold.getManifest(run))?.run).toMatchObject({
      status: 'completed',
      reason: 'idle',
    });
    await expectMerged(b.cold, run, ['x'], 200);
    expect(
      await historyProblem('x', b.history.chunks(run, 'x'), 200, writtenSample()),
    ).toBeUndefined();
    expect(
      worker.lines.filter((l) => l.msg?.startsWith('running run without a live observer') === true),
    ).toContainEqual(expect.objectContaining({ run, done: 'replaced' }));
  });

  it('gives a completing run whose merge failed for good a new merge', async () => {
    const run = 'merge-failed';
    await b.hot.runs.create({ id: run });
    await writeSamples(b.hot, run, ['x', 'y'], 3, 100);
    await b.hot.runs.beginCompletion(run, 'requested');
    // A merge job that failed for good and still holds nothing: the run stays completing.
    const merge = b.queues.queue('merge');
    await merge.add('merge', { run, bogus: true }, { attempts: 1 });
    const worker = await b.worker(settings);

    await waitForManifest(b.cold, run);
    expect((await merge.getJobCounts('failed')).failed).toBe(1);
    await expectMerged(b.cold, run, ['x', 'y'], 300);
    for (const v of ['x', 'y'])
      expect(
        await historyProblem(v, b.history.chunks(run, v), 300, writtenSample()),
      ).toBeUndefined();
    await waitFor('Redis to forget the run', async () =>
      (await b.hot.runs.get(run)) === undefined ? true : undefined,
    );
    expect(
      worker.lines.filter(
        (l) => l.msg?.startsWith('run not completed and without a live merge') === true,
      ),
    ).toContainEqual(expect.objectContaining({ run, status: 'completing' }));
  });
});
