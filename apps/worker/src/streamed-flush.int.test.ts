import {
  REDIS_TOPOLOGIES,
  freePort,
  historyProblem,
  seqCoverageProblem,
  useFixture,
  waitFor,
} from '@runstream/testkit';
import { writeSamples, writtenSample } from '@runstream/tiering/testing';
import { segmentSeqs } from './testing/segment-seqs';
import { FLUSH_EVERYTHING } from './testing/start-worker';
import { waitForIdleQueue } from './testing/wait-for-idle-queue';
import { startWorkerBackends } from './testing/worker-backends';
import { buildWorker, type WorkerProcess } from './testing/worker-process';

// A variable buffered far beyond FLUSH_SEGMENT_BYTES is moved by the built
// worker as many segments, one at a time: the process's peak memory grows by
// a few segments' worth, not by the variable's size; a SIGKILL between two
// segments loses and doubles nothing; the job shows its progress segment by
// segment.

beforeAll(() => buildWorker());

// Short locks: a crashed worker's job is taken over within seconds, not 30 s.
const fastTakeover = { JOB_LOCK_MS: '1500', JOB_STALLED_CHECK_MS: '300' };
// No compaction: it would join the segments a test counts (and delete them under its reads).
const flushOnly = { WORKER_QUEUES: 'flush' };
/** The worker's V8 old space in the memory test (MB). */
const HEAP_CAP_MB = 80;

describe.each(REDIS_TOPOLOGIES)('streamed flushes on a %s Redis', (topology) => {
  const b = useFixture(() => startWorkerBackends({ topology }));

  /** Writes batches of `size` samples to one variable until its buffer holds `bytes`; returns N. */
  async function bufferAtLeast(run: string, variable: string, bytes: number): Promise<number> {
    const size = 10_000;
    let n = 0;
    for (;;) {
      await writeSamples(b.hot, run, [variable], 10, size, n);
      n += 10 * size;
      const [dirty] = await b.hot.transfers.dirtyVariables(run);
      if ((dirty?.bytes ?? 0) >= bytes) return n;
    }
  }

  /** One gauge of the process's /metrics. */
  async function gauge(port: number, name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
    if (value === undefined) throw new Error(`no ${name} in /metrics`);
    return Number(value);
  }

  /** Starts the built worker on a known port and waits until it answers. */
  async function workerOn(
    env: Record<string, string>,
  ): Promise<{ child: WorkerProcess; port: number }> {
    const port = await freePort();
    const child = b.process({ ...env, PORT: String(port) });
    await waitFor('the worker to answer /readyz', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return res?.ok === true ? true : undefined;
    });
    return { child, port };
  }

  const segmentLines = (child: WorkerProcess): Record<string, unknown>[] =>
    child.logLines().filter((l) => l.msg === 'flush segment written');

  describe('a flush of a variable far larger than a segment', () => {
    it('moves it in segments, with the worker’s memory bounded, exactly 1..N, reporting progress per segment', async () => {
      const run = 'huge';
      const segmentBytes = 1024 * 1024;
      await b.hot.runs.create({ id: run });
      const n = await bufferAtLeast(run, 'x', 48 * segmentBytes);
      const [buffered] = await b.hot.transfers.dirtyVariables(run);
      const bufferedBytes = buffered!.bytes;

      const { child, port } = await workerOn({
        ...FLUSH_EVERYTHING,
        ...flushOnly,
        FLUSH_SEGMENT_BYTES: String(segmentBytes),
        // The worker idles at ~28 MB of heap: with 80 MB at most, a flush that
        // held the variable whole (its text, parsed for the pyramid, gzip'd)
        // dies of it; one slice at a time fits.
        NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}`,
      });
      const peakBefore = await gauge(port, 'runstream_worker_peak_resident_memory_bytes');

      const queue = b.queues.queue('flush');
      await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      const [job] = await queue.getJobs(['waiting', 'active', 'completed']);
      // The job's progress as bull-board reads it, while the flush runs.
      const seen: Record<string, unknown>[] = [];
      await waitFor(
        'the flush job to complete',
        async () => {
          const now = await queue.getJob(job!.id!);
          if (now !== undefined && typeof now.progress === 'object')
            seen.push(now.progress as Record<string, unknown>);
          return (await now?.getState()) === 'completed' ? true : undefined;
        },
        180_000,
      );
      const growth =
        (await gauge(port, 'runstream_worker_peak_resident_memory_bytes')) - peakBefore;

      const lines = segmentLines(child);
      expect(lines.length).toBeGreaterThanOrEqual(40);
      for (const line of lines) {
        expect(line).toMatchObject({ run, variable: 'x', reason: 'forced', transferLast: n });
        // The bound, and the chunk that crosses it (10 000 samples, ~200 kB).
        expect(Number(line.bytes)).toBeLessThan(segmentBytes + 300_000);
      }
      // Progress mid-transfer, segment by segment: segments written, the buffer not yet moved.
      const midway = seen.filter(
        (p) => Number(p.segments) > 0 && p.moved === 0 && Number(p.progress) < 100,
      );
      expect(new Set(midway.map((p) => p.segments)).size).toBeGreaterThan(3);
      expect(seen.at(-1)).toMatchObject({
        progress: 100,
        moved: 1,
        segments: lines.length,
        samples: n,
      });

      expect(seqCoverageProblem(await segmentSeqs(b.cold, run, 'x'), n)).toBeUndefined();
      expect(await b.hot.transfers.pendingVariables(run)).toEqual([]);
      // Peak resident memory grew by less than the variable (the heap cap above
      // is the hard bound; the whole-transfer flush grew it by 5.5× the variable).
      expect(growth).toBeLessThan(bufferedBytes);
    }, 240_000);
  });

  describe('a worker SIGKILLed between two segments of one transfer', () => {
    it('leaves the rest in Redis, readable; the next worker finishes it: segments exactly 1..N', async () => {
      const run = 'huge-crash';
      const segmentBytes = 64 * 1024;
      await b.hot.runs.create({ id: run });
      await writeSamples(b.hot, run, ['x'], 40, 1000); // 1..40 000, ~700 kB: about 10 segments
      const k = 4;

      const crashing = b.process({
        ...FLUSH_EVERYTHING,
        ...flushOnly,
        ...fastTakeover,
        FLUSH_SEGMENT_BYTES: String(segmentBytes),
        RUNSTREAM_TEST_CRASH_AT: 'after-upload',
        RUNSTREAM_TEST_CRASH_HIT: String(k),
      });
      await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(crashing.output()).toContain('SIGKILL at after-upload');

      // k segments in S3; the first k - 1 trimmed from the transfer, the k-th not yet.
      const uploaded = await b.cold.listSegments(run, 'x');
      expect(uploaded).toHaveLength(k);
      const [transfer] = await b.hot.transfers.transfers(run, 'x');
      expect(transfer?.first).toBe(uploaded[k - 1]!.first);
      // Half moved, history reads every seq once.
      expect(
        await historyProblem('x', b.history.chunks(run, 'x'), 40_000, writtenSample()),
      ).toBeUndefined();

      const { child } = await workerOn({
        ...FLUSH_EVERYTHING,
        ...flushOnly,
        ...fastTakeover,
        FLUSH_SEGMENT_BYTES: String(segmentBytes),
      });
      await b.queues.add('flush', { reason: 'forced', requestedAt: Date.now() });
      await waitForIdleQueue(b.queues.queue('flush'), 60_000);
      await waitFor('the transfer to be finished', async () =>
        (await b.hot.transfers.pendingVariables(run)).length === 0 ? true : undefined,
      );

      // The k-th segment was written again under its own key; none overlaps another.
      const segments = await b.cold.listSegments(run, 'x');
      expect(segments.slice(0, k).map((s) => s.key)).toEqual(uploaded.map((s) => s.key));
      expect(segments.length).toBeGreaterThan(k);
      expect(seqCoverageProblem(await segmentSeqs(b.cold, run, 'x'), 40_000)).toBeUndefined();
      expect(
        await historyProblem('x', b.history.chunks(run, 'x'), 40_000, writtenSample()),
      ).toBeUndefined();
      expect(child.logLines().some((l) => l.msg === 'flush done' && Number(l.resumed) > 0)).toBe(
        true,
      );
    });
  });
});
