import { TieredHistory } from '@runstream/tiering';
import { CpuMeter } from './cpu-usage';
import { LABEL_WIDTH, fmtInt, fmtMs } from './format';
import { readListRaw, readObjectsRaw, type RawObjectRead, type RawReadWatch } from './raw-reads';
import { fieldMedians } from './stats';
import {
  ONE_VARIABLE,
  buildHistory,
  type HistoryLayout,
  type OneVariablePlan,
} from './segmented-history';
import {
  MB,
  SNAPSHOT_LABELS,
  SNAPSHOT_SUBJECTS,
  SeqTally,
  type SnapshotSubject,
  rateFigures,
  rateRatio,
  type RateFigures,
  type RateRatio,
  type Timing,
  type Volume,
} from './tiering-figures';
import type { TierPhase } from './tier-phase';

/** The tiered read should stream at no less than this share of raw GetObject of the same objects. */
export const SNAPSHOT_TARGET_RATIO = 0.8;
/** …and hand out its first chunk within this many ms. */
export const SNAPSHOT_FIRST_CHUNK_TARGET_MS = 100;

export type SnapshotPlan = OneVariablePlan;

/** How the history was laid out over the tiers: one variable, the last samples in Redis. */
export interface SnapshotLayout extends Omit<HistoryLayout, 'variables' | 'samplesPerVariable'> {
  variable: string;
  samples: number;
  samplesPerSegment: number;
}

/** S3 requests inside one TieredHistory read, until their responses' headers. */
export interface ReadRequests {
  listMs: number;
  lists: number;
  getObjectMs: number;
  getObjects: number;
}

export interface SnapshotRound {
  round: number;
  timings: Record<SnapshotSubject, Timing>;
  tieredRequests: ReadRequests;
}

export interface SnapshotResults {
  plan: SnapshotPlan;
  layout: SnapshotLayout;
  volume: Volume;
  rounds: SnapshotRound[];
  figures: Record<SnapshotSubject, RateFigures>;
  /** Medians over rounds of the S3 requests inside the tiered read. */
  tieredRequests: ReadRequests;
  /** TieredHistory against each baseline. */
  toRawGet: RateRatio;
  toRawGunzip: RateRatio;
  toRawParse: RateRatio;
  target: number;
  pass: boolean;
  firstChunkTargetMs: number;
  firstChunkPass: boolean;
}

/**
 * Builds one variable of `samples` samples over `segments` segments and the
 * Redis buffer: write about samples / (segments + ½) samples through
 * BatchWriter, flush the run (one segment), repeat; the rest stays buffered.
 */
export async function buildSnapshotHistory(
  { stores, log }: TierPhase,
  plan: SnapshotPlan,
): Promise<SnapshotLayout> {
  const samplesPerSegment = Math.floor(plan.samples / (plan.segments + 0.5));
  if (samplesPerSegment < 1)
    throw new Error(`${plan.samples} samples cannot fill ${plan.segments} segments`);
  const {
    variables: _variables,
    samplesPerVariable,
    ...layout
  } = await buildHistory(
    stores,
    {
      runPrefix: 'bench-snapshot',
      variables: [ONE_VARIABLE],
      segmentSamples: new Array<number>(plan.segments).fill(samplesPerSegment),
      inRedis: plan.samples - samplesPerSegment * plan.segments,
      batchSamples: plan.batchSamples,
    },
    log,
  );
  return { ...layout, variable: ONE_VARIABLE, samples: samplesPerVariable, samplesPerSegment };
}

/**
 * Reads the history back, timed, several rounds: `new TieredHistory(hot,
 * cold).chunks(run, variable, 1)` to its first chunk and to its end, each
 * time checked to be exactly seq 1..N; against the same segment objects read
 * raw with the same client, one after another (bodies read fully; + gunzip;
 * + gunzip, split and JSON.parse of every line), each followed by one LRANGE
 * of the Redis buffer (+ JSON.parse for the last). One unmeasured warm-up
 * pass of each, then rounds whose order rotates.
 */
export async function measureSnapshot(
  phase: TierPhase,
  plan: SnapshotPlan,
  layout: SnapshotLayout,
): Promise<SnapshotResults> {
  const { stores, log, profile } = phase;
  const { hot, cold } = stores;
  const segments = await cold.listSegments(layout.run, layout.variable);
  const bufferKey = hot.keys.buffer(layout.run, layout.variable);
  const cpu = new CpuMeter(stores.pids());

  let requests: ReadRequests | undefined;
  const readTiered = async (): Promise<Timing> => {
    stores.timer.reset();
    const tally = new SeqTally();
    let firstMs: number | undefined;
    const started = performance.now();
    for await (const chunk of new TieredHistory(hot, cold).chunks(layout.run, layout.variable, 1)) {
      firstMs ??= performance.now() - started;
      tally.add(chunk.first, chunk.t.length);
    }
    const seconds = (performance.now() - started) / 1000;
    requests = {
      listMs: stores.timer.seconds('ListObjectsV2') * 1000,
      lists: stores.timer.count('ListObjectsV2'),
      getObjectMs: stores.timer.seconds('GetObject') * 1000,
      getObjects: stores.timer.count('GetObject'),
    };
    const problem = tally.check(layout.samples);
    if (problem !== undefined) throw new Error(`TieredHistory: ${problem}`);
    return { seconds, cpuPercent: {}, ...(firstMs !== undefined ? { firstMs } : {}) };
  };

  const readRaw = async (mode: RawObjectRead): Promise<Timing> => {
    const tally = new SeqTally();
    let firstMs: number | undefined;
    const started = performance.now();
    const watch: RawReadWatch = {
      data: () => {
        firstMs ??= performance.now() - started;
      },
      chunk: (first, count) => tally.add(first, count),
    };
    await readObjectsRaw(
      stores,
      segments.map((s) => s.key),
      mode,
      watch,
    );
    await readListRaw(hot.redis, bufferKey, mode === 'parse', watch);
    const seconds = (performance.now() - started) / 1000;
    if (mode === 'parse') {
      const problem = tally.check(layout.samples);
      if (problem !== undefined) throw new Error(`raw read: ${problem}`);
    }
    return { seconds, cpuPercent: {}, ...(firstMs !== undefined ? { firstMs } : {}) };
  };

  const run = async (subject: SnapshotSubject): Promise<Timing> => {
    cpu.start();
    const timing =
      subject === 'tiered'
        ? await readTiered()
        : await readRaw(
            subject === 'rawGet' ? 'bytes' : subject === 'rawGunzip' ? 'gunzip' : 'parse',
          );
    return { ...timing, cpuPercent: cpu.stop() };
  };

  const volume: Volume = {
    samples: layout.samples,
    textBytes: layout.segmentTextBytes + layout.redisTextBytes,
    storedBytes: layout.segmentBytes + layout.redisTextBytes,
    objects: layout.segments,
  };
  const describe = (subject: SnapshotSubject, t: Timing): string =>
    `${subject.padEnd(LABEL_WIDTH)} ${t.seconds.toFixed(3)} s ` +
    `${fmtInt(volume.samples / t.seconds).padStart(11)} samples/s ` +
    `${(volume.textBytes / MB / t.seconds).toFixed(0).padStart(4)} MB/s text, first ${fmtMs(t.firstMs ?? Number.NaN).trim()}`;

  for (const subject of SNAPSHOT_SUBJECTS)
    log(`  warm-up  ${describe(subject, await run(subject))}`);

  const rounds: SnapshotRound[] = [];
  for (let round = 1; round <= plan.rounds; round++) {
    const timings: Partial<Record<SnapshotSubject, Timing>> = {};
    let tieredRequests: ReadRequests | undefined;
    const order = SNAPSHOT_SUBJECTS.map(
      (_, i) => SNAPSHOT_SUBJECTS[(i + round - 1) % SNAPSHOT_SUBJECTS.length] as SnapshotSubject,
    );
    for (const subject of order) {
      const t = await run(subject);
      timings[subject] = t;
      if (subject === 'tiered') tieredRequests = requests;
      log(`  round ${round}/${plan.rounds} ${describe(subject, t)}`);
    }
    if (tieredRequests === undefined) throw new Error('the tiered read did not run');
    rounds.push({ round, timings: timings as Record<SnapshotSubject, Timing>, tieredRequests });
  }

  if (profile !== undefined) await profile('snapshot', readTiered);

  const of = (subject: SnapshotSubject): Timing[] => rounds.map((r) => r.timings[subject]);
  const figures = Object.fromEntries(
    SNAPSHOT_SUBJECTS.map((s) => [s, rateFigures(SNAPSHOT_LABELS[s], of(s), volume)]),
  ) as Record<SnapshotSubject, RateFigures>;
  const toRawGet = rateRatio(of('tiered'), of('rawGet'));
  const firstChunkMs = figures.tiered.medianFirstMs ?? Number.POSITIVE_INFINITY;
  return {
    plan,
    layout,
    volume,
    rounds,
    figures,
    tieredRequests: fieldMedians(rounds.map((r) => r.tieredRequests)),
    toRawGet,
    toRawGunzip: rateRatio(of('tiered'), of('rawGunzip')),
    toRawParse: rateRatio(of('tiered'), of('rawParse')),
    target: SNAPSHOT_TARGET_RATIO,
    pass: toRawGet.ratio >= SNAPSHOT_TARGET_RATIO,
    firstChunkTargetMs: SNAPSHOT_FIRST_CHUNK_TARGET_MS,
    firstChunkPass: firstChunkMs < SNAPSHOT_FIRST_CHUNK_TARGET_MS,
  };
}
