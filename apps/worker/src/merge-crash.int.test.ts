import { Flusher } from '@runstream/tiering';
import { historyProblem, useFixture, waitFor } from '@runstream/testkit';
import { expectMerged, writeSamples, writtenSample } from '@runstream/tiering/testing';
import { FLUSH_EVERYTHING } from './testing/start-worker';
import { startWorkerBackends } from './testing/worker-backends';
import { buildWorker } from './testing/worker-process';

// A merge killed (SIGKILL, no clean-up) in a real process — halfway through
// streaming a merged object, or right after one is uploaded and before the
// segments it covers are deleted — is finished by the next worker: each
// variable ends as one merged object holding exactly 1..N, no segment left,
// a manifest that agrees, the run completed. Killed again and again during
// one merge, BullMQ fails the job for stalling; the run sweeper of the next
// worker merges the run anyway.

beforeAll(() => buildWorker());
const b = useFixture(() => startWorkerBackends());

const variables = ['a', 'b', 'c d'];
const fastTakeover = { JOB_LOCK_MS: '1500', JOB_STALLED_CHECK_MS: '300' };
const quick = { MERGE_QUIESCENCE_MS: '100', MERGE_VARIABLE_CONCURRENCY: '1' };

/** Each variable's merged object alone holds exactly 1..n, and its history reads the right values. */
async function expectEachMergedExactly(run: string, n: number): Promise<void> {
  for (const v of variables) {
    let next = 1;
    for await (const chunk of b.cold.readObject(b.cold.keys.merged(run, v))) {
      expect(chunk.first).toBe(next);
      next += chunk.t.length;
    }
    expect(next).toBe(n + 1);
    expect(await historyProblem(v, b.history.chunks(run, v), n, writtenSample())).toBeUndefined();
  }
}

describe.each(['merge-mid-upload', 'merge-after-upload'] as const)(
  'a worker process killed at %s',
  (point) => {
    it('leaves the old state intact; the next worker completes the run exactly', async () => {
      const run = `crash-${point}`;
      await b.hot.runs.create({ id: run });
      const flusher = new Flusher(b.hot, b.cold);
      for (let f = 0; f < 4; f++) {
        await writeSamples(b.hot, run, variables, 5, 100, f * 500);
        await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true });
      }
      await writeSamples(b.hot, run, variables, 2, 100, 2000); // 1..2200, the last 200 in Redis
      const n = 2200;

      const child = b.process({
        ...FLUSH_EVERYTHING,
        ...fastTakeover,
        ...quick,
        WORKER_QUEUES: 'merge',
        RUNSTREAM_TEST_CRASH_AT: point,
        LOG_LEVEL: 'warn',
      });
      await b.queues.add('merge', { run, reason: 'requested', requestedAt: Date.now() });
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(child.output()).toContain(`SIGKILL at ${point}`);

      // Killed mid-way: the run is completing (no more samples), nothing is lost.
      expect((await b.hot.runs.get(run))?.status).toBe('completing');
      expect(await b.cold.getManifest(run)).toBeUndefined();
      const merged = await Promise.all(variables.map((v) => b.cold.mergedInfo(run, v)));
      if (point === 'merge-mid-upload') {
        expect(merged.every((m) => m === undefined)).toBe(true); // no half object visible
      } else {
        // One variable merged, its segments not yet deleted.
        expect(merged.filter((m) => m !== undefined)).toHaveLength(1);
        const done = variables[merged.findIndex((m) => m !== undefined)]!;
        expect((await b.cold.listSegments(run, done)).length).toBeGreaterThan(0);
      }
      for (const v of variables)
        expect(
          await historyProblem(v, b.history.chunks(run, v), n, writtenSample()),
        ).toBeUndefined();

      const recovery = await b.worker({ ...FLUSH_EVERYTHING, ...fastTakeover, ...quick });
      // Completed: its manifest is written, and Redis has forgotten it.
      await waitFor(
        'the run to be completed',
        async () => ((await b.hot.runs.get(run)) === undefined ? true : undefined),
        30_000,
      );

      const manifest = await expectMerged(b.cold, run, variables, n);
      expect(manifest?.run).toMatchObject({
        status: 'completed',
        reason: 'requested',
        samples: 3 * n,
      });
      await expectEachMergedExactly(run, n);
      const mergeDone = recovery.lines.filter((l) => l.msg === 'merge done');
      expect(mergeDone.length).toBeGreaterThanOrEqual(1);
    });
  },
);

describe.each([2, 3])('a worker process killed %i times during one merge', (kills) => {
  it('is merged by the next worker all the same, exactly', async () => {
    const run = `crash-${kills}-times`;
    await b.hot.runs.create({ id: run });
    const flusher = new Flusher(b.hot, b.cold);
    for (let f = 0; f < 2; f++) {
      await writeSamples(b.hot, run, variables, 5, 100, f * 500);
      await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true });
    }
    await writeSamples(b.hot, run, variables, 2, 100, 1000); // 1..1200, the last 200 in Redis
    const n = 1200;
    const settings = { ...FLUSH_EVERYTHING, ...fastTakeover, ...quick, SWEEP_INTERVAL_MS: '300' };

    await b.queues.add('merge', { run, reason: 'requested', requestedAt: Date.now() });
    for (let k = 1; k <= kills; k++) {
      // Each takes the merge over (a stalled job, or the sweeper's new one) and dies mid-upload.
      const child = b.process({
        ...settings,
        WORKER_QUEUES: 'merge',
        RUNSTREAM_TEST_CRASH_AT: 'merge-mid-upload',
        LOG_LEVEL: 'warn',
      });
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(child.output()).toContain('SIGKILL at merge-mid-upload');
      expect((await b.hot.runs.get(run))?.status).toBe('completing');
    }

    const recovery = await b.worker(settings);
    await waitFor(
      'the run to be completed',
      async () => ((await b.hot.runs.get(run)) === undefined ? true : undefined),
      30_000,
    );
    // BullMQ gave up on a merge job (stalled too often); the sweeper asked again.
    expect((await b.queues.queue('merge').getJobCounts('failed')).failed).toBeGreaterThanOrEqual(1);
    const manifest = await expectMerged(b.cold, run, variables, n);
    expect(manifest?.run).toMatchObject({ status: 'completed', samples: 3 * n });
    await expectEachMergedExactly(run, n);
    expect(recovery.lines.filter((l) => l.msg === 'merge done' && l.run === run)).toHaveLength(1);
  });
});
