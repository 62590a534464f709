import { coldStoreEnvOf } from '@runstream/cold-store';
import { Queues } from '@runstream/queues';
import { Flusher, Merger, type FlushReport, type MergeReport } from '@runstream/tiering';
import {
  WorkerMetrics,
  createWorkerApp,
  loadConfig as loadWorkerConfig,
  type WorkerApp,
} from '@runstream/worker';
import { pino } from 'pino';
import { variableNames } from './bodies';
import { OBSERVE_LOOKS_PER_RUN } from './config';
import { fmtInt } from './format';
import { jobFigure, lookRounds, withWait, type JobFigure, type LookRound } from './job-figures';
import { MERGE_VARIABLE_CONCURRENCY } from './merge-phase';
import { buildHistory, cloneFlushedHistory, type HistoryLayout } from './segmented-history';
import { median } from './stats';
import { SeriesWriter, evenSplit } from './tiering-data';
import type { PhaseTable } from './report';
import { MB, fmtMB } from './tiering-figures';
import type { TierPhase } from './tier-phase';
import type { TieringStores } from './tiering-stores';

/** The worker's MERGE_QUIESCENCE_MS default: a merge job's wait before it merges. */
export const DEFAULT_MERGE_QUIESCENCE_MS = 1000;
/** The observer's delay between looks here: the least the worker accepts, so looks are always due. */
const OBSERVE_INTERVAL_MS = 10;
/** Looks after every run's first one, before the timed rounds. */
const EXTRA_WARMUP_LOOKS = 20;

export interface JobsPlan {
  rounds: number;
  /** Samples per variable per write (per stored chunk). */
  batchSamples: number;
  flush: { variables: number; samplesPerVariable: number };
  merge: { variables: number; samplesPerVariable: number; segments: number };
  observe: { runs: number; looksPerRound: number };
}

export interface JobsResults {
  plan: JobsPlan;
  /** The table: flush, merge, merge with the default quiescence (computed), one observe look. */
  figures: JobFigure[];
  flush: { textBytes: number; storedBytes: number; segments: number };
  merge: { layout: HistoryLayout; mergedBytes: number };
  observe: {
    intervalMs: number;
    rounds: LookRound[];
    medianLooksPerSecond: number;
    /** The worker's observer-look counter by outcome, over the whole phase. */
    outcomes: Record<string, number>;
    failedJobs: number;
  };
}

/**
 * Job times for the README's capacity formula, each a median over rounds
 * after one warm-up, in this process against a real redis-server and s3rver:
 *
 * - flush: a fresh run with `variables` × `samplesPerVariable` samples
 *   written through BatchWriter, then timed `Flusher.flush({ everything:
 *   true })` (a flush job proper stops at FLUSH_LOW_WATER; this one moves
 *   the whole load, every buffer into one segment);
 * - merge: a run of `variables` × `samplesPerVariable` samples in `segments`
 *   segments each, nothing left in Redis (built once, copied per round as in
 *   the merge phase), timed `Merger.merge` with quiescence 0 and the
 *   worker's default variable concurrency; the default 1 s quiescence wait
 *   is added as a computed row;
 * - observe: the real worker app (`createWorkerApp` of @runstream/worker,
 *   WORKER_QUEUES=observe, OBSERVE_CONCURRENCY=1) serving real observe jobs
 *   (`Queues.add('observe', …)`) of `runs` running runs at the shortest
 *   interval, so a look is always due: a look's time is from one job's
 *   BullMQ 'active' event to the next's (the processor, and the fetch of the
 *   next job), a look's job that moves itself back to delayed having no
 *   finish time of its own.
 */
export async function measureJobs(
  { stores, log }: TierPhase,
  plan: JobsPlan,
): Promise<JobsResults> {
  const prefix = `bench-jobs-${Date.now().toString(36)}`;

  // Flush jobs.
  const flushJob = plan.flush;
  const flushNames = variableNames({ variables: flushJob.variables, samplesPerVariable: 0 });
  const flushMs: number[] = [];
  let flushed: JobsResults['flush'] | undefined;
  log(
    `  flush job: ${flushJob.variables} variables × ${fmtInt(flushJob.samplesPerVariable)} samples buffered`,
  );
  for (let round = 0; round <= plan.rounds; round++) {
    const run = `${prefix}-flush-r${round}`;
    await stores.hot.runs.create({ id: run });
    await new SeriesWriter(stores.hot, run, flushNames, { batchSamples: plan.batchSamples }).write(
      flushJob.samplesPerVariable,
    );
    const started = performance.now();
    const report: FlushReport = await new Flusher(stores.hot, stores.cold).flush({
      lowWater: 0,
      budgetBytes: 0,
      everything: true,
    });
    const ms = performance.now() - started;
    const samples = flushJob.variables * flushJob.samplesPerVariable;
    if (report.moved !== flushJob.variables || report.samples !== samples)
      throw new Error(
        `flush of ${run} moved ${report.moved} buffers, ${report.samples} samples; expected ${flushJob.variables}, ${samples}`,
      );
    const segments = (
      await Promise.all(flushNames.map((n) => stores.cold.listSegments(run, n)))
    ).flat();
    flushed ??= {
      textBytes: report.bytes,
      storedBytes: segments.reduce((n, s) => n + s.size, 0),
      segments: segments.length,
    };
    log(
      `  ${round === 0 ? 'warm-up  ' : `round ${round}/${plan.rounds}`} flush ${ms.toFixed(1)} ms`,
    );
    if (round > 0) flushMs.push(ms);
  }
  if (flushed === undefined) throw new Error('no flush job ran');

  // Merge jobs.
  const mergeJob = plan.merge;
  log(
    `  merge job: building ${mergeJob.variables} variables × ${fmtInt(mergeJob.samplesPerVariable)} samples in ${mergeJob.segments} segments each`,
  );
  const layout = await buildHistory(
    stores,
    {
      runPrefix: `${prefix}-merge`,
      variables: variableNames({ variables: mergeJob.variables, samplesPerVariable: 0 }),
      segmentSamples: evenSplit(mergeJob.samplesPerVariable, mergeJob.segments),
      inRedis: 0,
      batchSamples: plan.batchSamples,
    },
    () => undefined,
  );
  const mergeMs: number[] = [];
  const mergedSizes: number[] = [];
  for (let round = 0; round <= plan.rounds; round++) {
    const run = `${layout.run}-m${round}`;
    await cloneFlushedHistory(stores, layout, run);
    const started = performance.now();
    const report: MergeReport = await new Merger(
      stores.hot,
      stores.cold,
      new Flusher(stores.hot, stores.cold),
    ).merge(run, {
      reason: 'requested',
      quiescenceMs: 0,
      concurrency: MERGE_VARIABLE_CONCURRENCY,
    });
    const ms = performance.now() - started;
    const samples = mergeJob.variables * mergeJob.samplesPerVariable;
    if (
      report.outcome !== 'merged' ||
      report.variables !== mergeJob.variables ||
      report.samples !== samples ||
      report.segments !== mergeJob.variables * mergeJob.segments
    )
      throw new Error(
        `merge of ${run}: ${report.outcome}, ${report.variables} variables, ${report.samples} samples, ${report.segments} segments`,
      );
    const merged = await Promise.all(layout.variables.map((n) => stores.cold.mergedInfo(run, n)));
    if (merged.some((info) => info?.lastSeq !== mergeJob.samplesPerVariable))
      throw new Error(
        `merge of ${run}: a merged object does not end at ${mergeJob.samplesPerVariable}`,
      );
    await stores.cold.deleteDataObjects(
      merged.flatMap((info) => (info === undefined ? [] : [info.key])),
    );
    await stores.cold.deleteObjects([stores.cold.keys.manifest(run)]);
    log(
      `  ${round === 0 ? 'warm-up  ' : `round ${round}/${plan.rounds}`} merge ${ms.toFixed(1)} ms`,
    );
    if (round > 0) {
      mergeMs.push(ms);
      mergedSizes.push(report.bytes);
    }
  }

  // Observe looks.
  const o = plan.observe;
  log(
    `  observe looks: the worker app, observe queue only, concurrency 1, ${o.runs} running runs, ` +
      `${o.runs + EXTRA_WARMUP_LOOKS} warm-up looks + ${plan.rounds} rounds × ${o.looksPerRound}`,
  );
  const observe = await measureLooks(stores, plan, `${prefix}-observe`);
  for (const [i, r] of observe.rounds.entries())
    log(
      `  round ${i + 1}/${plan.rounds} observe ${r.medianMs.toFixed(2)} ms a look (median), ` +
        `${r.looksPerSecond.toFixed(0)} looks/s`,
    );

  const samplesText = (vars: number, per: number): string =>
    `${vars} variables × ${fmtInt(per)} samples`;
  const flushFigure = jobFigure(
    'flush',
    `${samplesText(flushJob.variables, flushJob.samplesPerVariable)} buffered (${((flushJob.variables * flushJob.samplesPerVariable) / 1e6).toFixed(2)} M samples, ` +
      `${(flushed.textBytes / MB).toFixed(1)} MB text) → ${flushed.segments} segments`,
    flushMs,
  );
  const mergeFigure = jobFigure(
    'merge',
    `${samplesText(mergeJob.variables, mergeJob.samplesPerVariable)} in ${mergeJob.segments} segments each ` +
      `(${((mergeJob.variables * mergeJob.samplesPerVariable) / 1e6).toFixed(2)} M samples, ${(layout.segmentBytes / MB).toFixed(1)} MB gz)`,
    mergeMs,
  );
  const lookFigure = jobFigure(
    'observe',
    `one look at a running run (${o.runs} runs, one worker)`,
    observe.rounds.map((r) => r.medianMs),
  );
  return {
    plan,
    figures: [
      flushFigure,
      mergeFigure,
      withWait(
        mergeFigure,
        'merge',
        DEFAULT_MERGE_QUIESCENCE_MS,
        `+ ${fmtInt(DEFAULT_MERGE_QUIESCENCE_MS)} ms MERGE_QUIESCENCE_MS default`,
      ),
      lookFigure,
    ],
    flush: flushed,
    merge: { layout, mergedBytes: median(mergedSizes) },
    observe: {
      intervalMs: OBSERVE_INTERVAL_MS,
      rounds: observe.rounds,
      medianLooksPerSecond: median(observe.rounds.map((r) => r.looksPerSecond)),
      outcomes: observe.outcomes,
      failedJobs: observe.failedJobs,
    },
  };
}

/** Runs the worker app on the observe queue until enough looks have started; their start times. */
async function measureLooks(
  stores: TieringStores,
  plan: JobsPlan,
  runPrefix: string,
): Promise<{ rounds: LookRound[]; outcomes: Record<string, number>; failedJobs: number }> {
  const o = plan.observe;
  const warmup = o.runs + EXTRA_WARMUP_LOOKS;
  const needed = warmup + plan.rounds * o.looksPerRound + 1;
  if (needed > o.runs * (OBSERVE_LOOKS_PER_RUN - 1))
    throw new RangeError(`${o.runs} runs cannot give ${needed} looks: add runs`);

  const config = loadWorkerConfig({
    REDIS_URL: stores.redis.url,
    WORKER_QUEUES: 'observe',
    OBSERVE_CONCURRENCY: '1',
    OBSERVER_INTERVAL_MS: String(OBSERVE_INTERVAL_MS),
    // No run may be completed as idle while the looks are timed.
    OBSERVER_REPEATS: String(OBSERVE_LOOKS_PER_RUN),
    OBSERVER_DELAY_STRATEGY: 'constant',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...coldStoreEnvOf({ ...stores.s3.connection, bucket: stores.bucket }),
  });
  const metrics = new WorkerMetrics({ defaultMetrics: false });
  const queues = new Queues({ url: stores.redis.url });
  let app: WorkerApp | undefined;
  const starts: number[] = [];
  try {
    // As ingest does at run creation: the run, then its one observe job.
    for (let i = 0; i < o.runs; i++) {
      const run = `${runPrefix}-${i}`;
      await stores.hot.runs.create({ id: run });
      await queues.add('observe', { run, lastCount: -1, unchanged: 0 });
    }
    app = createWorkerApp({ config, logger: pino({ level: 'silent' }), metrics });
    const worker = app.workers.get('observe');
    if (worker === undefined || app.workers.size !== 1)
      throw new Error(
        `the worker app serves ${[...app.workers.keys()].join(', ')}, not observe alone`,
      );
    worker.on('active', () => starts.push(performance.now()));
    await app.start();
    const deadline = Date.now() + 30_000 + needed * 50;
    while (starts.length < needed) {
      if (Date.now() > deadline)
        throw new Error(`only ${starts.length} of ${needed} observe looks started in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await app?.close();
    await queues.close();
  }

  const outcomes: Record<string, number> = {};
  for (const v of (await metrics.observerLooks.get()).values)
    outcomes[String(v.labels.outcome)] = v.value;
  let failedJobs = 0;
  for (const v of (await metrics.jobs.get()).values)
    if (v.labels.outcome === 'failed') failedJobs += v.value;
  const unexpected = Object.keys(outcomes).filter((k) => k !== 'changed' && k !== 'unchanged');
  if (failedJobs > 0 || unexpected.length > 0)
    throw new Error(
      `observe looks: ${failedJobs} failed jobs, outcomes ${JSON.stringify(outcomes)}`,
    );
  return { rounds: lookRounds(starts, warmup, o.looksPerRound, plan.rounds), outcomes, failedJobs };
}

/** The jobs phase's table: each job's time and the jobs per minute it means (README: capacity). */
export async function jobsPhase(phase: TierPhase): Promise<PhaseTable> {
  const c = phase.config;
  const r = await measureJobs(phase, {
    rounds: c.BENCH_ROUNDS,
    batchSamples: c.BENCH_TIERING_BATCH,
    flush: {
      variables: c.BENCH_JOBS_FLUSH_VARIABLES,
      samplesPerVariable: c.BENCH_JOBS_FLUSH_SAMPLES,
    },
    merge: {
      variables: c.BENCH_JOBS_MERGE_VARIABLES,
      samplesPerVariable: c.BENCH_JOBS_MERGE_SAMPLES,
      segments: c.BENCH_JOBS_MERGE_SEGMENTS,
    },
    observe: { runs: c.BENCH_JOBS_OBSERVE_RUNS, looksPerRound: c.BENCH_JOBS_OBSERVE_LOOKS },
  });
  const o = r.observe;
  const name = (f: JobFigure): string =>
    `${f.job}, ${f.size}${f.derived === undefined ? '' : ` (computed: ${f.derived})`}`;
  return {
    phase: 'jobs',
    title:
      'job times for the capacity formula: jobs per minute = concurrency × 60 000 / job time in ms',
    figures: r.figures.flatMap((f) => [
      { subject: name(f), figure: 'ms a job', perRound: f.roundsMs, median: f.medianMs },
      {
        subject: name(f),
        figure: 'jobs/min, concurrency 1',
        perRound: f.roundsMs.map((ms) => 60_000 / ms),
        median: f.perMinute,
      },
    ]),
    notes: [
      `flush: Flusher.flush({ everything: true }) of a fresh run's buffers; merge: Merger.merge of a fresh copy ` +
        `(quiescence 0, 4 variables at once), merged ${fmtMB(r.merge.mergedBytes)}; observe: the worker app's BullMQ ` +
        `worker, concurrency 1, a look timed from one job's start to the next's, interval ${o.intervalMs} ms`,
      `observe looks by outcome: ${Object.entries(o.outcomes)
        .map(([k, n]) => `${k} ${fmtInt(n)}`)
        .join(', ')}; ${fmtInt(o.medianLooksPerSecond * 60)} looks/min (median of rounds)`,
    ],
    details: { plan: r.plan, flush: r.flush, merge: r.merge },
  };
}
