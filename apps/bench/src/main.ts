/**
 * `npm run bench`: ingest throughput against a bare Express ceiling and a bare
 * server that also stores each body in Redis, and live latency from POST to a
 * subscriber, each next to those baselines measured in the same run on the same
 * machine. Servers run in child processes; the load generator and the
 * subscriber run here. Then the tiers: flush throughput (Redis → S3 segments)
 * against raw PutObject of the same objects, and a 5 M-sample history read
 * across Redis and the segments against raw GetObject of them, both in this
 * process against a real redis-server and s3rver. Then a 5 M-sample merge of
 * 50 segments into one object against a raw S3 → S3 copy of the same bytes,
 * and the job times of the three queues (flush, merge, observe) that the
 * README's capacity formula takes. Then the read phases (issue 12), each
 * through the real ingest process on a redis-server and an s3rver of its
 * own: history pages late vs early in each tier, downsampled series of a
 * long completed and a running variable, a variable flushed many times vs
 * few segments, many subscribers at once vs one, and one subscriber's
 * snapshot vs raw reads of the same data. BENCH_PHASES picks phases.
 */
import { freePort, startRedis, startS3Server } from '@runstream/testkit';
import { Redis } from 'ioredis';
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BENCH_BATCH, BodyPool, RATIO_SHAPES, shapeLabel } from './bodies';
import { stopLoudly, type ChildServer } from './child-server';
import { loadBenchConfig, type BenchConfig, type BenchPhase } from './config';
import { formatCpuProfileSummary } from './cpu-profile-summary';
import { CpuMeter } from './cpu-usage';
import { measureFlush } from './flush-phase';
import { profileInProcess } from './in-process-profile';
import { measureJobs } from './jobs-phase';
import { measureLatency } from './latency-phase';
import { LatencyProbe } from './latency-probe';
import { LoadGenerator } from './load-generator';
import { buildMergeHistory, measureMerge } from './merge-phase';
import {
  LATENCY_TARGET_P99_MS,
  THROUGHPUT_TARGET_RATIO,
  formatReport,
  shapeFigures,
  throughputRatio,
  writeResults,
  type BenchResults,
} from './report';
import { startBareServer } from './servers/bare-server';
import {
  READ_TOKEN,
  WRITE_TOKEN,
  ingestProfileSummary,
  startIngestServer,
} from './servers/ingest-server';
import type { HistoryLayout, OneVariablePlan } from './segmented-history';
import { manyFlushesPhase } from './many-flushes-phase';
import { readsPhase } from './reads-phase';
import { seriesPhase } from './series-phase';
import { snapshotRawPhase } from './snapshot-raw-phase';
import { subscribersPhase } from './subscribers-phase';
import { buildSnapshotHistory, measureSnapshot } from './snapshot-phase';
import { measureThroughput } from './throughput-phase';
import type { Profiler, ReadPhase, TierPhase } from './tier-phase';
import { TieringStores } from './tiering-stores';

/** Ingest's default INGEST_MAX_BODY_BYTES; the bare server gets the same limit. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Bare + Redis writes to a database of its own (ingest uses 0), under a key of its own. */
const BARE_REDIS_DB = 1;
const BARE_REDIS_KEY = 'bench:bare-redis:bodies';

/** Stops what was started, newest first (servers before the Redis they use). */
class Teardown {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.unshift({ name, run });
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0)) {
      try {
        await step.run();
      } catch (err) {
        console.error(`stopping ${step.name} failed:`, err);
      }
    }
  }
}

async function main(teardown: Teardown): Promise<void> {
  const config = loadBenchConfig();
  const log = (line: string): void => console.log(line);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const phases = config.BENCH_PHASES;
  const plan: IngestPlan = {
    rounds: config.BENCH_ROUNDS,
    seconds: config.BENCH_SECONDS,
    warmupSeconds: config.BENCH_WARMUP_SECONDS,
    connections: config.BENCH_CONNECTIONS,
  };

  const profileDir = config.BENCH_PROFILE ? join(config.BENCH_RESULTS_DIR, 'profiles') : undefined;
  // Up front (mkdir -p), so an unwritable results folder fails now rather than after the run.
  for (const dir of [config.BENCH_RESULTS_DIR, profileDir])
    if (dir !== undefined) mkdirSync(dir, { recursive: true });
  /** Printed after the table: CPU profile summaries (BENCH_PROFILE). */
  const afterReport: string[] = [];
  const serverProfiles: TierPhase['serverProfiles'] =
    profileDir === undefined
      ? undefined
      : { dir: profileDir, add: (title, summary) => afterReport.push(`\n${title}`, summary) };
  const profile: Profiler | undefined =
    profileDir === undefined
      ? undefined
      : async (name, fn) => {
          const { result, file, summary } = await profileInProcess(profileDir, name, fn);
          afterReport.push(
            `\nbench process CPU profile (one unmeasured ${name} pass): ${file}`,
            formatCpuProfileSummary(summary),
          );
          return result;
        };

  const ingestPhases =
    phases.includes('throughput') || phases.includes('latency')
      ? await runIngestPhases(config, plan, profileDir, teardown, log)
      : undefined;
  if (ingestPhases?.profileSummary !== undefined) afterReport.unshift(ingestPhases.profileSummary);

  /**
   * A tier phase on a redis-server and an s3rver of its own, stopped when it
   * ends (and by the teardown if it fails), so phases never share state.
   */
  const onFreshStores = async <T>(
    name: string,
    what: string | undefined,
    measure: (phase: TierPhase) => Promise<T>,
  ): Promise<T> => {
    log(`\n${name}: starting redis-server and s3rver${what === undefined ? '' : `; ${what}`}`);
    const stores = await TieringStores.start();
    teardown.add(`${name} phase stores`, () => stores.stop());
    const result = await measure({ stores, log, profile, serverProfiles, config });
    await stores.stop();
    return result;
  };

  let flush: BenchResults['flush'];
  if (phases.includes('flush')) {
    const p = {
      rounds: config.BENCH_ROUNDS,
      variables: config.BENCH_FLUSH_VARIABLES,
      samplesPerVariable: config.BENCH_FLUSH_SAMPLES,
      batchSamples: config.BENCH_TIERING_BATCH,
    };
    flush = await onFreshStores(
      'flush',
      `${p.variables} variables × ${p.samplesPerVariable} samples a round, 1 warm-up + ${p.rounds} rounds`,
      (phase) => measureFlush(phase, p),
    );
  }

  // The snapshot and merge phases each build one variable's history, then measure on it.
  const oneVariablePlan = (samples: number, segments: number): OneVariablePlan => ({
    rounds: config.BENCH_ROUNDS,
    samples,
    segments,
    batchSamples: config.BENCH_TIERING_BATCH,
  });
  const logBuilt = (
    layout: Pick<HistoryLayout, 'buildSeconds' | 'writeSeconds' | 'flushSeconds'>,
    next: string,
  ): void =>
    log(
      `  built in ${layout.buildSeconds.toFixed(1)} s (writes ${layout.writeSeconds.toFixed(1)} s, ` +
        `flushes ${layout.flushSeconds.toFixed(1)} s); ${next}`,
    );

  let snapshot: BenchResults['snapshot'];
  if (phases.includes('snapshot')) {
    const p = oneVariablePlan(config.BENCH_SNAPSHOT_SAMPLES, config.BENCH_SNAPSHOT_SEGMENTS);
    snapshot = await onFreshStores(
      'snapshot',
      `building ${p.samples} samples over ${p.segments} segments + Redis`,
      async (phase) => {
        const layout = await buildSnapshotHistory(phase, p);
        logBuilt(layout, `reading it: 1 warm-up + ${p.rounds} rounds`);
        return measureSnapshot(phase, p, layout);
      },
    );
  }

  let merge: BenchResults['merge'];
  if (phases.includes('merge')) {
    const p = oneVariablePlan(config.BENCH_MERGE_SAMPLES, config.BENCH_MERGE_SEGMENTS);
    merge = await onFreshStores(
      'merge',
      `building ${p.samples} samples in ${p.segments} segments, nothing in Redis`,
      async (phase) => {
        const layout = await buildMergeHistory(phase, p);
        logBuilt(layout, `merging a fresh copy of it: 1 warm-up + ${p.rounds} rounds`);
        return measureMerge(phase, p, layout);
      },
    );
  }

  let jobs: BenchResults['jobs'];
  if (phases.includes('jobs')) {
    const p = {
      rounds: config.BENCH_ROUNDS,
      batchSamples: config.BENCH_TIERING_BATCH,
      flush: {
        variables: config.BENCH_JOBS_FLUSH_VARIABLES,
        samplesPerVariable: config.BENCH_JOBS_FLUSH_SAMPLES,
      },
      merge: {
        variables: config.BENCH_JOBS_MERGE_VARIABLES,
        samplesPerVariable: config.BENCH_JOBS_MERGE_SAMPLES,
        segments: config.BENCH_JOBS_MERGE_SEGMENTS,
      },
      observe: {
        runs: config.BENCH_JOBS_OBSERVE_RUNS,
        looksPerRound: config.BENCH_JOBS_OBSERVE_LOOKS,
      },
    };
    jobs = await onFreshStores('jobs', `1 warm-up + ${p.rounds} rounds of each job`, (phase) =>
      measureJobs(phase, p),
    );
  }

  /** A read phase on fresh stores: its data built (it says what), then its figures. */
  const readPhase = async <L, R>(
    name: BenchPhase,
    steps: ReadPhase<L, R>,
  ): Promise<R | undefined> => {
    if (!phases.includes(name)) return undefined;
    return onFreshStores(name, undefined, async (phase) =>
      steps.measure(phase, await steps.build(phase)),
    );
  };
  const readResults = {
    reads: await readPhase('reads', readsPhase),
    series: await readPhase('series', seriesPhase),
    manyFlushes: await readPhase('many-flushes', manyFlushesPhase),
    subscribers: await readPhase('subscribers', subscribersPhase),
    snapshotRaw: await readPhase('snapshot-raw', snapshotRawPhase),
  };

  const results: BenchResults = {
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
    },
    phases,
    settings: {
      ...plan,
      batch: BENCH_BATCH,
      bodyBytes: Buffer.byteLength(new BodyPool(BENCH_BATCH, { size: 1 }).next()),
    },
    ...(ingestPhases?.throughput !== undefined ? { throughput: ingestPhases.throughput } : {}),
    ...(ingestPhases?.latency !== undefined ? { latency: ingestPhases.latency } : {}),
    ...(ingestPhases !== undefined
      ? { shapes: ingestPhases.shapes, redisBytesPerSample: ingestPhases.redisBytesPerSample }
      : {}),
    ...(flush !== undefined ? { flush } : {}),
    ...(snapshot !== undefined ? { snapshot } : {}),
    ...(merge !== undefined ? { merge } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    ...definedOnly(readResults),
  };
  const path = join(config.BENCH_RESULTS_DIR, 'latest.json');
  writeResults(path, results);
  log(formatReport(results));
  log(`figures written to ${path}`);
  for (const line of afterReport) log(line);
}

/** The fields of `record` that are not undefined (BenchResults leaves a phase that did not run out). */
function definedOnly<T extends object>(record: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

interface IngestPlan {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

/**
 * Throughput (and latency, when asked) against ingest and the two bare
 * servers. With a profile folder, stops ingest at the end to get its CPU
 * profile and returns its summary.
 */
async function runIngestPhases(
  config: BenchConfig,
  plan: IngestPlan,
  profileDir: string | undefined,
  outer: Teardown,
  log: (line: string) => void,
): Promise<{
  throughput: BenchResults['throughput'];
  shapes: NonNullable<BenchResults['shapes']>;
  redisBytesPerSample: number;
  latency: BenchResults['latency'];
  profileSummary?: string;
}> {
  // Its own teardown, run when these phases end, so the servers are gone during
  // the tier phases; the outer one runs it if a phase fails.
  const teardown = new Teardown();
  outer.add('ingest phases', () => teardown.run());
  log('starting redis-server, s3rver, ingest and the two bare servers…');
  const redis = await startRedis();
  teardown.add('redis-server', () => redis.stop());
  // Ingest needs a cold store to start (history reads, readiness); nothing here flushes to it.
  const s3 = await startS3Server({ bucket: 'rs-bench-ingest' });
  teardown.add('s3rver', () => s3.dispose());
  const ingest = await startIngestServer({
    port: await freePort(),
    redisUrl: redis.url,
    s3,
    writeToken: WRITE_TOKEN,
    readToken: READ_TOKEN,
    maxBodyBytes: MAX_BODY_BYTES,
    ...(profileDir !== undefined ? { cpuProfileDir: profileDir } : {}),
  });
  teardown.add('ingest', () => stopLoudly(ingest));
  const bare = await startBareServer({ port: await freePort(), maxBodyBytes: MAX_BODY_BYTES });
  teardown.add('bare server', () => stopLoudly(bare));
  const bareRedisUrl = new URL(redis.url);
  bareRedisUrl.pathname = `/${BARE_REDIS_DB}`;
  const bareRedis = await startBareServer({
    port: await freePort(),
    maxBodyBytes: MAX_BODY_BYTES,
    redis: { url: bareRedisUrl.href, key: BARE_REDIS_KEY },
  });
  teardown.add('bare+redis server', () => stopLoudly(bareRedis));
  // The bench's own connection to that database: checks and clears the list between loads.
  const bareRedisClient = new Redis(bareRedisUrl.href, { maxRetriesPerRequest: 3 });
  teardown.add('bare+redis client', () => bareRedisClient.quit());
  /**
   * After each warm-up and round of bare+redis: every answered request stored
   * its body (else the figure is not what it claims), then DEL, so Redis holds
   * at most one round of bodies.
   */
  const checkAndClearBareRedis = async (answered: number): Promise<void> => {
    const stored = await bareRedisClient.llen(BARE_REDIS_KEY);
    await bareRedisClient.del(BARE_REDIS_KEY);
    if (stored !== answered)
      throw new Error(`bare+redis: ${stored} bodies in Redis after ${answered} answered requests`);
  };

  // One pool for the whole run: batch numbers never repeat, so ingest never dedups.
  const bodies = new BodyPool(BENCH_BATCH);
  const runId = `bench-${Date.now()}`;
  const generator = (server: ChildServer, run: string, pool = bodies): LoadGenerator => {
    const load = new LoadGenerator(
      { url: new URL(`/v1/runs/${run}/samples`, server.baseUrl), token: WRITE_TOKEN },
      pool,
      { maxSockets: plan.connections },
    );
    teardown.add(`${server.name} load generator`, () => Promise.resolve(load.close()));
    return load;
  };

  log(
    `\nthroughput: closed loop, ${plan.connections} connections, ${plan.rounds} rounds × ${plan.seconds} s`,
  );
  const throughputRun = `${runId}-throughput`;
  await ingest.createRun(throughputRun);
  const [bareTput, bareRedisTput, ingestTput] = await measureThroughput(
    [
      {
        label: 'bare',
        generator: generator(bare, throughputRun),
        cpu: new CpuMeter({ bare: bare.pid, loadgen: process.pid }),
      },
      {
        label: 'bare+redis',
        generator: generator(bareRedis, throughputRun),
        cpu: new CpuMeter({
          bare: bareRedis.pid,
          redis: redis.process.pid ?? -1,
          loadgen: process.pid,
        }),
        afterLoad: checkAndClearBareRedis,
      },
      {
        label: 'ingest',
        generator: generator(ingest, throughputRun),
        cpu: new CpuMeter({
          ingest: ingest.pid,
          redis: redis.process.pid ?? -1,
          loadgen: process.pid,
        }),
      },
    ],
    plan,
    log,
  );
  if (bareTput === undefined || bareRedisTput === undefined || ingestTput === undefined)
    throw new Error('throughput phase returned no figures');
  const toBare = throughputRatio(ingestTput, bareTput);

  const throughput: BenchResults['throughput'] = {
    bare: bareTput,
    bareRedis: bareRedisTput,
    ingest: ingestTput,
    ratio: toBare.ratio,
    medianRoundRatio: toBare.medianRoundRatio,
    target: THROUGHPUT_TARGET_RATIO,
    pass: toBare.ratio >= THROUGHPUT_TARGET_RATIO,
    toBareRedis: throughputRatio(ingestTput, bareRedisTput),
    bareRedisToBare: throughputRatio(bareRedisTput, bareTput),
  };

  // The other shapes against the ceiling alone (bare + Redis is about 10 × 100).
  const shapes: NonNullable<BenchResults['shapes']> = [];
  for (const shape of RATIO_SHAPES) {
    if (shape === BENCH_BATCH) {
      shapes.push(shapeFigures(shape, bareTput, ingestTput));
      continue;
    }
    log(`\nthroughput of ${shapeLabel(shape)} batches: bare and ingest, ${plan.rounds} rounds`);
    const pool = new BodyPool(shape, {
      producer: `bench-${process.pid}-${shape.variables}x${shape.samplesPerVariable}`,
    });
    const [bareShape, ingestShape] = await measureThroughput(
      [
        {
          label: 'bare',
          generator: generator(bare, throughputRun, pool),
          cpu: new CpuMeter({ bare: bare.pid, loadgen: process.pid }),
        },
        {
          label: 'ingest',
          generator: generator(ingest, throughputRun, pool),
          cpu: new CpuMeter({
            ingest: ingest.pid,
            redis: redis.process.pid ?? -1,
            loadgen: process.pid,
          }),
        },
      ],
      plan,
      log,
    );
    if (bareShape === undefined || ingestShape === undefined)
      throw new Error('throughput phase returned no figures');
    shapes.push(shapeFigures(shape, bareShape, ingestShape));
  }
  const redisBytesPerSample = await measureRedisBytesPerSample(
    redis.url,
    async (run) => {
      await ingest.createRun(run);
      const load = generator(ingest, run);
      const result = await load.closedLoop(plan.connections, plan.warmupSeconds * 1000 || 1000);
      return result.ok * load.samplesPerRequest;
    },
    `${runId}-bytes`,
  );
  log(`\nRedis bytes per sample: ${redisBytesPerSample.toFixed(1)}`);

  let latency: BenchResults['latency'];
  if (config.BENCH_PHASES.includes('latency')) {
    const ratePerSecond = ingestTput.medianRequestsPerSecond / 2;
    log(
      `\nlatency: open loop at ${Math.round(ratePerSecond)} req/s, ${plan.rounds} rounds × ${plan.seconds} s`,
    );
    const latencyRun = `${runId}-latency`;
    await ingest.createRun(latencyRun);
    const target = { run: latencyRun, variable: bodies.stampedVariable };
    const bareProbe = await LatencyProbe.subscribe(bare.baseUrl, READ_TOKEN, target);
    teardown.add('bare subscriber', () => Promise.resolve(bareProbe.close()));
    const bareRedisProbe = await LatencyProbe.subscribe(bareRedis.baseUrl, READ_TOKEN, target);
    teardown.add('bare+redis subscriber', () => Promise.resolve(bareRedisProbe.close()));
    const ingestProbe = await LatencyProbe.subscribe(ingest.baseUrl, READ_TOKEN, target);
    teardown.add('ingest subscriber', () => Promise.resolve(ingestProbe.close()));
    const [bareLat, bareRedisLat, ingestLat] = await measureLatency(
      [
        { label: 'bare', generator: generator(bare, latencyRun), probe: bareProbe },
        {
          label: 'bare+redis',
          generator: generator(bareRedis, latencyRun),
          probe: bareRedisProbe,
          afterLoad: checkAndClearBareRedis,
        },
        { label: 'ingest', generator: generator(ingest, latencyRun), probe: ingestProbe },
      ],
      { ...plan, ratePerSecond },
      log,
    );
    if (bareLat === undefined || bareRedisLat === undefined || ingestLat === undefined)
      throw new Error('latency phase returned no figures');
    latency = {
      ratePerSecond,
      bare: bareLat,
      bareRedis: bareRedisLat,
      ingest: ingestLat,
      targetP99Ms: LATENCY_TARGET_P99_MS,
      pass: ingestLat.medianRoundP99Ms < LATENCY_TARGET_P99_MS,
    };
  }

  if (profileDir === undefined) {
    await teardown.run();
    return { throughput, shapes, redisBytesPerSample, latency };
  }
  // The profile is written when the process exits: stop it now rather than in the teardown.
  await stopLoudly(ingest);
  const { file, summary } = ingestProfileSummary(profileDir, ingest.pid);
  await teardown.run();
  return {
    throughput,
    shapes,
    redisBytesPerSample,
    latency,
    profileSummary: `\ningest CPU profile (throughput and latency phases): ${file}\n${summary}`,
  };
}

/**
 * Growth of Redis's used_memory per sample while `write` sends batches to a
 * fresh run: what a buffered sample costs Redis (chunk text, stats, acks,
 * allocator rounding), nothing flushed meanwhile.
 */
async function measureRedisBytesPerSample(
  redisUrl: string,
  write: (run: string) => Promise<number>,
  run: string,
): Promise<number> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const usedMemory = async (): Promise<number> =>
      Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? Number.NaN);
    const before = await usedMemory();
    const samples = await write(run);
    return ((await usedMemory()) - before) / samples;
  } finally {
    await client.quit();
  }
}

const teardown = new Teardown();
process.once('SIGINT', () => {
  void teardown.run().then(() => process.exit(130));
});
main(teardown)
  .then(() => teardown.run())
  .catch(async (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    await teardown.run();
    process.exitCode = 1;
  });
