import type { CpuMeter } from './cpu-usage';
import { interleavedRounds } from './interleaved-rounds';
import { assertAllAnswered, type LoadGenerator } from './load-generator';
import { LABEL_WIDTH, fmtInt } from './format';
import { median } from './stats';

/** One server and the generator aimed at it. */
export interface ThroughputSubject {
  label: string;
  generator: Pick<LoadGenerator, 'closedLoop' | 'samplesPerRequest'>;
  cpu: CpuMeter;
  /**
   * Runs after the warm-up and after every round, outside the measured time,
   * with how many requests were answered (e.g. to check and clear what the
   * server stored). A rejection fails the benchmark.
   */
  afterLoad?: (answered: number) => Promise<void>;
}

export interface ThroughputRound {
  round: number;
  samplesPerSecond: number;
  requestsPerSecond: number;
  /** Share of one core per process during the round, in percent. */
  cpuPercent: Record<string, number>;
}

export interface ThroughputFigures {
  label: string;
  rounds: ThroughputRound[];
  medianSamplesPerSecond: number;
  medianRequestsPerSecond: number;
}

export interface ThroughputPlan {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

/**
 * Closed-loop throughput of each subject, rounds interleaved (A, B, C, A, B, C…) so
 * that a noisy spell on the machine hits every subject alike; each figure is
 * the median over rounds. A failed request fails the benchmark: a figure
 * that includes errors measures the wrong thing.
 */
export async function measureThroughput(
  subjects: ThroughputSubject[],
  plan: ThroughputPlan,
  log: (line: string) => void,
): Promise<ThroughputFigures[]> {
  const rounds = await interleavedRounds(
    subjects,
    plan,
    async (s) => {
      log(`  warm-up ${s.label} (${plan.warmupSeconds} s)`);
      const warmup = assertAllAnswered(
        s.label,
        await s.generator.closedLoop(plan.connections, plan.warmupSeconds * 1000),
      );
      await s.afterLoad?.(warmup.ok);
    },
    async (s, round) => {
      s.cpu.start();
      const result = assertAllAnswered(
        s.label,
        await s.generator.closedLoop(plan.connections, plan.seconds * 1000),
      );
      const cpuPercent = s.cpu.stop();
      await s.afterLoad?.(result.ok);
      const requestsPerSecond = (result.ok / result.elapsedMs) * 1000;
      const r: ThroughputRound = {
        round,
        requestsPerSecond,
        samplesPerSecond: requestsPerSecond * s.generator.samplesPerRequest,
        cpuPercent,
      };
      const cpu = Object.entries(cpuPercent)
        .map(([name, pct]) => `${name} ${pct}%`)
        .join(', ');
      log(
        `  round ${round}/${plan.rounds} ${s.label.padEnd(LABEL_WIDTH)} ${fmtInt(r.samplesPerSecond).padStart(11)} samples/s ` +
          `${fmtInt(r.requestsPerSecond).padStart(7)} req/s   cpu: ${cpu}`,
      );
      return r;
    },
  );

  return subjects.map((s, i) => {
    const rs = rounds[i] ?? [];
    return {
      label: s.label,
      rounds: rs,
      medianSamplesPerSecond: median(rs.map((r) => r.samplesPerSecond)),
      medianRequestsPerSecond: median(rs.map((r) => r.requestsPerSecond)),
    };
  });
}
