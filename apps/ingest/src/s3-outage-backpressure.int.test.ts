import { historyProblem, useFixture, waitFor, type LogLine } from '@runstream/testkit';
import { PRODUCTION_MEMORY_SETTINGS } from './testing/memory-watch';
import { metricValue } from './testing/metric-value';
import { startPressuredSystem } from './testing/pressured-system';
import { modelSample, modelVariables } from './testing/steady-model';

// S3 goes down while producers keep writing, end to end: the worker's flushes
// fail and are retried, Redis fills with the data they could not move, ingest
// answers 503 and writes nothing for them, the producers keep their batches.
// When S3 is back the system recovers by itself — nobody does anything but
// restart s3rver — and every acknowledged sample is there, exactly once.
// The two tests are one story, in order: the second goes on from the first.
//
// Not checked here: how soon flushing resumes once S3 is back (the failed job
// retries within the capped backoff): see flush-after-outage.int.test.ts.

const { hardLimit: HARD_LIMIT } = PRODUCTION_MEMORY_SETTINGS;
/** Models, each with a producer of its own, and the variables each one logs. */
const PRODUCERS = 2;
const VARIABLES_PER_PRODUCER = 2;
/** Samples per request (the SDK's maxBatchSamples): about 0.6 MB of body. */
const BATCH_SAMPLES = 20_000;
/** How often each model logs. */
const TICK_MS = 20;
/**
 * Samples per variable per tick: as fast as the producers go until the first
 * flush, then steady at about 1.6 MB/s over the 4 variables, well within
 * what a flush moves.
 */
const PER_TICK = { fast: 2_000, steady: 300 };

const system = useFixture(() => startPressuredSystem());

// Shared by the two tests (one story).
let run: string;
let downAt: number;
let perTick = PER_TICK.fast;

const variables = modelVariables(PRODUCERS, VARIABLES_PER_PRODUCER, 'o');

const after = (lines: LogLine[], at: number, msg: string): LogLine[] =>
  lines.filter((l) => l.msg === msg && (l.time as number) >= at);

describe('an S3 outage under sustained writing', () => {
  const acked = (): number => system.models.reduce((n, m) => n + m.producer.stats.acknowledged, 0);
  const written = async (): Promise<number> => {
    let n = 0;
    for (const v of variables) n += await system.ingest.hotStore.reader.count(run, v.name);
    return n;
  };

  it('while S3 is down: flushes fail and are retried, Redis fills, ingest answers 503 and writes nothing', async () => {
    const { ingest: h, worker, tracker, rejections } = system;
    run = (await h.writer.createRun({ id: 'outage' })).run.id;
    // A sample a producer cannot hold fails the test, never vanishes.
    system.startModels(run, variables, VARIABLES_PER_PRODUCER, {
      producer: { maxBatchSamples: BATCH_SAMPLES },
      model: { samplesPerTick: () => perTick, tickMs: TICK_MS, maxHeld: 2 * BATCH_SAMPLES },
    });
    tracker.start();

    // S3 up: writes flow, and a flush moves them to S3.
    await waitFor(
      'a first flush',
      () => after(worker.lines, 0, 'flush done').some((l) => (l.moved as number) > 0) || undefined,
      60_000, // the stack starting beside other suites on 2 cores
    );
    perTick = PER_TICK.steady;

    // S3 down. Flushes fail: the flush job is retried with backoff, the watchdog tries again.
    downAt = Date.now();
    await h.s3.stop();
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
  }, 150_000);

  it('once S3 is back: retried flushes succeed, memory falls, producers finish, and every acknowledged sample is there once', async () => {
    const { ingest: h, watch, worker, tracker, models, rejections } = system;
    expect(downAt).toBeDefined(); // the test above ran
    // Nobody does anything but restart s3rver: the watchdog's next drain and the retried
    // jobs move the data, memory falls, and the producers' retries are taken.
    const upAt = Date.now();
    await h.s3.restart();
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
      expect(['completed', 'delayed', 'waiting', 'active']).toContain(state);
    }
    // The producers wrote on meanwhile; now they finish, everything acknowledged.
    await Promise.all(models.map((m) => m.stop()));
    await tracker.stop();
    expect(acked()).toBeGreaterThan(ackedAtRecovery);
    // A flush the watchdog or a retried job started just now may still hold a transfer
    // key; none is left behind for good.
    await waitFor(
      'no transfer left pending',
      async () => (await h.hotStore.transfers.pendingVariables(run)).length === 0 || undefined,
      30_000,
    );

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
    for (const [i, v] of variables.entries())
      expect(
        await historyProblem(
          v.name,
          h.reader.history(run, v.name, { pageSize: 100_000 }),
          models[Math.floor(i / VARIABLES_PER_PRODUCER)]!.logged,
          modelSample(v.index),
        ),
      ).toBeUndefined();
    // (Moved there by flushes before the outage and after it.)
    const segments = await Promise.all(variables.map((v) => h.cold.listSegments(run, v.name)));
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
