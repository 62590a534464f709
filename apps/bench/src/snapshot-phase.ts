import { TieredHistory } from '@runstream/tiering';
import { CpuMeter } from './cpu-usage';
import { readListRaw, readObjectsRaw, type RawObjectRead, type RawReadWatch } from './raw-reads';
import { fieldMedians } from './stats';
import {
  ONE_VARIABLE,
  buildHistory,
  type HistoryLayout,
  type OneVariablePlan,
} from './segmented-history';
import { fmtCpu, fmtInt, type PhaseTable } from './report';
import { figures, runRounds, versus, type Subject } from './runner';
import { MB, SeqTally, fmtMB, type Timing } from './tiering-figures';
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
 * of the Redis buffer (+ JSON.parse for the last).
 */
export async function snapshotPhase(phase: TierPhase): Promise<PhaseTable> {
  const { stores, log, profile, config } = phase;
  const plan: SnapshotPlan = {
    rounds: config.BENCH_ROUNDS,
    samples: config.BENCH_SNAPSHOT_SAMPLES,
    segments: config.BENCH_SNAPSHOT_SEGMENTS,
    batchSamples: config.BENCH_TIERING_BATCH,
  };
  log(`  building ${plan.samples} samples over ${plan.segments} segments + Redis`);
  const layout = await buildSnapshotHistory(phase, plan);
  const { hot, cold } = stores;
  const segments = await cold.listSegments(layout.run, layout.variable);
  const bufferKey = hot.keys.buffer(layout.run, layout.variable);
  const cpu = new CpuMeter(stores.pids());

  type Pass = Timing & { requests?: ReadRequests };
  const readTiered = async (): Promise<Pass> => {
    stores.timer.reset();
    const tally = new SeqTally();
    let firstMs: number | undefined;
    const started = performance.now();
    for await (const chunk of new TieredHistory(hot, cold).chunks(layout.run, layout.variable, 1)) {
      firstMs ??= performance.now() - started;
      tally.add(chunk.first, chunk.t.length);
    }
    const seconds = (performance.now() - started) / 1000;
    const problem = tally.check(layout.samples);
    if (problem !== undefined) throw new Error(`TieredHistory: ${problem}`);
    const requests = {
      listMs: stores.timer.seconds('ListObjectsV2') * 1000,
      lists: stores.timer.count('ListObjectsV2'),
      getObjectMs: stores.timer.seconds('GetObject') * 1000,
      getObjects: stores.timer.count('GetObject'),
    };
    return { seconds, cpuPercent: {}, firstMs: firstMs ?? Number.NaN, requests };
  };

  const readRaw = async (mode: RawObjectRead): Promise<Pass> => {
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
    return { seconds, cpuPercent: {}, firstMs: firstMs ?? Number.NaN };
  };

  const textBytes = layout.segmentTextBytes + layout.redisTextBytes;
  const subject = (name: string, read: () => Promise<Pass>): Subject<Pass> => ({
    name,
    measure: async () => {
      cpu.start();
      const pass = await read();
      return { ...pass, cpuPercent: cpu.stop() };
    },
    describe: (t) =>
      `${t.seconds.toFixed(3)} s ${fmtInt(layout.samples / t.seconds).padStart(11)} samples/s ` +
      `${(textBytes / MB / t.seconds).toFixed(0).padStart(4)} MB/s text, first ${(t.firstMs ?? Number.NaN).toFixed(2)} ms`,
  });
  const subjects = [
    subject('TieredHistory.chunks', readTiered),
    { ...subject('raw GetObject + LRANGE', () => readRaw('bytes')), baseline: true as const },
    subject('raw GET + gunzip + LRANGE', () => readRaw('gunzip')),
    subject('raw GET + gunzip + JSON.parse + LRANGE', () => readRaw('parse')),
  ];
  const rounds = await runRounds(subjects, plan.rounds, log);
  if (profile !== undefined) await profile('snapshot', readTiered);

  const tiered = subjects[0]?.name ?? '';
  const rows = figures(subjects, rounds, {
    figure: 'samples/s',
    value: (t) => layout.samples / t.seconds,
    ratios: true,
    targets: {
      [tiered]: { on: 'ratio', target: { atLeast: SNAPSHOT_TARGET_RATIO }, unit: 'share' },
    },
  });
  rows.push(
    versus(rows, tiered, 'raw GET + gunzip + LRANGE'),
    versus(rows, tiered, 'raw GET + gunzip + JSON.parse + LRANGE'),
    ...figures(subjects, rounds, {
      figure: 'first chunk ms',
      value: (t) => t.firstMs ?? Number.NaN,
      targets: {
        [tiered]: { on: 'median', target: { below: SNAPSHOT_FIRST_CHUNK_TARGET_MS }, unit: 'ms' },
      },
    }).slice(0, 1),
  );
  const requests = fieldMedians((rounds[0] ?? []).map((r) => r.requests as ReadRequests));
  return {
    phase: 'snapshot',
    title:
      `${fmtInt(layout.samples)} samples of one variable, ${layout.segments} segments × ${fmtInt(layout.samplesPerSegment)} ` +
      `(${fmtMB(layout.segmentBytes)} gzip'd, ${fmtMB(layout.segmentTextBytes)} text) + ${fmtInt(layout.inRedis)} in the ` +
      `Redis buffer (${fmtMB(layout.redisTextBytes)}), chunks of ${fmtInt(plan.batchSamples)}; every read checked 1..N`,
    figures: rows,
    notes: [
      `inside the tiered read (medians): ${requests.lists} ListObjectsV2 ${requests.listMs.toFixed(1)} ms, ` +
        `${requests.getObjects} GetObject ${requests.getObjectMs.toFixed(1)} ms until their headers`,
      ...subjects.map((s, i) => `${s.name}: CPU ${fmtCpu(rounds[i] ?? [])}`),
    ],
    details: { plan, layout },
  };
}
