import type { LatencyFigures } from './latency-phase';
import { formatReport, throughputRatio, type BenchResults } from './report';
import { summarize } from './stats';
import type { ThroughputFigures } from './throughput-phase';

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
    const results: BenchResults = {
      startedAt: '2026-01-01T00:00:00.000Z',
      durationSeconds: 100,
      machine: { cpus: 2, cpuModel: 'test', node: 'v20' },
      settings: {
        rounds: 1,
        seconds: 4,
        warmupSeconds: 2,
        connections: 16,
        batch: { variables: 10, samplesPerVariable: 100 },
        bodyBytes: 38_696,
      },
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
    };
    const table = formatReport(results);
    expect(table).toMatch(/bare \+ Redis: .* 2,000,000 +2,000 +bare 100%, redis 40%, loadgen 30%/);
    expect(table).toMatch(/ingest \/ bare: +50\.0 % .*target ≥ 85\.0 %: FAIL/);
    expect(table).toMatch(/ingest \/ bare \+ Redis: 75\.0 % .*bare \+ Redis \/ bare: 66\.7 %/);
    expect(table).toMatch(/bare \+ Redis: RPUSH, then emit/);
  });
});
