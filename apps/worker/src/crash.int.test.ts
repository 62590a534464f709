import { Queues } from '@runstream/queues';
import { seqCoverageProblem, waitFor } from '@runstream/testkit';
import type { FlushPoint } from '@runstream/tiering';
import {
  FLUSH_EVERYTHING,
  backgroundWriter,
  historyProblem,
  readHistory,
  sampleCount,
  segmentSeqs,
  startBackends,
  startWorker,
  waitForIdleQueue,
  writeSamples,
  type Backends,
  type TestWorker,
} from './testing/worker-harness';
import { buildWorker, spawnWorker, type WorkerProcess } from './testing/worker-process';

// A flush killed (SIGKILL, no clean-up) at each step of a transfer, in a real
// process, loses and doubles nothing: the transfer key it leaves keeps the
// data readable, and the next worker finishes it. Writers write throughout.

let b: Backends;
let queues: Queues;
let child: WorkerProcess | undefined;
let recovery: TestWorker | undefined;

beforeAll(async () => {
  await buildWorker();
  b = await startBackends();
  queues = new Queues({ url: b.redis.url });
});
afterEach(async () => {
  await child?.kill();
  child = undefined;
  await recovery?.app.close();
  recovery = undefined;
});
afterAll(async () => {
  await queues?.close();
  await b?.stop();
});

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

      child = spawnWorker({
        ...b.env,
        ...FLUSH_EVERYTHING,
        ...fastTakeover,
        RUNSTREAM_TEST_CRASH_AT: point,
        LOG_LEVEL: 'warn',
      });
      const writer = backgroundWriter(b.hot, run, variables, 2000);
      await queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      const exit = await child.exited;
      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(child.output()).toContain(`SIGKILL at ${point}`);
      expect(child.output()).toContain('RUNSTREAM_TEST_CRASH_AT is set'); // logged loudly at start
      const [orphan] = await queues.queue('flush').getJobs(['active']);
      expect(orphan).toBeDefined(); // still claimed by the dead process

      // The transfer key is still there, and readers still get every sample once.
      expect((await b.hot.transfers.pendingVariables(run)).length).toBeGreaterThan(0);
      for (const v of variables) {
        const before = await sampleCount(b.hot, run, v);
        const seqs = await readHistory(b.history, run, v);
        expect(seqs.length).toBeGreaterThanOrEqual(before);
        expect(seqCoverageProblem(seqs, seqs.length)).toBeUndefined();
      }

      // A second worker (no crash setting) starts while the writer goes on. The
      // writer stops a little later: a flush with a low-water mark of 0 runs as
      // long as anything is dirty, so beside an endless writer it would not end.
      recovery = await startWorker(b.env, { ...FLUSH_EVERYTHING, ...fastTakeover });
      const atRecovery = writer.written();
      await waitFor('the writer to go on', () =>
        writer.written() >= atRecovery + 500 ? true : undefined,
      );
      const written = await writer.stop();

      // It takes over the dead worker's job once that lock expires; the job asked
      // for now follows it (deduplicated behind it), and one more after both.
      await queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      await waitFor('the orphaned job to complete', async () =>
        (await orphan!.getState()) === 'completed' ? true : undefined,
      );
      await waitForIdleQueue(queues.queue('flush'));
      await queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      await waitForIdleQueue(queues.queue('flush'));

      const resumed = recovery.lines.filter((l) => l.msg === 'flush done' && Number(l.resumed) > 0);
      expect(resumed.length).toBeGreaterThan(0);
      expect(await b.hot.transfers.pendingVariables(run)).toEqual([]);
      for (const v of variables) {
        expect(await sampleCount(b.hot, run, v)).toBe(written);
        expect(await b.hot.reader.headSeq(run, v)).toBeUndefined();
        expect(seqCoverageProblem(await segmentSeqs(b.cold, run, v), written)).toBeUndefined();
        expect(await historyProblem(b, run, v, written)).toBeUndefined();
      }
    });
  },
);
