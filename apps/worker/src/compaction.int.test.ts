import { collect, historyProblem, seqsOf, useFixture, waitFor } from '@runstream/testkit';
import { Flusher, segmentChain } from '@runstream/tiering';
import { writeSamples, writtenSample } from '@runstream/tiering/testing';
import { FLUSH_EVERYTHING } from './testing/start-worker';
import { waitForIdleQueue } from './testing/wait-for-idle-queue';
import { startWorkerBackends } from './testing/worker-backends';
import { buildWorker } from './testing/worker-process';

// Compaction in the worker: a flush job that leaves a variable with too many
// segments asks for a compaction, which the worker runs; and a compaction
// killed (SIGKILL, no clean-up) in a real process at each of its steps
// leaves every read exact and is finished by the next worker.

beforeAll(() => buildWorker());
const b = useFixture(() => startWorkerBackends());

/** Undefined when `variable` of `run` reads back exactly 1..n as written. */
const exact = (run: string, variable: string, n: number) =>
  historyProblem(variable, b.history.chunks(run, variable), n, writtenSample());

const variables = ['a', 'b c'];
const fastTakeover = { JOB_LOCK_MS: '1500', JOB_STALLED_CHECK_MS: '300' };
const compaction = { COMPACT_SEGMENTS: '6', COMPACT_FANIN: '4' };

/** Undefined when the variable's segments follow one another from seq 1, none inside another. */
async function segmentsProblem(run: string, variable: string): Promise<string | undefined> {
  const { chain, covered } = segmentChain(await b.cold.listSegments(run, variable));
  if (covered.length > 0) return `${covered.length} segments inside others`;
  let next = 1;
  for (const s of chain) {
    if (s.first !== next) return `${s.key} where seq ${next} was due`;
    next = s.last + 1;
  }
  return undefined;
}

describe('a flush job', () => {
  it('asks for a compaction once a variable holds more than COMPACT_SEGMENTS segments', async () => {
    // Short stalled checks here too: BullMQ keeps the last worker's interval in Redis.
    const worker = await b.worker({ ...FLUSH_EVERYTHING, ...fastTakeover, ...compaction });
    const run = 'compact-trigger';
    await b.hot.runs.create({ id: run });
    for (let f = 0; f < 6; f++) {
      await writeSamples(b.hot, run, variables, 2, 250, f * 500);
      await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      await waitForIdleQueue(b.queues.queue('flush'));
    }
    // Six segments: not over the limit yet, nothing asked.
    expect(worker.lines.filter((l) => l.msg === 'compaction done')).toEqual([]);
    await writeSamples(b.hot, run, variables, 2, 250, 3000);
    await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
    await waitForIdleQueue(b.queues.queue('flush'));
    const [done] = await waitFor('the compaction', () => {
      const lines = worker.lines.filter((l) => l.msg === 'compaction done');
      return lines.length > 0 ? lines : undefined;
    });
    expect(done).toMatchObject({ run, reason: 'segments', outcome: 'compacted', variables: 2 });
    await waitForIdleQueue(b.queues.queue('compact'));
    for (const v of variables) {
      // 7 segments of 500: the first 4 joined.
      expect((await b.cold.listSegments(run, v)).map((s) => [s.first, s.last])).toEqual([
        [1, 2000],
        [2001, 2500],
        [2501, 3000],
        [3001, 3500],
      ]);
      expect(await segmentsProblem(run, v)).toBeUndefined();
      expect(await exact(run, v, 3500)).toBeUndefined();
    }
  });
});

describe.each(['compact-mid-upload', 'compact-after-upload', 'compact-mid-delete'] as const)(
  'a worker process killed at %s',
  (point) => {
    it('leaves every read exact; the next worker finishes the compaction', async () => {
      const run = `crash-${point}`;
      await b.hot.runs.create({ id: run });
      const flusher = new Flusher(b.hot, b.cold);
      // 8 segments of 5 000 per variable: each join of 4 is large enough for an index.
      for (let f = 0; f < 8; f++) {
        await writeSamples(b.hot, run, variables, 5, 1000, f * 5000);
        await flusher.flush({ lowWater: 0, budgetBytes: 0, everything: true });
      }
      const n = 40_000;

      const child = b.process({
        ...FLUSH_EVERYTHING,
        ...fastTakeover,
        ...compaction,
        WORKER_QUEUES: 'compact',
        RUNSTREAM_TEST_CRASH_AT: point,
        LOG_LEVEL: 'warn',
      });
      await b.queues.add('compact', { run, reason: 'segments', requestedAt: Date.now() });
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(child.output()).toContain(`SIGKILL at ${point}`);

      // Whatever it left, readers get exactly 1..N, from the start and from inside.
      for (const v of variables) {
        expect(await exact(run, v, n)).toBeUndefined();
        const tail = seqsOf(await collect(b.history.chunks(run, v))).slice(12_345);
        expect(tail[0]).toBe(12_346);
      }
      if (point !== 'compact-mid-upload') {
        // Its output is listed beside (some of) its inputs.
        const left = await Promise.all(variables.map((v) => b.cold.listSegments(run, v)));
        expect(left.some((segments) => segmentChain(segments).covered.length > 0)).toBe(true);
      }

      const worker = await b.worker({ ...FLUSH_EVERYTHING, ...fastTakeover, ...compaction });
      await waitFor(
        'the compaction to be finished',
        () => (worker.lines.some((l) => l.msg === 'compaction done') ? true : undefined),
        30_000,
      );
      await waitForIdleQueue(b.queues.queue('compact'));
      for (const v of variables) {
        expect(await b.hot.reader.count(run, v)).toBe(n);
        expect(await segmentsProblem(run, v)).toBeUndefined();
        // 8 segments of one size: two joins of 4.
        expect((await b.cold.listSegments(run, v)).map((s) => [s.first, s.last])).toEqual([
          [1, 20_000],
          [20_001, 40_000],
        ]);
        expect(await exact(run, v, n)).toBeUndefined();
      }
    });
  },
);
