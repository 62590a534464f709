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
import { jobsPerMinute, lookRounds, type LookRound } from './job-figures';
import { roundsRow } from './read-figures';
import { figures, runRounds, type Figure, type Subject } from './runner';
import { MERGE_VARIABLE_CONCURRENCY } from './merge-phase';
import { buildHistory, cloneFlushedHistory } from './segmented-history';
import { median } from './stats';
import { SeriesWriter, evenSplit } from './tiering-data';
import { fmtInt, type PhaseTable } from './report';
import { fmtMB } from './tiering-figures';
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

/**
 * Job times for the README's capacity formula (jobs per minute =
 * concurrency × 60 000 / job time in ms), in this process against a real
 * redis-server and s3rver:
 *
 * - flush: a fresh run with `variables` × `samplesPerVariable` samples
 *   written through BatchWriter (untimed), then timed `Flusher.flush({
 *   everything: true })` (a flush job proper stops at FLUSH_LOW_WATER; this
 *   one moves the whole load, every buffer into one segment);
 * - merge: a run of `variables` × `samplesPerVariable` samples in `segments`
 *   segments each, nothing left in Redis (built once, copied per merge as in
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
 *
 * Flush and merge jobs alternate on the runner; the observe looks are one
 * stream of the worker's, cut into rounds.
 */
export async function jobsPhase(phase: TierPhase): Promise<PhaseTable> {
  const { stores, log, config: c } = phase;
  const plan: JobsPlan = {
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
  };
  const prefix = `bench-jobs-${Date.now().toString(36)}`;
  const { flush: f, merge: m, observe: o } = plan;
  const flushNames = variableNames({ variables: f.variables, samplesPerVariable: 0 });
  log(
    `  merge job: building ${m.variables} variables × ${fmtInt(m.samplesPerVariable)} samples in ${m.segments} segments each`,
  );
  const layout = await buildHistory(
    stores,
    {
      runPrefix: `${prefix}-merge`,
      variables: variableNames({ variables: m.variables, samplesPerVariable: 0 }),
      segmentSamples: evenSplit(m.samplesPerVariable, m.segments),
      inRedis: 0,
      batchSamples: plan.batchSamples,
    },
    () => undefined,
  );
  let flushed = { textBytes: 0, segments: 0 };
  let mergedBytes = 0;
  let runs = 0;
  const timed = async (work: () => Promise<void>): Promise<number> => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const subjects: Subject<number>[] = [
    {
      name: 'flush',
      describe: (ms) => `${ms.toFixed(1)} ms`,
      measure: async () => {
        const run = `${prefix}-flush-${runs++}`;
        await stores.hot.runs.create({ id: run });
        await new SeriesWriter(stores.hot, run, flushNames, {
          batchSamples: plan.batchSamples,
        }).write(f.samplesPerVariable);
        let report: FlushReport | undefined;
        const ms = await timed(async () => {
          report = await new Flusher(stores.hot, stores.cold).flush({
            lowWater: 0,
            budgetBytes: 0,
            everything: true,
          });
        });
        const samples = f.variables * f.samplesPerVariable;
        if (report?.moved !== f.variables || report.samples !== samples)
          throw new Error(
            `flush of ${run} moved ${report?.moved} buffers, ${report?.samples} samples; expected ${f.variables}, ${samples}`,
          );
        const segments = await Promise.all(flushNames.map((n) => stores.cold.listSegments(run, n)));
        flushed = { textBytes: report.bytes, segments: segments.flat().length };
        return ms;
      },
    },
    {
      name: 'merge',
      describe: (ms) => `${ms.toFixed(1)} ms`,
      measure: async () => {
        const run = `${layout.run}-m${runs++}`;
        await cloneFlushedHistory(stores, layout, run);
        let report: MergeReport | undefined;
        const ms = await timed(async () => {
          report = await new Merger(
            stores.hot,
            stores.cold,
            new Flusher(stores.hot, stores.cold),
          ).merge(run, {
            reason: 'requested',
            quiescenceMs: 0,
            concurrency: MERGE_VARIABLE_CONCURRENCY,
          });
        });
        if (
          report?.outcome !== 'merged' ||
          report.variables !== m.variables ||
          report.samples !== m.variables * m.samplesPerVariable ||
          report.segments !== m.variables * m.segments
        )
          throw new Error(
            `merge of ${run}: ${report?.outcome}, ${report?.variables} variables, ${report?.samples} samples, ${report?.segments} segments`,
          );
        const merged = await Promise.all(
          layout.variables.map((n) => stores.cold.mergedInfo(run, n)),
        );
        if (merged.some((info) => info?.lastSeq !== m.samplesPerVariable))
          throw new Error(
            `merge of ${run}: a merged object does not end at ${m.samplesPerVariable}`,
          );
        await stores.cold.deleteDataObjects(
          merged.flatMap((info) => (info === undefined ? [] : [info.key])),
        );
        await stores.cold.deleteObjects([stores.cold.keys.manifest(run)]);
        mergedBytes = report.bytes;
        return ms;
      },
    },
  ];
  const rounds = await runRounds(subjects, plan.rounds, log);

  log(
    `  observe looks: the worker app, observe queue only, concurrency 1, ${o.runs} running runs, ` +
      `${o.runs + EXTRA_WARMUP_LOOKS} warm-up looks + ${plan.rounds} rounds × ${o.looksPerRound}`,
  );
  const observe = await measureLooks(stores, plan, `${prefix}-observe`);
  const rows: Figure[] = [
    ...figures(subjects, rounds, { figure: 'ms a job', value: (ms) => ms }),
    roundsRow(
      'observe, one look',
      'ms a job',
      observe.rounds.map((r) => r.medianMs),
    ),
  ];
  const merge = rows[1] as Figure;
  rows.splice(2, 0, {
    ...merge,
    subject: `merge + ${fmtInt(DEFAULT_MERGE_QUIESCENCE_MS)} ms MERGE_QUIESCENCE_MS default (computed)`,
    perRound: merge.perRound.map((ms) => ms + DEFAULT_MERGE_QUIESCENCE_MS),
    median: merge.median + DEFAULT_MERGE_QUIESCENCE_MS,
  });
  const perMinute = rows.map((r): Figure => ({
    subject: r.subject,
    figure: 'jobs/min, concurrency 1',
    perRound: r.perRound.map((ms) => jobsPerMinute(ms)),
    median: jobsPerMinute(r.median),
  }));
  const outcomes = Object.entries(observe.outcomes)
    .map(([k, n]) => `${k} ${fmtInt(n)}`)
    .join(', ');
  const looksPerMinute = median(observe.rounds.map((r) => r.looksPerSecond)) * 60;
  return {
    phase: 'jobs',
    title:
      'job times for the capacity formula: jobs per minute = concurrency × 60 000 / job time in ms',
    figures: [...rows, ...perMinute],
    notes: [
      `flush: Flusher.flush({ everything: true }) of ${f.variables} variables × ${fmtInt(f.samplesPerVariable)} ` +
        `samples buffered (${fmtMB(flushed.textBytes)} text) → ${flushed.segments} segments`,
      `merge: Merger.merge of a fresh copy (quiescence 0, ${MERGE_VARIABLE_CONCURRENCY} variables at once) of ` +
        `${m.variables} variables × ${fmtInt(m.samplesPerVariable)} samples in ${m.segments} segments each ` +
        `(${fmtMB(layout.segmentBytes)} gz), merged ${fmtMB(mergedBytes)}`,
      `observe: the worker app's BullMQ worker, concurrency 1, ${o.runs} runs, a look timed from one job's start to ` +
        `the next's, interval ${OBSERVE_INTERVAL_MS} ms; looks by outcome: ${outcomes}; ` +
        `${fmtInt(looksPerMinute)} looks/min (median of rounds)`,
    ],
    details: { plan },
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
