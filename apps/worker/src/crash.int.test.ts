import { historyProblem, seqCoverageProblem, useFixture, waitFor } from '@runstream/testkit';
import type { FlushPoint } from '@runstream/tiering';
import { writeSamples, writtenSample } from '@runstream/tiering/testing';
import { backgroundWriter } from './testing/background-writer';
import { segmentSeqs } from './testing/segment-seqs';
import { FLUSH_EVERYTHING } from './testing/start-worker';
import { waitForIdleQueue } from './testing/wait-for-idle-queue';
import { startWorkerBackends } from './testing/worker-backends';
import { buildWorker } from './testing/worker-process';

// A flush killed (SIGKILL, no clean-up) at each step of a transfer, in a real
// process, loses and doubles nothing: the transfer key it leaves keeps the
// data readable, and the next worker finishes it. Writers write throughout.

beforeAll(() => buildWorker());
const b = useFixture(() => startWorkerBackends());

const variables = ['a', 'b'];
// Short locks: a crashed worker's job is taken over within seconds, not 30 s.
const fastTakeover = { JOB_LOCK_MS: '1500', JOB_STALLED_CHECK_MS: '300' };

describe.each<FlushPoint>(['after-rename', 'after-upload', 'before-delete'])(
  'a worker process killed %s',
  (point) => {
    it('leaves its transfer key; the next worker finishes it; history stays exactly 1..N', async () => {
      const run = `crash-${point}`;
      await b.hot.runs.create({ id: run });
      await writeSamples(b.hot, run, variables, 10, 200); // 1..2000

      const child = b.process({
        ...FLUSH_EVERYTHING,
        ...fastTakeover,
        RUNSTREAM_TEST_CRASH_AT: point,
        LOG_LEVEL: 'warn',
      });
      const writer = backgroundWriter(b.hot, run, variables, 2000);
      await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      const exit = await child.exited;
      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(child.output()).toContain(`SIGKILL at ${point}`);
      expect(child.output()).toContain('RUNSTREAM_TEST_CRASH_AT is set'); // logged loudly at start
      const [orphan] = await b.queues.queue('flush').getJobs(['active']);
      expect(orphan).toBeDefined(); // still claimed by the dead process

      // The transfer key is still there, and readers still get every sample once.
      expect((await b.hot.transfers.pendingVariables(run)).length).toBeGreaterThan(0);
      for (const v of variables) {
        const before = await b.hot.reader.count(run, v);
        expect(
          await historyProblem(v, b.history.chunks(run, v), { atLeast: before }, writtenSample()),
        ).toBeUndefined();
      }

      // A second worker (no crash setting) starts while the writer goes on. The
      // writer stops a little later: a flush with a low-water mark of 0 runs as
      // long as anything is dirty, so beside an endless writer it would not end.
      const recovery = await b.worker({ ...FLUSH_EVERYTHING, ...fastTakeover });
      const atRecovery = writer.written();
      await waitFor('the writer to go on', () =>
        writer.written() >= atRecovery + 500 ? true : undefined,
      );
      const written = await writer.stop();

      // It takes over the dead worker's job once that lock expires; the job asked
      // for now follows it (deduplicated behind it), and one more after both.
      await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      await waitFor('the orphaned job to complete', async () =>
        (await orphan!.getState()) === 'completed' ? true : undefined,
      );
      await waitForIdleQueue(b.queues.queue('flush'));
      await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      await waitForIdleQueue(b.queues.queue('flush'));

      const resumed = recovery.lines.filter((l) => l.msg === 'flush done' && Number(l.resumed) > 0);
      expect(resumed.length).toBeGreaterThan(0);
      expect(await b.hot.transfers.pendingVariables(run)).toEqual([]);
      for (const v of variables) {
        expect(await b.hot.reader.count(run, v)).toBe(written);
        expect(await b.hot.reader.headSeq(run, v)).toBeUndefined();
        expect(seqCoverageProblem(await segmentSeqs(b.cold, run, v), written)).toBeUndefined();
        expect(
          await historyProblem(v, b.history.chunks(run, v), written, writtenSample()),
        ).toBeUndefined();
      }
    });
  },
);
