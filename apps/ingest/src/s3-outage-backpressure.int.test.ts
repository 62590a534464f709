import type { ColdStore } from '@runstream/cold-store';
import { RunstreamClient, RunstreamHttpError } from '@runstream/sdk';
import { waitFor, type RunningS3Server } from '@runstream/testkit';
import { READ_TOKEN, WRITE_TOKEN, type IngestHarness } from './testing/ingest-harness';
import {
  type MemoryTracker,
  type MemoryWatch,
  SteadyModel,
  historyProblem,
  metricValue,
  startPressuredSystem,
  type PressuredSystem,
  type InProcessWorker,
  type LogLine,
} from './testing/tiered-system';

// S3 goes down while producers keep writing, end to end: the worker's flushes
// fail and are retried, Redis fills with the data they could not move, ingest
// answers 503 and writes nothing for them, the producers keep their batches.
// When S3 is back the system recovers by itself — nobody does anything but
// restart s3rver — and every acknowledged sample is there, exactly once.
// The two tests are one story, in order: the second goes on from the first.
//
// Not checked here: how soon flushing resumes once S3 is back (the failed job
// retries within the capped backoff): see flush-after-outage.int.test.ts.

const FLUSH_THRESHOLD = 0.7;
const HARD_LIMIT = 0.9;
const MEMORY_CHECK_MS = 250; // ingest's default
const PRODUCERS = 2;
const VARIABLES_PER_PRODUCER = 2;
const BATCH_SAMPLES = 20_000;
const TICK_MS = 20;
/** Samples per variable per tick: as fast as the producers go, until the first flush… */
const FAST = 2_000;
/** …then about 1.6 MB/s over the 4 variables, well within what a flush moves. */
const STEADY = 300;

let system: PressuredSystem;
let s3: RunningS3Server;
let cold: ColdStore;
let watch: MemoryWatch;
let h: IngestHarness;
let worker: InProcessWorker;
let tracker: MemoryTracker;
let models: SteadyModel[];
// Shared by the two tests (one story).
let client: RunstreamClient;
let run: string;
let downAt: number;
const rejections: { at: number; message: string }[] = [];
let perTick = FAST;

beforeAll(async () => {
  system = await startPressuredSystem({
    flushThreshold: FLUSH_THRESHOLD,
    hardLimit: HARD_LIMIT,
    memoryCheckMs: MEMORY_CHECK_MS,
  });
  ({ s3, cold, watch, ingest: h, worker, tracker, models } = system);
});
afterAll(async () => {
  await system?.stop();
});

const variables = Array.from({ length: PRODUCERS * VARIABLES_PER_PRODUCER }, (_, index) => ({
  name: `o${Math.floor(index / VARIABLES_PER_PRODUCER)}.v${index % VARIABLES_PER_PRODUCER}`,
  index,
}));

const after = (lines: LogLine[], at: number, msg: string): LogLine[] =>
  lines.filter((l) => l.msg === msg && (l.time as number) >= at);

describe('an S3 outage under sustained writing', () => {
  const acked = (): number => models.reduce((n, m) => n + m.producer.stats.acknowledged, 0);
  const written = async (): Promise<number> => {
    let n = 0;
    for (const v of variables) n += (await h.hotStore.reader.stats(run, v.name))?.count ?? 0;
    return n;
  };

  it('while S3 is down: flushes fail and are retried, Redis fills, ingest answers 503 and writes nothing', async () => {
    client = new RunstreamClient({ url: h.baseUrl, token: WRITE_TOKEN });
    run = (await client.createRun({ id: 'outage' })).run.id;
    for (let p = 0; p < PRODUCERS; p++) {
      const producer = client.producer(run, {
        minIntervalMs: 10,
        maxBatchSamples: BATCH_SAMPLES,
        onFull: 'throw', // a sample the producer cannot hold fails the test, never vanishes
        onRetry: (err) =>
          rejections.push({
            at: Date.now(),
            message:
              err instanceof RunstreamHttpError ? `${err.status} ${err.message}` : String(err),
          }),
      });
      const model = new SteadyModel(
        producer,
        variables.slice(p * VARIABLES_PER_PRODUCER, (p + 1) * VARIABLES_PER_PRODUCER),
        { samplesPerTick: () => perTick, tickMs: TICK_MS, maxHeld: 2 * BATCH_SAMPLES },
      );
      models.push(model);
    }
    tracker.start();

    // S3 up: writes flow, and a flush moves them to S3.
    await waitFor(
      'a first flush',
      () => after(worker.lines, 0, 'flush done').some((l) => (l.moved as number) > 0) || undefined,
      30_000,
    );
    perTick = STEADY;

    // S3 down. Flushes fail: the flush job is retried with backoff, the watchdog tries again.
    downAt = Date.now();
    await s3.stop();
    await waitFor(
      'a flush job to fail and be retried',
      () => after(worker.lines, downAt, 'job failed; will retry').length > 0 || undefined,
      30_000,
    );
    // Redis fills with what could not be moved, towards the hard limit (ingest refuses
    // the writes that would reach it); ingest answers 503.
    const fullAt = (
      await waitFor(
        'Redis to fill towards the hard limit',
        () => tracker.readings.find((r) => r.at > downAt && r.ratio >= HARD_LIMIT - 0.1),
        30_000,
      )
    ).at;
    await waitFor('a 503', () => rejections.some((r) => r.at > fullAt) || undefined, 10_000);
    // From then on nothing is written: with S3 down memory can only grow, and every write
    // is refused (by ingest's watch, or by Redis at maxmemory). Readings wobble near the
    // limit (a failing flush's reply buffers come and go), so a write may still be taken
    // on one just under it: what is checked is that a spell comes in which each producer
    // is refused twice more and nothing at all is written.
    await waitFor(
      'a spell of refusals that writes nothing',
      async () => {
        const [refused, writtenBefore, ackedBefore] = [rejections.length, await written(), acked()];
        await waitFor(
          'two more refusals per producer',
          () => rejections.length >= refused + 2 * PRODUCERS || undefined,
          15_000,
        );
        return ((await written()) === writtenBefore && acked() === ackedBefore) || undefined;
      },
      30_000,
      0,
    );
    expect(after(worker.lines, downAt, 'flush failed').length).toBeGreaterThan(0);
    // The data waits in Redis, partly in transfer keys the failed flushes made.
    expect((await h.hotStore.transfers.pendingVariables(run)).length).toBeGreaterThan(0);
  }, 90_000);

  it('once S3 is back: retried flushes succeed, memory falls, producers finish, and every acknowledged sample is there once', async () => {
    expect(downAt).toBeDefined(); // the test above ran
    // Nobody does anything but restart s3rver: the watchdog's next drain and the retried
    // jobs move the data, memory falls, and the producers' retries are taken.
    const upAt = Date.now();
    await s3.restart();
    await waitFor(
      'a flush to succeed',
      () =>
        after(worker.lines, upAt, 'flush done').some((l) => (l.moved as number) > 0) || undefined,
      30_000,
    );
    const recoveredAt = (
      await waitFor(
        'memory under the hard limit',
        () => tracker.readings.find((r) => r.at > upAt && r.ratio < HARD_LIMIT),
        30_000,
      )
    ).at;
    const ackedAtRecovery = acked();
    // No flush job that failed while S3 was down has given up: each has completed, or
    // still waits out its backoff (1 s, 2 s, 4 s…, at most 5 s; the data it would move is
    // already moved by the flushes since).
    const failed = new Set(
      after(worker.lines, downAt, 'job failed; will retry').map((l) => String(l.jobId)),
    );
    expect(failed.size).toBeGreaterThan(0);
    for (const id of failed) {
      const job = await worker.app.queues.queue('flush').getJob(id);
      const state = await job?.getState();
      if (state === 'failed')
        console.log('DEBUG', id, job?.attemptsMade, job?.failedReason, job?.stacktrace?.slice(-1));
      expect(['completed', 'delayed', 'waiting', 'active']).toContain(state);
    }
    // The producers wrote on meanwhile; now they finish, everything acknowledged.
    await Promise.all(models.map((m) => m.stop()));
    await tracker.stop();
    expect(acked()).toBeGreaterThan(ackedAtRecovery);
    expect(await h.hotStore.transfers.pendingVariables(run)).toEqual([]);

    // Every 503 came from the memory watch or from Redis refusing at maxmemory, each of the
    // watch's on a reading that, with the writes admitted since, would reach the hard limit.
    const byWatch = rejections.filter((r) => r.message.includes('Redis is nearly full'));
    const byRedis = rejections.filter((r) => r.message.includes('the hot store is full'));
    expect(rejections.filter((r) => !byWatch.includes(r) && !byRedis.includes(r))).toEqual([]);
    expect(byWatch.length).toBe(watch.refusals.length);
    for (const refusal of watch.refusals) {
      expect(refusal.basis).toBeDefined();
      expect(refusal.projected).toBeGreaterThanOrEqual(HARD_LIMIT);
    }

    // Nothing lost, nothing doubled: each sample acknowledged once, written once…
    const total = models.reduce((n, m) => n + m.logged * m.variables.length, 0);
    for (const m of models)
      expect(m.producer.stats).toMatchObject({
        acknowledged: m.logged * m.variables.length,
        dropped: 0,
        discarded: 0,
        duplicates: 0,
      });
    const metrics = await (await h.request('/metrics', { token: null })).text();
    expect(metricValue(metrics, 'runstream_ingest_samples_written_total')).toBe(total);
    // …and read back through the history API, from S3 and Redis, each with its own t and v.
    const reader = new RunstreamClient({ url: h.baseUrl, token: READ_TOKEN });
    for (const [i, v] of variables.entries())
      expect(
        await historyProblem(
          reader,
          run,
          v,
          models[Math.floor(i / VARIABLES_PER_PRODUCER)]!.logged,
        ),
      ).toBeUndefined();
    // (Moved there by flushes before the outage and after it.)
    const segments = await Promise.all(variables.map((v) => cold.listSegments(run, v.name)));
    expect(segments.flat().length).toBeGreaterThanOrEqual(2);

    if (process.env.SUSTAINED_REPORT === '1')
      console.info(
        `s3-outage report ${JSON.stringify({
          samples: total,
          segments: segments.flat().length,
          rejections: rejections.length,
          byRedis: byRedis.length,
          outageMs: upAt - downAt,
          recoveryMs: recoveredAt - upAt,
          failedJobs: failed.size,
          rejectionsAfterRecovery: rejections.filter((r) => r.at > recoveredAt + 2_000).length,
          peakUsedRatio: tracker.peak?.ratio,
        })}`,
      );
  }, 90_000);
});
