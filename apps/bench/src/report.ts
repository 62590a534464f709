import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { shapeLabel, type BatchShape } from './bodies';
import type { BenchPhase } from './config';
import type { FlushResults } from './flush-phase';
import { fmtInt, fmtMs, fmtPercent } from './format';
import { formatJobsTable, fmtJobMs } from './job-figures';
import type { JobsResults } from './jobs-phase';
import type { LatencyFigures } from './latency-phase';
import type { MergeResults } from './merge-phase';
import type { ManyFlushesResults } from './many-flushes-phase';
import {
  formatManyFlushes,
  formatReads,
  formatSeries,
  formatSnapshotRaw,
  formatSubscribers,
} from './read-report';
import type { ReadsResults } from './reads-phase';
import type { SeriesResults } from './series-phase';
import type { SnapshotRawResults } from './snapshot-raw-phase';
import type { SubscribersResults } from './subscribers-phase';
import type { SnapshotResults } from './snapshot-phase';
import { median } from './stats';
import type { ThroughputFigures } from './throughput-phase';
import { MB, SNAPSHOT_LABELS, SNAPSHOT_SUBJECTS, type RateFigures } from './tiering-figures';

/** Ingest should keep at least this share of the bare Express ceiling. */
export const THROUGHPUT_TARGET_RATIO = 0.85;
/** POST → subscriber, p99 (median over rounds), at half of ingest's maximum rate. */
export const LATENCY_TARGET_P99_MS = 10;

export interface ThroughputRatio {
  /** Median samples/s of one over the other's. */
  ratio: number;
  /** Median of the per-round ratios (round i of each ran back to back). */
  medianRoundRatio: number;
}

/** How `subject` compares with `baseline`, both measured in the same interleaved rounds. */
export function throughputRatio(
  subject: ThroughputFigures,
  baseline: ThroughputFigures,
): ThroughputRatio {
  const perRound = subject.rounds.map(
    (r, i) => r.samplesPerSecond / (baseline.rounds[i]?.samplesPerSecond ?? Number.NaN),
  );
  return {
    ratio: subject.medianSamplesPerSecond / baseline.medianSamplesPerSecond,
    medianRoundRatio: median(perRound),
  };
}

/** Ingest against the parse-only ceiling for one batch shape (issue 13's table). */
export interface ShapeFigures {
  shape: BatchShape;
  bare: ThroughputFigures;
  ingest: ThroughputFigures;
  toBare: ThroughputRatio;
  /** Median over rounds of ingest's and Redis's CPU time per sample, µs. */
  cpuMicrosPerSample: number;
}

/** Targets of issue 13 for ingest / bare, by shape label (`10 × 100`); compared on the per-round median. */
export const SHAPE_TARGETS: Readonly<Record<string, number>> = {
  '10 × 100': THROUGHPUT_TARGET_RATIO,
  '10 × 1000': 0.75,
  '1 × 10': 0.7,
};

export function shapeFigures(
  shape: BatchShape,
  bare: ThroughputFigures,
  ingest: ThroughputFigures,
): ShapeFigures {
  const cpuMicros = ingest.rounds.map(
    (r) => (((r.cpuPercent.ingest ?? 0) + (r.cpuPercent.redis ?? 0)) * 1e4) / r.samplesPerSecond,
  );
  return {
    shape,
    bare,
    ingest,
    toBare: throughputRatio(ingest, bare),
    cpuMicrosPerSample: median(cpuMicros),
  };
}

/** Everything one run measured; written as latest.json. */
export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; node: string };
  /** The phases this run ran (BENCH_PHASES); the sections of the others are absent. */
  phases: BenchPhase[];
  /** Rounds apply to every phase; the rest to throughput and latency. */
  settings: {
    rounds: number;
    seconds: number;
    warmupSeconds: number;
    connections: number;
    batch: BatchShape;
    bodyBytes: number;
  };
  throughput?: {
    bare: ThroughputFigures;
    /** The bare server also storing each body's text with one RPUSH. */
    bareRedis: ThroughputFigures;
    ingest: ThroughputFigures;
    /** Median ingest over median bare: the figure the target is about. */
    ratio: number;
    /** Median of the per-round ratios (each round's servers ran back to back). */
    medianRoundRatio: number;
    target: number;
    pass: boolean;
    /** Ingest against bare + Redis, as `ratio` and `medianRoundRatio` (no target). */
    toBareRedis: ThroughputRatio;
    /** Bare + Redis against bare: what parsing-and-storing costs any design on this machine. */
    bareRedisToBare: ThroughputRatio;
  };
  /** Ingest / bare for each of RATIO_SHAPES, with CPU per sample. */
  shapes?: ShapeFigures[];
  /** Growth of Redis's used_memory per sample written through ingest (batches of BENCH_BATCH). */
  redisBytesPerSample?: number;
  latency?: {
    ratePerSecond: number;
    bare: LatencyFigures;
    bareRedis: LatencyFigures;
    ingest: LatencyFigures;
    targetP99Ms: number;
    pass: boolean;
  };
  /** Redis → S3 flush throughput against raw PutObject of the same objects. */
  flush?: FlushResults;
  /** A 5 M-sample history read across the tiers against raw GetObject of the same objects. */
  snapshot?: SnapshotResults;
  /** One variable's segments merged into one object against a raw S3 → S3 copy of the same bytes. */
  merge?: MergeResults;
  /** Job times of the flush, merge and observe queues (README: capacity). */
  jobs?: JobsResults;
  /** History pages at the last seq vs at seq 1, in each tier, through ingest's HTTP route. */
  reads?: ReadsResults;
  /** Downsampled series of a long completed variable and of a running one. */
  series?: SeriesResults;
  /** A variable flushed many times (compacted) against the same samples in a few segments. */
  manyFlushes?: ManyFlushesResults;
  /** Many subscribers joining one variable at once against one alone. */
  subscribers?: SubscribersResults;
  /** One subscriber's snapshot against raw reads of the same stored data. */
  snapshotRaw?: SnapshotRawResults;
}

/** The summary table printed at the end of a run: the sections of the phases that ran. */
export function formatReport(r: BenchResults): string {
  const s = r.settings;
  return [
    '',
    `Runstream bench, ${r.startedAt}: ${r.machine.cpus} × ${r.machine.cpuModel}, node ${r.machine.node}`,
    `phases: ${r.phases.join(', ')}; ${s.rounds} rounds each, medians over rounds`,
    ...(r.throughput !== undefined ? formatThroughput(r.throughput, s) : []),
    ...(r.shapes !== undefined ? formatShapes(r.shapes, r.redisBytesPerSample) : []),
    ...(r.latency !== undefined ? formatLatency(r.latency) : []),
    ...(r.flush !== undefined ? formatFlush(r.flush) : []),
    ...(r.snapshot !== undefined ? formatSnapshot(r.snapshot) : []),
    ...(r.merge !== undefined ? formatMerge(r.merge) : []),
    ...(r.jobs !== undefined ? formatJobs(r.jobs) : []),
    ...(r.reads !== undefined ? formatReads(r.reads) : []),
    ...(r.series !== undefined ? formatSeries(r.series) : []),
    ...(r.manyFlushes !== undefined ? formatManyFlushes(r.manyFlushes) : []),
    ...(r.subscribers !== undefined ? formatSubscribers(r.subscribers) : []),
    ...(r.snapshotRaw !== undefined ? formatSnapshotRaw(r.snapshotRaw) : []),
    '',
    `${r.durationSeconds.toFixed(0)} s in all.`,
    '',
  ].join('\n');
}

const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');

function formatThroughput(
  t: NonNullable<BenchResults['throughput']>,
  s: BenchResults['settings'],
): string[] {
  const cpu = (f: ThroughputFigures): string =>
    Object.keys(f.rounds[0]?.cpuPercent ?? {})
      .map(
        (name) =>
          `${name} ${Math.round(median(f.rounds.map((r) => r.cpuPercent[name] ?? Number.NaN)))}%`,
      )
      .join(', ');
  const tputRow = (name: string, f: ThroughputFigures): string =>
    `  ${name.padEnd(40)} ${fmtInt(f.medianSamplesPerSecond).padStart(12)} ${fmtInt(f.medianRequestsPerSecond).padStart(8)}   ${cpu(f)}`;
  return [
    '',
    `batches of ${s.batch.variables} variables × ${s.batch.samplesPerVariable} samples (${fmtInt(s.bodyBytes)} bytes), ` +
      `${s.rounds} rounds × ${s.seconds} s after ${s.warmupSeconds} s warm-up, medians over rounds`,
    `Throughput, closed loop, ${s.connections} keep-alive connections   samples/s    req/s   CPU, % of a core (median)`,
    tputRow('bare Express 5: express.json + 200', t.bare),
    tputRow('bare + Redis: parse + RPUSH body, 200', t.bareRedis),
    tputRow('ingest: auth, validate, Redis, emit', t.ingest),
    `  ingest / bare:         ${fmtPercent(t.ratio)} (median of per-round ratios ${fmtPercent(t.medianRoundRatio)}); ` +
      `target ≥ ${fmtPercent(t.target)}: ${verdict(t.pass)}`,
    `  ingest / bare + Redis: ${fmtPercent(t.toBareRedis.ratio)} (median of per-round ratios ${fmtPercent(t.toBareRedis.medianRoundRatio)})` +
      `;  bare + Redis / bare: ${fmtPercent(t.bareRedisToBare.ratio)}`,
  ];
}

function formatShapes(shapes: ShapeFigures[], redisBytesPerSample: number | undefined): string[] {
  const row = (f: ShapeFigures): string => {
    const label = shapeLabel(f.shape);
    const small = f.shape.variables * f.shape.samplesPerVariable < 100;
    const rate = (t: ThroughputFigures): string =>
      small
        ? `${fmtInt(t.medianRequestsPerSecond)} req/s`
        : `${fmtInt(t.medianSamplesPerSecond)} samples/s`;
    const target = SHAPE_TARGETS[label];
    return (
      `  ${label.padEnd(10)} ${rate(f.ingest).padStart(20)} ${rate(f.bare).padStart(20)} ` +
      `${fmtPercent(f.toBare.medianRoundRatio).padStart(8)}` +
      (target === undefined
        ? ''
        : ` (target ≥ ${fmtPercent(target)}: ${verdict(f.toBare.medianRoundRatio >= target)})`) +
      `   ${f.cpuMicrosPerSample.toFixed(3)} µs`
    );
  };
  return [
    '',
    'Ingest against the parse-only ceiling (bare), by batch shape; ratio = median of per-round ratios',
    `  ${'body'.padEnd(10)} ${'ingest'.padStart(20)} ${'bare (ceiling)'.padStart(20)} ${'ratio'.padStart(8)}${''.padEnd(30)}   CPU/sample (ingest + Redis)`,
    ...shapes.map(row),
    ...(redisBytesPerSample === undefined
      ? []
      : [
          `  Redis bytes per sample written (used_memory growth): ${redisBytesPerSample.toFixed(1)} B (target ≤ 18)`,
        ]),
  ];
}

function formatLatency(l: NonNullable<BenchResults['latency']>): string[] {
  const latRow = (name: string, f: LatencyFigures): string =>
    `  ${name.padEnd(40)} ${fmtMs(f.medianRoundP50Ms)} ${fmtMs(f.medianRoundP99Ms)}   ` +
    `${fmtMs(f.overallMs.p50)} ${fmtMs(f.overallMs.p99)} ${fmtMs(f.overallMs.max)}   ${f.received}/${f.sent}`;
  return [
    '',
    `Latency POST → subscriber, open loop at ${fmtInt(l.ratePerSecond)} req/s (half of ingest's max)`,
    `  ${''.padEnd(40)} ${'median of rounds'.padStart(21)}   ${'all events pooled'.padStart(32)}`,
    `  ${''.padEnd(40)} ${'p50'.padStart(10)} ${'p99'.padStart(10)}   ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)}   received/sent`,
    latRow('bare socket.io: emit parsed body', l.bare),
    latRow('bare + Redis: RPUSH, then emit', l.bareRedis),
    latRow('ingest', l.ingest),
    `  ingest p99 (median of rounds) ${fmtMs(l.ingest.medianRoundP99Ms).trim()}; target < ${l.targetP99Ms} ms: ${verdict(l.pass)}` +
      `   (pacer lag p99 ${fmtMs(l.ingest.pacerLagMs.p99).trim()}, not in the figures: each body is stamped when actually sent)`,
  ];
}

/** `12.3 MB` (MB = 10^6 bytes). */
export const fmtMB = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

/** A figure's CPU, median per process: `bench 98%, redis 12%, s3rver 40%`. */
function fmtCpu(f: RateFigures): string {
  return Object.entries(f.cpuPercent)
    .map(([name, pct]) => `${name} ${Math.round(pct)}%`)
    .join(', ');
}

/** One row of a rate table: seconds, samples/s, text and stored MB/s, CPU. */
function rateRow(name: string, f: RateFigures, first = false): string {
  return (
    `  ${name.padEnd(40)} ${f.medianSeconds.toFixed(3).padStart(8)} s ${fmtInt(f.samplesPerSecond).padStart(12)} ` +
    `${f.textMBps.toFixed(1).padStart(8)} ${f.storedMBps.toFixed(1).padStart(8)}` +
    (first
      ? ` ${(f.medianFirstMs === undefined ? '' : fmtMs(f.medianFirstMs)).padStart(10)}`
      : '') +
    `   ${fmtCpu(f)}`
  );
}

function rateHeader(first = false): string {
  return (
    `  ${''.padEnd(40)} ${'time'.padStart(10)} ${'samples/s'.padStart(12)} ${'text MB/s'.padStart(8)} ${'gz MB/s'.padStart(8)}` +
    (first ? ` ${'first'.padStart(10)}` : '') +
    '   CPU, % of a core (median)'
  );
}

export function formatFlush(f: FlushResults): string[] {
  const p = f.plan;
  const b = f.breakdown;
  const share = (x: number): string => fmtPercent(b.totalSeconds > 0 ? x / b.totalSeconds : 0);
  return [
    '',
    `Flush Redis → S3: ${p.variables} variables × ${fmtInt(p.samplesPerVariable)} samples in chunks of ${fmtInt(p.batchSamples)}, ` +
      `fresh run per round: ${fmtInt(f.volume.samples)} samples, ${fmtMB(f.volume.textBytes)} of chunk text → ` +
      `${f.volume.objects} segments, ${fmtMB(f.volume.storedBytes)} gzip'd (MB = 10^6 bytes)`,
    rateHeader(),
    rateRow('Flusher.flush({ everything: true })', f.flush),
    rateRow('raw PutObject of the same gzip bodies', f.rawPut),
    rateRow('gzip (segment level) + PutObject, same text', f.rawGzipPut),
    `  flush / raw PutObject:      ${fmtPercent(f.toRawPut.ratio)} (median of per-round ratios ${fmtPercent(f.toRawPut.medianRoundRatio)}); ` +
      `target ≥ ${fmtPercent(f.target)}: ${verdict(f.pass)}`,
    `  flush / gzip + PutObject:   ${fmtPercent(f.toRawGzipPut.ratio)} (median of per-round ratios ${fmtPercent(f.toRawGzipPut.medianRoundRatio)})`,
    `  inside the flush (medians): upload requests ${b.uploadSeconds.toFixed(3)} s (${share(b.uploadSeconds)}), ` +
      `gzip in putSegment ${b.gzipSeconds.toFixed(3)} s (${share(b.gzipSeconds)}), ` +
      `Redis rename/read/delete and the rest ${b.restSeconds.toFixed(3)} s (${share(b.restSeconds)}) of ${b.totalSeconds.toFixed(3)} s`,
    `  (filling Redis through BatchWriter, not timed above: ${fmtInt(f.writeSamplesPerSecond)} samples/s)`,
  ];
}

export function formatSnapshot(r: SnapshotResults): string[] {
  const l = r.layout;
  const labels = SNAPSHOT_LABELS;
  const first = r.figures.tiered.medianFirstMs;
  return [
    '',
    `Snapshot read: ${fmtInt(l.samples)} samples of one variable, ${l.segments} segments × ${fmtInt(l.samplesPerSegment)} ` +
      `(${fmtMB(l.segmentBytes)} gzip'd, ${fmtMB(l.segmentTextBytes)} text) + ${fmtInt(l.inRedis)} in the Redis buffer ` +
      `(${fmtMB(l.redisTextBytes)}), chunks of ${fmtInt(r.plan.batchSamples)}; built in ${l.buildSeconds.toFixed(1)} s`,
    rateHeader(true),
    ...SNAPSHOT_SUBJECTS.map((s) => rateRow(labels[s], r.figures[s], true)),
    `  tiered / raw GetObject:            ${fmtPercent(r.toRawGet.ratio)} (median of per-round ratios ${fmtPercent(r.toRawGet.medianRoundRatio)}); ` +
      `target ≥ ${fmtPercent(r.target)}: ${verdict(r.pass)}`,
    `  tiered / raw GetObject + gunzip:   ${fmtPercent(r.toRawGunzip.ratio)} (median of per-round ratios ${fmtPercent(r.toRawGunzip.medianRoundRatio)})`,
    `  tiered / raw + gunzip + JSON.parse: ${fmtPercent(r.toRawParse.ratio)} (median of per-round ratios ${fmtPercent(r.toRawParse.medianRoundRatio)})`,
    `  inside the tiered read (medians): ${r.tieredRequests.lists} ListObjectsV2 ${fmtMs(r.tieredRequests.listMs).trim()}, ` +
      `${r.tieredRequests.getObjects} GetObject ${fmtMs(r.tieredRequests.getObjectMs).trim()} until their headers; ` +
      `the rest is reading, gunzip, parsing and Redis`,
    `  first chunk ${first === undefined ? 'n/a' : fmtMs(first).trim()} (median); target < ${r.firstChunkTargetMs} ms: ${verdict(r.firstChunkPass)}` +
      `   (every read checked: exactly seq 1..${fmtInt(l.samples)})`,
  ];
}

/** `2.41×`: a time ratio. */
export const fmtTimes = (ratio: number): string => `${ratio.toFixed(2)}×`;

export function formatMerge(r: MergeResults): string[] {
  const l = r.layout;
  const q = r.requests;
  return [
    '',
    `Merge S3 segments → one merged object: ${fmtInt(l.samplesPerVariable)} samples of one variable in ${l.segments} segments ` +
      `(${fmtMB(l.segmentBytes)} gzip'd, ${fmtMB(l.segmentTextBytes)} text), chunks of ${fmtInt(r.plan.batchSamples)}; ` +
      `built once in ${l.buildSeconds.toFixed(1)} s, copied to a fresh run per round (not timed)`,
    rateHeader(),
    rateRow('Merger.merge (quiescence 0, concurrency 4)', r.merge),
    rateRow('raw GET each → one multipart upload', r.rawConcat),
    rateRow('raw GET + PUT each, one after another', r.rawCopy),
    `  merge / raw multipart copy, time: ${fmtTimes(r.toRawConcat.ratio)} (median of per-round ratios ${fmtTimes(r.toRawConcat.medianRoundRatio)}); ` +
      `target ≤ ${fmtTimes(r.target)}: ${verdict(r.pass)}`,
    `  merge / raw GET + PUT each, time: ${fmtTimes(r.toRawCopy.ratio)} (median of per-round ratios ${fmtTimes(r.toRawCopy.medianRoundRatio)})`,
    `  merged object ${fmtMB(r.mergedBytes)} (the segments' gzip members, joined) vs the segments' ${fmtMB(l.segmentBytes)}: ` +
      `${fmtPercent(r.sizeRatio)}; text ${fmtMB(l.segmentTextBytes)}`,
    `  inside the merge (medians): ${q.getObjects} GetObject ${fmtMs(q.getObjectMs).trim()} until their headers; ` +
      `${q.uploadRequests} upload requests ${fmtMs(q.uploadMs).trim()} summed (they overlap the reading)`,
    `  checked: round 1's merged object read in full, exactly seqs 1..${fmtInt(l.samplesPerVariable)}; every round: ` +
      `last-seq metadata ${fmtInt(l.samplesPerVariable)}, chunks from seq 1, no segment left, manifest count, Redis forgot the run`,
  ];
}

export function formatJobs(r: JobsResults): string[] {
  const o = r.observe;
  const outcomes = Object.entries(o.outcomes)
    .map(([k, n]) => `${k} ${fmtInt(n)}`)
    .join(', ');
  return [
    '',
    `Job times (README: jobs per minute = concurrency × 60 000 / job time in ms), medians of ${r.plan.rounds} rounds after a warm-up:`,
    ...formatJobsTable(r.figures),
    `  flush: Flusher.flush({ everything: true }) of a fresh run's buffers; merge: Merger.merge of a fresh copy ` +
      `(quiescence 0, 4 variables at once), merged ${fmtMB(r.merge.mergedBytes)}; observe: the worker app's BullMQ ` +
      `worker, concurrency 1, a look timed from one job's start to the next's, interval ${o.intervalMs} ms; ` +
      `looks by outcome: ${outcomes}`,
    `  observe throughput of that worker (median of rounds): ${o.medianLooksPerSecond.toFixed(0)} looks/s = ` +
      `${fmtInt(o.medianLooksPerSecond * 60)} looks/min, a mean look of ${fmtJobMs(1000 / o.medianLooksPerSecond)} ms ` +
      `(median look ${fmtJobMs(median(o.rounds.map((x) => x.medianMs)))} ms)`,
  ];
}

export function writeResults(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
