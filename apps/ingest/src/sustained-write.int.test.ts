import { historyProblem, useFixture } from '@runstream/testkit';
import { PRODUCTION_MEMORY_SETTINGS } from './testing/memory-watch';
import { metricValue } from './testing/metric-value';
import { startPressuredSystem } from './testing/pressured-system';
import { modelSample, modelVariables } from './testing/steady-model';

// Sustained writing, end to end: SDK producers write four times Redis's
// maxmemory through the real ingest app, whose memory watch asks for flushes
// over FLUSH_THRESHOLD and answers 503 before HARD_LIMIT would be reached; a
// real worker (flush queue and drain watchdog) moves the buffers to s3rver
// meanwhile. Nothing is lost or doubled, and every 503 is backed by a real
// reading of Redis memory.
//
// How high Redis memory goes: ingest reads INFO memory off the request path
// at most every MEMORY_CHECK_MS, and between readings counts the bytes of the
// writes it admitted (what their chunks store, bounded by storedBytesBound,
// × 1.25 for the allocator's rounding). A
// write is refused when the last reading plus those bytes plus its own would
// reach HARD_LIMIT — and only on a reading at most MEMORY_CHECK_MS old: with
// an older one ingest reads again first. Past FLUSH_THRESHOLD one reading
// admits at most a tenth of maxmemory; a write beyond that waits for the next
// reading, so a late reading cannot let the ×1.25 estimate's error add up
// over the whole headroom. So Redis's data — used_memory less
// mem_clients_normal, the query and reply buffers of its clients — stays
// under HARD_LIMIT: asserted for every reading below. The buffers come on
// top, transiently: the batch being received, the pages a flush reads
// (Redis's own used_memory_peak, which also counts them mid-command, is
// printed in the report).

// The production settings: FLUSH_THRESHOLD, HARD_LIMIT, MEMORY_CHECK_MS.
const {
  flushThreshold: FLUSH_THRESHOLD,
  hardLimit: HARD_LIMIT,
  minIntervalMs: MEMORY_CHECK_MS,
} = PRODUCTION_MEMORY_SETTINGS;
const RETRY_AFTER_MS = 1000; // what ingest's 503 asks for
const MAXMEMORY = 16 * 1024 * 1024;

const PRODUCERS = 4;
const VARIABLES_PER_PRODUCER = 2;
const VARIABLES = PRODUCERS * VARIABLES_PER_PRODUCER;
/**
 * Redis holds a sample in about 16 bytes (packed chunks; the JSON text took
 * about 30): twice the samples of the JSON era keep what Redis must take at
 * about four times its maxmemory, so several pressure flushes run meanwhile.
 */
const SAMPLES_PER_VARIABLE = 640_000;
/** Samples per request (the SDK's maxBatchSamples): about 0.6 MB of body. */
const BATCH_SAMPLES = 20_000;
/**
 * What Redis may hold beyond what ingest counts (stored bytes × 1.25, for the
 * allocator's rounding): the run's stats and ack records, BullMQ's flush
 * jobs, and what a loaded machine leaves in flight between a reading and the
 * writes it judges — seen up to about one batch body; two are allowed.
 */
const ALLOCATOR_SLACK_BYTES = 2 * BATCH_SAMPLES * 32;
/**
 * A 503 rests on a reading sent at most this long before it. Ingest refuses
 * only on a reading answered at most MEMORY_CHECK_MS before the write (with
 * an older one it reads again first, as after the Retry-After pause that
 * follows a 503); the rest is slack for the reading's own round trip and a
 * busy event loop on a loaded 2-core machine, kept as wide as Retry-After
 * plus 750 ms.
 */
const REFUSAL_BASIS_MAX_AGE_MS = MEMORY_CHECK_MS + RETRY_AFTER_MS + 750;

const system = useFixture(() => startPressuredSystem());

const variables = modelVariables(PRODUCERS, VARIABLES_PER_PRODUCER, 'p');

describe('sustained writing far over maxmemory', () => {
  it('flushes to S3, answers 503 only on readings at the hard limit, and loses nothing', async () => {
    const { ingest: h, watch, worker, tracker, rejections } = system;
    const started = Date.now();
    const run = (await h.writer.createRun({ id: 'sustained' })).run.id;
    tracker.start();

    // A sample a producer cannot hold fails the test, never vanishes.
    const models = system.startModels(run, variables, VARIABLES_PER_PRODUCER, {
      producer: { maxBatchSamples: BATCH_SAMPLES, maxBufferedSamples: 4 * BATCH_SAMPLES },
      // As fast as the producer takes them, never holding more than 3 batches.
      model: {
        samplesPerTick: () => 2_000,
        tickMs: 0,
        maxHeld: 3 * BATCH_SAMPLES,
        total: SAMPLES_PER_VARIABLE,
      },
    });
    await Promise.all(models.map((m) => m.finished()));
    await Promise.all(models.map((m) => m.stop()));
    const done = models.map((m) => m.producer);
    const dataBytes = models.reduce((n, m) => n + m.dataBytes, 0);
    const writeMs = Date.now() - started;
    await tracker.stop();
    const total = VARIABLES * SAMPLES_PER_VARIABLE;
    expect(dataBytes).toBeGreaterThan(3.5 * MAXMEMORY);

    // Each sample acknowledged exactly once: a 503 wrote nothing (its retry would have
    // been acknowledged as a duplicate, and the count written would be off).
    for (const producer of done)
      expect(producer.stats).toMatchObject({
        acknowledged: total / PRODUCERS,
        dropped: 0,
        discarded: 0,
        duplicates: 0,
      });
    const metrics = await (await h.request('/metrics', { token: null })).text();
    expect(metricValue(metrics, 'runstream_ingest_samples_written_total')).toBe(total);

    // Flushes moved the data to S3 while the producers wrote.
    const flushes = worker.lines.filter((l) => l.msg === 'flush done' && (l.moved as number) > 0);
    expect(flushes.length).toBeGreaterThanOrEqual(4);
    const segments = (
      await Promise.all(variables.map((v) => h.cold.listSegments(run, v.name)))
    ).flat();
    const inS3 = segments.reduce((n, s) => n + s.last - s.first + 1, 0);
    expect(inS3).toBeGreaterThan(total / 2);

    // 503s. Each one a producer saw is a refusal by ingest's memory watch or by Redis
    // itself (OOM at maxmemory), and nothing else…
    const byWatch = rejections.filter((r) => r.message.includes('Redis is nearly full'));
    const byRedis = rejections.filter((r) => r.message.includes('the hot store is full'));
    expect(rejections.filter((r) => !byWatch.includes(r) && !byRedis.includes(r))).toEqual([]);
    expect(rejections.length).toBeGreaterThan(0); // the test did push Redis to its limit
    // …the watch's refusals are the ones it counted…
    expect(byWatch.length).toBe(watch.refusals.length);
    expect(
      metricValue(metrics, 'runstream_ingest_batches_total', { outcome: 'refused_full' }),
    ).toBe(watch.refusals.length);
    // …each rests on a real reading of Redis memory not older than
    // REFUSAL_BASIS_MAX_AGE_MS, which with the writes admitted since would have
    // reached HARD_LIMIT…
    for (const refusal of watch.refusals) {
      expect(refusal.basis).toBeDefined();
      expect(refusal.projected).toBeGreaterThanOrEqual(HARD_LIMIT);
      expect(refusal.at - refusal.basis!.startedAt).toBeLessThanOrEqual(REFUSAL_BASIS_MAX_AGE_MS);
    }
    // …and Redis itself never had to refuse one: memory never reached maxmemory.
    expect(byRedis).toEqual([]);

    // Peak memory (see the top of the file): Redis was driven past the flush threshold,
    // and its data stayed under HARD_LIMIT at every reading.
    const peak = tracker.peak!;
    expect(peak.ratio).toBeGreaterThanOrEqual(FLUSH_THRESHOLD);
    const overBound = tracker.readings.filter(
      (r) => r.usedBytes - r.clientBytes > r.limitBytes * HARD_LIMIT + ALLOCATOR_SLACK_BYTES,
    );
    expect(overBound).toEqual([]);

    const final = await tracker.read();
    const report = {
      peakUsedRatio: round(peak.ratio),
      peakDataRatio: round(
        Math.max(...tracker.readings.map((r) => (r.usedBytes - r.clientBytes) / r.limitBytes)),
      ),
      redisUsedMemoryPeakRatio: round(final.peakBytes / final.limitBytes),
      bound: round(HARD_LIMIT + ALLOCATOR_SLACK_BYTES / MAXMEMORY),
      dataMB: round(dataBytes / 2 ** 20),
      samples: total,
      flushes: flushes.length,
      segments: segments.length,
      rejections: rejections.length,
      byWatch: byWatch.length,
      byRedis: byRedis.length,
      oldestBasisMs: Math.max(0, ...watch.refusals.map((f) => f.at - f.basis!.startedAt)),
      writeMs,
    };
    if (process.env.SUSTAINED_REPORT === '1')
      console.info(`sustained-write report ${JSON.stringify(report)}`);

    // Every acknowledged sample reads back through the history API, from S3 and Redis
    // alike: exactly seqs 1..N, each with its own t and v (NaN and ±Infinity included).
    for (const v of variables)
      expect(
        await historyProblem(
          v.name,
          h.reader.history(run, v.name, { pageSize: 100_000 }),
          SAMPLES_PER_VARIABLE,
          modelSample(v.index),
        ),
      ).toBeUndefined();
    // 2.56 M samples through one ingest: minutes when other suites share the 2 cores; speed is the bench's.
  }, 240_000);
});

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
