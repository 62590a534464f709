import type { FlushResults } from './flush-phase';
import { jobFigure, withWait } from './job-figures';
import type { JobsResults } from './jobs-phase';
import type { LatencyFigures } from './latency-phase';
import type { MergeResults } from './merge-phase';
import { formatReport, throughputRatio, type BenchResults } from './report';
import type { SnapshotResults } from './snapshot-phase';
import { summarize } from './stats';
import { historyLayout } from './testing/history-layout';
import type { ThroughputFigures } from './throughput-phase';
import {
  MB,
  rateFigures,
  rateRatio,
  timeRatio,
  type SnapshotSubject,
  type Timing,
} from './tiering-figures';

const tput = (
  label: string,
  perRound: number[],
  cpu: Record<string, number>,
): ThroughputFigures => {
  const sorted = [...perRound].sort((a, b) => a - b);
  const mid = sorted[sorted.length >> 1] as number;
  return {
    label,
    rounds: perRound.map((s, i) => ({
      round: i + 1,
      samplesPerSecond: s,
      requestsPerSecond: s / 1000,
      cpuPercent: cpu,
    })),
    medianSamplesPerSecond: mid,
    medianRequestsPerSecond: mid / 1000,
  };
};

const lat = (label: string): LatencyFigures => ({
  label,
  ratePerSecond: 500,
  rounds: [],
  overallMs: summarize([1, 2, 3]),
  medianRoundP50Ms: 2,
  medianRoundP99Ms: 3,
  sent: 3,
  received: 3,
  pacerLagMs: summarize([0]),
});

/** A run's results with only `sections` filled in; the rest as every test here has it. */
const benchResults = (
  phases: BenchResults['phases'],
  durationSeconds: number,
  sections: Omit<BenchResults, 'startedAt' | 'durationSeconds' | 'machine' | 'phases' | 'settings'>,
): BenchResults => ({
  startedAt: '2026-01-01T00:00:00.000Z',
  durationSeconds,
  machine: { cpus: 2, cpuModel: 'test', node: 'v20' },
  phases,
  settings: {
    rounds: 1,
    seconds: 4,
    warmupSeconds: 2,
    connections: 16,
    batch: { variables: 10, samplesPerVariable: 100 },
    bodyBytes: 38_696,
  },
  ...sections,
});

describe('throughputRatio', () => {
  it('gives the ratio of medians and the median of per-round ratios', () => {
    const base = tput('bare', [100, 200, 400], {});
    const subject = tput('ingest', [50, 150, 100], {});
    const r = throughputRatio(subject, base);
    expect(r.ratio).toBeCloseTo(100 / 200);
    // Per round: 0.5, 0.75, 0.25.
    expect(r.medianRoundRatio).toBeCloseTo(0.5);
  });
});

describe('formatReport', () => {
  it('shows both baselines, with their CPU, and both ratios', () => {
    const bare = tput('bare', [3_000_000], { bare: 100, loadgen: 45 });
    const bareRedis = tput('bare+redis', [2_000_000], { bare: 100, redis: 40, loadgen: 30 });
    const ingest = tput('ingest', [1_500_000], { ingest: 104, redis: 50, loadgen: 22 });
    const results = benchResults(['throughput', 'latency'], 100, {
      throughput: {
        bare,
        bareRedis,
        ingest,
        ratio: 0.5,
        medianRoundRatio: 0.5,
        target: 0.85,
        pass: false,
        toBareRedis: throughputRatio(ingest, bareRedis),
        bareRedisToBare: throughputRatio(bareRedis, bare),
      },
      latency: {
        ratePerSecond: 750,
        bare: lat('bare'),
        bareRedis: lat('bare+redis'),
        ingest: lat('ingest'),
        targetP99Ms: 10,
        pass: true,
      },
    });
    const table = formatReport(results);
    expect(table).toMatch(/bare \+ Redis: .* 2,000,000 +2,000 +bare 100%, redis 40%, loadgen 30%/);
    expect(table).toMatch(/ingest \/ bare: +50\.0 % .*target ≥ 85\.0 %: FAIL/);
    expect(table).toMatch(/ingest \/ bare \+ Redis: 75\.0 % .*bare \+ Redis \/ bare: 66\.7 %/);
    expect(table).toMatch(/bare \+ Redis: RPUSH, then emit/);
  });
});

describe('formatReport with the tier phases only', () => {
  const volume = { samples: 2_000_000, textBytes: 77_200_000, storedBytes: 26_000_000, objects: 8 };
  const timing = (seconds: number, firstMs?: number): Timing => ({
    seconds,
    cpuPercent: { bench: 90, redis: 2, s3rver: 5 },
    ...(firstMs !== undefined ? { firstMs } : {}),
  });
  const [flushTimings, rawPut, rawGzipPut] = [[timing(4)], [timing(0.25)], [timing(3.2)]] as const;
  const flush: FlushResults = {
    plan: { rounds: 1, variables: 8, samplesPerVariable: 250_000, batchSamples: 1000 },
    volume,
    rounds: [
      {
        round: 1,
        writeSeconds: 2,
        flush: { ...timing(4), sinkSeconds: 3.6, uploadSeconds: 0.2 },
        rawPut: timing(0.25),
        rawGzipPut: timing(3.2),
      },
    ],
    flush: rateFigures('flush', flushTimings, volume),
    rawPut: rateFigures('raw', rawPut, volume),
    rawGzipPut: rateFigures('gzip', rawGzipPut, volume),
    toRawPut: rateRatio(flushTimings, rawPut),
    toRawGzipPut: rateRatio(flushTimings, rawGzipPut),
    target: 0.8,
    pass: false,
    breakdown: { totalSeconds: 4, uploadSeconds: 0.2, gzipSeconds: 3.4, restSeconds: 0.4 },
    writeSamplesPerSecond: 1_000_000,
  };
  const snapVolume = { samples: 5_000_000, textBytes: 200 * MB, storedBytes: 64 * MB, objects: 55 };
  const timings: Record<SnapshotSubject, Timing> = {
    tiered: timing(4, 40),
    rawGet: timing(1, 5),
    rawGunzip: timing(2, 6),
    rawParse: timing(4, 8),
  };
  const of = (s: SnapshotSubject): Timing[] => [timings[s]];
  const snapshot: SnapshotResults = {
    plan: { rounds: 1, samples: 5_000_000, segments: 55, batchSamples: 1000 },
    layout: {
      run: 'r',
      variable: 'plant.flow',
      samples: 5_000_000,
      segments: 55,
      flushes: 55,
      samplesPerSegment: 90_090,
      inTransfer: 0,
      inRedis: 45_050,
      chunks: 5_000,
      segmentBytes: 62_600_000,
      segmentTextBytes: 198_200_000,
      redisTextBytes: 1_800_000,
      buildSeconds: 16,
      writeSeconds: 5,
      flushSeconds: 9,
    },
    volume: snapVolume,
    rounds: [
      {
        round: 1,
        timings,
        tieredRequests: { listMs: 9, lists: 1, getObjectMs: 150, getObjects: 55 },
      },
    ],
    figures: {
      tiered: rateFigures('t', of('tiered'), snapVolume),
      rawGet: rateFigures('g', of('rawGet'), snapVolume),
      rawGunzip: rateFigures('z', of('rawGunzip'), snapVolume),
      rawParse: rateFigures('p', of('rawParse'), snapVolume),
    },
    tieredRequests: { listMs: 9, lists: 1, getObjectMs: 150, getObjects: 55 },
    toRawGet: rateRatio(of('tiered'), of('rawGet')),
    toRawGunzip: rateRatio(of('tiered'), of('rawGunzip')),
    toRawParse: rateRatio(of('tiered'), of('rawParse')),
    target: 0.8,
    pass: false,
    firstChunkTargetMs: 100,
    firstChunkPass: true,
  };
  const table = formatReport(benchResults(['flush', 'snapshot'], 120, { flush, snapshot }));

  it('leaves out the phases that did not run', () => {
    expect(table).toMatch(/phases: flush, snapshot; 1 rounds each/);
    expect(table).not.toMatch(/Throughput|Latency/);
  });

  it('shows the flush with units, both baselines and the ratio against raw PutObject', () => {
    expect(table).toMatch(
      /2,000,000 samples, 77\.2 MB of chunk text → 8 segments, 26\.0 MB gzip'd/,
    );
    // 77.2 MB in 4 s; 26 MB in 4 s.
    expect(table).toMatch(
      /Flusher\.flush.* 4\.000 s +500,000 +19\.3 +6\.5 +bench 90%, redis 2%, s3rver 5%/,
    );
    expect(table).toMatch(
      /raw PutObject of the same gzip bodies +0\.250 s +8,000,000 +308\.8 +104\.0/,
    );
    expect(table).toMatch(/flush \/ raw PutObject: +6\.3 % .*target ≥ 80\.0 %: FAIL/);
    expect(table).toMatch(/flush \/ gzip \+ PutObject: +80\.0 %/);
    expect(table).toMatch(
      /upload requests 0\.200 s \(5\.0 %\), gzip in putSegment 3\.400 s \(85\.0 %\)/,
    );
  });

  it('shows the snapshot read with first-chunk times and the three ratios', () => {
    expect(table).toMatch(/5,000,000 samples of one variable, 55 segments × 90,090/);
    expect(table).toMatch(/TieredHistory\.chunks +4\.000 s +1,250,000 +50\.0 +16\.0 +40\.00 ms/);
    expect(table).toMatch(/tiered \/ raw GetObject: +25\.0 % .*target ≥ 80\.0 %: FAIL/);
    expect(table).toMatch(/tiered \/ raw GetObject \+ gunzip: +50\.0 %/);
    expect(table).toMatch(/tiered \/ raw \+ gunzip \+ JSON\.parse: 100\.0 %/);
    expect(table).toMatch(/1 ListObjectsV2 9\.00 ms, 55 GetObject 150\.00 ms/);
    expect(table).toMatch(/first chunk 40\.00 ms \(median\); target < 100 ms: PASS/);
  });
});

describe('formatReport with the merge and jobs phases', () => {
  const timing = (seconds: number): Timing => ({ seconds, cpuPercent: { bench: 95, s3rver: 10 } });
  const layout = historyLayout();
  const volume = {
    samples: 5_000_000,
    textBytes: 200_000_000,
    storedBytes: 72_000_000,
    objects: 50,
  };
  const [mergeT, concatT, copyT] = [[timing(10)], [timing(2)], [timing(2.5)]] as const;
  const merge: MergeResults = {
    plan: { rounds: 1, samples: 5_000_000, segments: 50, batchSamples: 1000 },
    layout,
    volume,
    rounds: [
      {
        round: 1,
        merge: mergeT[0],
        requests: { getObjects: 50, getObjectMs: 800, uploadRequests: 11, uploadMs: 1700 },
        rawConcat: concatT[0],
        rawCopy: copyT[0],
        mergedBytes: 63_000_000,
        check: 'full read',
      },
    ],
    merge: rateFigures('merge', mergeT, volume),
    rawConcat: rateFigures('concat', concatT, volume),
    rawCopy: rateFigures('copy', copyT, volume),
    toRawConcat: timeRatio(mergeT, concatT),
    toRawCopy: timeRatio(mergeT, copyT),
    target: 2,
    pass: false,
    requests: { getObjects: 50, getObjectMs: 800, uploadRequests: 11, uploadMs: 1700 },
    mergedBytes: 63_000_000,
    sizeRatio: 63 / 72,
    lastReport: {
      outcome: 'merged',
      variables: 1,
      samples: 5_000_000,
      segments: 50,
      bytes: 63_000_000,
      quietWaitMs: 0,
      damaged: [],
    },
  };
  const mergeJob = jobFigure('merge', '20 variables × 50,000 samples', [2000, 2200, 1800]);
  const jobs: JobsResults = {
    plan: {
      rounds: 3,
      batchSamples: 1000,
      flush: { variables: 8, samplesPerVariable: 10_000 },
      merge: { variables: 20, samplesPerVariable: 50_000, segments: 5 },
      observe: { runs: 100, looksPerRound: 200 },
    },
    figures: [
      jobFigure('flush', '8 variables × 10,000 samples', [150, 160, 140]),
      mergeJob,
      withWait(mergeJob, 'merge', 1000, '+ 1,000 ms'),
      jobFigure('observe', 'one look', [1.1, 1.0, 1.2]),
    ],
    flush: { textBytes: 3_100_000, storedBytes: 1_200_000, segments: 8 },
    merge: { layout: { ...layout, variables: [], segments: 5 }, mergedBytes: 12_000_000 },
    observe: {
      intervalMs: 10,
      rounds: [{ looks: 200, medianMs: 1.1, looksPerSecond: 880 }],
      medianLooksPerSecond: 880,
      outcomes: { changed: 100, unchanged: 720 },
      failedJobs: 0,
    },
  };
  const table = formatReport(benchResults(['merge', 'jobs'], 200, { merge, jobs }));

  it('shows the merge against both raw copies, as time ratios with the target', () => {
    expect(table).toMatch(
      /5,000,000 samples of one variable in 50 segments \(72\.0 MB gzip'd, 200\.0 MB text\)/,
    );
    // 5 M samples in 10 s; 200 MB text and 72 MB gz in 10 s.
    expect(table).toMatch(
      /Merger\.merge .* 10\.000 s +500,000 +20\.0 +7\.2 +bench 95%, s3rver 10%/,
    );
    expect(table).toMatch(/raw GET each → one multipart upload +2\.000 s +2,500,000/);
    expect(table).toMatch(/merge \/ raw multipart copy, time: 5\.00× .*target ≤ 2\.00×: FAIL/);
    expect(table).toMatch(/merge \/ raw GET \+ PUT each, time: 4\.00×/);
    expect(table).toMatch(
      /merged object 63\.0 MB \(the segments' gzip members, joined\) vs the segments' 72\.0 MB: 87\.5 %/,
    );
    expect(table).toMatch(/read in full, exactly seqs 1\.\.5,000,000/);
  });

  it('shows the job times as a table with jobs per minute', () => {
    expect(table).toMatch(/\| flush +\| 8 variables × 10,000 samples +\| +150 \| +400 \|/);
    expect(table).toMatch(/\| merge +\| 20 variables × 50,000 samples +\| +2,000 \| +30 \|/);
    expect(table).toMatch(/\| merge \(computed: \+ 1,000 ms\) +\| .* +3,000 \| +20 \|/);
    expect(table).toMatch(/\| observe +\| one look +\| +1\.10 \| +54,545 \|/);
    expect(table).toMatch(/interval 10 ms; looks by outcome: changed 100, unchanged 720/);
    expect(table).toMatch(
      /880 looks\/s = 52,800 looks\/min, a mean look of 1\.14 ms \(median look 1\.10 ms\)/,
    );
  });
});
