import { buildCompletedVariable, type CompletedLayout } from './direct-history';
import { READ_TARGETS, fmtBytes, fmtTarget, roundsRow } from './read-figures';
import { meets, type Figure, type Target } from './runner';
import { ReadServer, seriesProblem, type TimedAnswer } from './read-server';
import { ONE_VARIABLE, buildOneVariable, type HistoryLayout } from './segmented-history';
import { median } from './stats';
import { evenSplit } from './tiering-data';
import { fmtInt, type PhaseTable } from './report';
import { readPhase, type TierPhase } from './tier-phase';
import { compactLikeTheWorker, type CompactionTally } from './worker-compaction';
import type { SeriesResponse } from '@runstream/domain';

/** Buckets asked for: a plot about as wide as a screen. */
export const SERIES_POINTS = 2000;

/** The completed variable's segments before its merge (each one PUT with its pyramid). */
const COMPLETED_SEGMENT_SAMPLES = 2_000_000;
/** The running variable: this many flushes, then this share of it in a transfer key and as much in the buffer. */
const RUNNING_FLUSHES = 48;
const RUNNING_REDIS_SHARE = 0.02;
/** A small running variable asked first in each fresh process: its code is warm, the data is not. */
const WARM_UP_SAMPLES = 200_000;

export interface SeriesLayouts {
  completed: CompletedLayout;
  running: HistoryLayout;
  /** Compactions during the running variable's flushes (as the worker runs them). */
  compaction: CompactionTally;
  warmUp: HistoryLayout;
}

type SeriesSubject = 'completed' | 'running';

/**
 * The completed variable (buildCompletedVariable: segments with pyramids,
 * merged), the running one through the real write and flush paths —
 * RUNNING_FLUSHES flushes compacted as the worker compacts them, then a
 * transfer key and the buffer holding RUNNING_REDIS_SHARE each — and a
 * small running one to warm a fresh process up with.
 */
async function buildSeriesHistories(phase: TierPhase): Promise<SeriesLayouts> {
  const { stores, log, config } = phase;
  log(
    `  building a completed variable of ${fmtInt(config.BENCH_SERIES_COMPLETED_SAMPLES)} samples, ` +
      `a running one of ${fmtInt(config.BENCH_SERIES_RUNNING_SAMPLES)}`,
  );
  const completed = await buildCompletedVariable(
    stores,
    {
      runPrefix: 'bench-series-completed',
      variable: ONE_VARIABLE,
      samples: config.BENCH_SERIES_COMPLETED_SAMPLES,
      segmentSamples: COMPLETED_SEGMENT_SAMPLES,
      chunkSamples: config.BENCH_TIERING_BATCH,
    },
    log,
  );
  log(
    `  completed: ${fmtInt(completed.samples)} samples, ${completed.segments} segments written in ` +
      `${completed.writeSeconds.toFixed(1)} s, merged in ${completed.mergeSeconds.toFixed(1)} s`,
  );
  const running = (
    prefix: string,
    samples: number,
    flushes: number,
    afterFlush?: (run: string) => Promise<void>,
  ) => {
    const share = Math.floor(samples * RUNNING_REDIS_SHARE);
    return buildOneVariable(phase, prefix, {
      segmentSamples: evenSplit(samples - 2 * share, flushes),
      inTransfer: share,
      inRedis: share,
      ...(afterFlush !== undefined ? { afterFlush } : {}),
    });
  };
  const compaction = compactLikeTheWorker(stores, [ONE_VARIABLE]);
  return {
    completed,
    running: await running(
      'bench-series-running',
      config.BENCH_SERIES_RUNNING_SAMPLES,
      RUNNING_FLUSHES,
      compaction.afterFlush,
    ),
    compaction: compaction.tally,
    warmUp: await running('bench-series-warm-up', WARM_UP_SAMPLES, 4),
  };
}

/**
 * GET …/series?variable=&points= of each whole variable through the real
 * ingest process. Each round starts a fresh process (an empty read cache),
 * asks the warm-up variable twice (its code warm, not these variables'
 * data), then each variable once — its cold figure — then `requests` more
 * of each, alternately: the median is its warm figure. Every answer is
 * checked: seqs 1..count in at most `points` buckets. s3rver's files are in
 * the OS page cache either way: "cold" is ingest's cache, not the disk.
 */
async function measureSeries(phase: TierPhase, layouts: SeriesLayouts): Promise<PhaseTable> {
  const { log, config } = phase;
  const { BENCH_ROUNDS: rounds, BENCH_SERIES_REQUESTS: requests } = config;
  const points = SERIES_POINTS;
  const subjects: Record<SeriesSubject, { run: string; samples: number; target: Target }> = {
    completed: {
      run: layouts.completed.run,
      samples: layouts.completed.samples,
      target: READ_TARGETS.seriesCompleted,
    },
    running: {
      run: layouts.running.run,
      samples: layouts.running.samplesPerVariable,
      target: READ_TARGETS.seriesRunning,
    },
  };
  const cold: Record<SeriesSubject, number[]> = { completed: [], running: [] };
  const warm: Record<SeriesSubject, number[]> = { completed: [], running: [] };
  const last: Partial<Record<SeriesSubject, TimedAnswer<SeriesResponse>>> = {};

  for (let round = 1; round <= rounds; round++) {
    // The last round's process is the one profiled (BENCH_PROFILE).
    const options = { label: `series, round ${round}`, profile: round === rounds };
    await ReadServer.using(phase, options, async (server) => {
      const ask = async (subject: SeriesSubject): Promise<number> => {
        const { run, samples } = subjects[subject];
        const answer = await server.series(run, ONE_VARIABLE, points);
        const problem = seriesProblem(answer.body, samples, points);
        if (problem !== undefined) throw new Error(`series of ${subject}: ${problem}`);
        last[subject] = answer;
        return answer.ms;
      };
      for (let i = 0; i < 2; i++) {
        const answer = await server.series(layouts.warmUp.run, ONE_VARIABLE, points);
        const problem = seriesProblem(answer.body, layouts.warmUp.samplesPerVariable, points);
        if (problem !== undefined) throw new Error(`series of the warm-up variable: ${problem}`);
      }
      const order: SeriesSubject[] =
        round % 2 === 1 ? ['completed', 'running'] : ['running', 'completed'];
      for (const s of order) cold[s].push(await ask(s));
      const times: Record<SeriesSubject, number[]> = { completed: [], running: [] };
      for (let i = 0; i < requests; i++) for (const s of order) times[s].push(await ask(s));
      for (const s of order) warm[s].push(median(times[s]));
      log(
        `  round ${round}/${rounds} ` +
          order
            .map(
              (s) =>
                `${s} cold ${(cold[s].at(-1) ?? 0).toFixed(1)} ms, warm ${(warm[s].at(-1) ?? 0).toFixed(1)} ms`,
            )
            .join('; '),
      );
    });
  }

  const { completed, running, compaction } = layouts;
  const answer = (x: SeriesSubject): string => {
    const a = last[x];
    if (a === undefined) throw new Error(`series of ${x}: never asked`);
    return `answer ${a.body.seq.length} buckets × ${fmtInt(a.body.bucketSeqs)} seqs, ${fmtBytes(a.bytes)}`;
  };
  const rows = (x: SeriesSubject, name: string): Figure[] =>
    (['cold', 'warm'] as const).map((k) => {
      const row = roundsRow(`${name}, ${k}`, 'ms', k === 'cold' ? cold[x] : warm[x]);
      return {
        ...row,
        target: fmtTarget(subjects[x].target),
        met: meets(row.median, subjects[x].target),
      };
    });
  return {
    phase: 'series',
    title:
      `GET …/series?points=${points} of a whole variable through ingest's HTTP route; cold: the first request ` +
      `of a fresh ingest process (empty read cache, code warmed on another variable), warm: the median of ${requests} more`,
    figures: [
      ...rows('completed', 'completed (S3, merged)'),
      ...rows('running', 'running (Redis + S3)'),
    ],
    notes: [
      `completed: ${fmtInt(completed.samples)} samples (${fmtBytes(completed.textBytes)} of text) in one merged ` +
        `object (${fmtBytes(completed.mergedBytes)}); ${answer('completed')}`,
      `running: ${fmtInt(running.samplesPerVariable)} samples: ${running.flushes} flushes → ${running.segments} ` +
        `segments (${compaction.passes} compactions), ${fmtInt(running.inTransfer)} in a transfer key, ` +
        `${fmtInt(running.inRedis)} in the buffer; ${answer('running')}`,
    ],
    details: { layouts },
  };
}

export const seriesPhase = readPhase(buildSeriesHistories, measureSeries);
