import type { QueueName } from '@runstream/queues';
import { useFixture, waitFor } from '@runstream/testkit';
import { writeSamples } from '@runstream/tiering/testing';
import type { Job } from 'bullmq';
import { FLUSH_EVERYTHING, type TestWorker } from './testing/start-worker';
import { startWorkerBackends } from './testing/worker-backends';

// Flush and merge jobs report how far they are and why they run on the job
// itself, where bull-board shows them: a progress bar from `progress`
// (0..100), the rest as JSON.

const b = useFixture(() =>
  startWorkerBackends({ workers: [{ ...FLUSH_EVERYTHING, MERGE_QUIESCENCE_MS: '50' }] }),
);
const worker = (): TestWorker => b.workers[0]!;
type Progress = Record<string, unknown> & { progress: number };

/** Runs `add`, then waits for the queue's next completed job: its progress events and stored progress. */
async function progressOf(
  queue: QueueName,
  add: () => Promise<void>,
): Promise<{ events: Progress[]; stored: Progress }> {
  const bullWorker = worker().app.workers.get(queue)!;
  const events: Progress[] = [];
  let completed: Job | undefined;
  const onProgress = (_job: Job, progress: unknown): void => {
    events.push(progress as Progress);
  };
  const onCompleted = (job: Job): void => {
    completed = job;
  };
  bullWorker.on('progress', onProgress);
  bullWorker.on('completed', onCompleted);
  try {
    await add();
    const job = await waitFor(`a ${queue} job to complete`, () => completed);
    const stored = await b.queues.queue(queue).getJob(job.id!);
    return { events, stored: stored!.progress as Progress };
  } finally {
    bullWorker.off('progress', onProgress);
    bullWorker.off('completed', onCompleted);
  }
}

function expectRising(events: Progress[]): void {
  const percents = events.map((e) => e.progress);
  expect(percents).toEqual([...percents].sort((x, y) => x - y));
}

describe('job progress', () => {
  it('a flush job reports its reason and its progress, ending at 100', async () => {
    const run = 'progress-flush';
    await b.hot.runs.create({ id: run });
    await writeSamples(b.hot, run, ['a', 'b', 'c', 'd'], 4, 500);

    const { events, stored } = await progressOf('flush', () =>
      b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() }),
    );
    expect(stored).toMatchObject({ progress: 100, reason: 'forced', moved: 4, samples: 8000 });
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)).toEqual(stored);
    expect(events.every((e) => e.reason === 'forced')).toBe(true);
    expectRising(events);
  });

  it('a flush job an earlier version queued (reason `memory`) runs, as `pressure`', async () => {
    // Added as the old version did, past today's catalog.
    const { stored } = await progressOf('flush', async () => {
      await b.queues.queue('flush').add('flush', { reason: 'memory', requestedAt: Date.now() });
    });
    expect(stored).toMatchObject({ progress: 100, reason: 'pressure' });
  });

  it('a merge job reports its reason, phase and progress, ending at 100', async () => {
    const run = 'progress-merge';
    const variables = ['x', 'y', 'z'];
    await b.hot.runs.create({ id: run });
    await writeSamples(b.hot, run, variables, 3, 200);

    const { events, stored } = await progressOf('merge', () =>
      b.queues.add('merge', { run, reason: 'requested', requestedAt: Date.now() }),
    );
    expect(stored).toEqual({
      progress: 100,
      reason: 'requested',
      phase: 'done',
      variablesMerged: 3,
      variables: 3,
    });
    expect(events[0]).toMatchObject({ progress: 0, phase: 'quiescence', reason: 'requested' });
    expect(events.at(-1)).toEqual(stored);
    expect(events.every((e) => e.reason === 'requested')).toBe(true);
    expectRising(events);
    // The merge's own flush of the run is a flush like any other, with its reason.
    expect(
      worker().lines.some(
        (l) => l.msg === 'flush done' && l.reason === 'completion' && l.run === run,
      ),
    ).toBe(true);
  });
});
