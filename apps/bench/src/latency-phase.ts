import type { LatencyProbe } from './latency-probe';
import { interleavedRounds } from './interleaved-rounds';
import { assertAllAnswered, type LoadGenerator } from './load-generator';
import { median, summarize, type Distribution } from './stats';
import { LABEL_WIDTH, fmtMs } from './format';

/** One server, a generator aimed at it and a subscriber to the stamped variable. */
export interface LatencySubject {
  label: string;
  generator: LoadGenerator;
  probe: LatencyProbe;
  /** As for throughput: after the warm-up and every round, outside the measured time. */
  afterLoad?: (answered: number) => Promise<void>;
}

export interface LatencyRound {
  round: number;
  sent: number;
  received: number;
  latencyMs: Distribution;
  /**
   * How long after the last scheduled send the last answer came. More than a
   * few ms means the server could not keep up with the rate during the round
   * (on this machine: a spell of noise), and queueing dominates its latencies.
   */
  behindMs: number;
}

export interface LatencyFigures {
  label: string;
  ratePerSecond: number;
  rounds: LatencyRound[];
  /** Over every event of every round: one bad round dominates its tail. */
  overallMs: Distribution;
  /** The headline: robust to one round spoilt by machine noise. */
  medianRoundP50Ms: number;
  medianRoundP99Ms: number;
  sent: number;
  received: number;
  /** How late the pacer sent against its schedule (load-generator jitter, not the server's). */
  pacerLagMs: Distribution;
}

export interface LatencyPlan {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  ratePerSecond: number;
}

/** A round whose last answer came this much after the schedule ended is flagged as fallen behind. */
const BEHIND_NOTE_MS = 50;

/** After the last answer, how long the subscriber may take to get the last events. */
const DRAIN_TIMEOUT_MS = 2_000;

/**
 * Open-loop load at a fixed rate, each body stamped with its send time; the
 * probe records receipt − send for every live event. Rounds interleaved across
 * subjects, as for throughput.
 */
export async function measureLatency(
  subjects: LatencySubject[],
  plan: LatencyPlan,
  log: (line: string) => void,
): Promise<LatencyFigures[]> {
  const rate = `${Math.round(plan.ratePerSecond)} req/s`;
  const rounds = await interleavedRounds(
    subjects,
    plan,
    async (s) => {
      log(`  warm-up ${s.label} (${plan.warmupSeconds} s at ${rate})`);
      await runRound(s, plan, plan.warmupSeconds);
    },
    async (s, round) => {
      const { sent, received, latencies, lagMs, behindMs } = await runRound(s, plan, plan.seconds);
      if (latencies.length === 0) throw new Error(`${s.label}: the subscriber received nothing`);
      const latencyMs = summarize(latencies);
      log(
        `  round ${round}/${plan.rounds} ${s.label.padEnd(LABEL_WIDTH)} p50 ${fmtMs(latencyMs.p50)}  p99 ${fmtMs(latencyMs.p99)}  ` +
          `max ${fmtMs(latencyMs.max)}  (${received}/${sent} events)` +
          (behindMs > BEHIND_NOTE_MS
            ? `  fell behind: last answer ${Math.round(behindMs)} ms late`
            : ''),
      );
      const r: LatencyRound = { round, sent, received, latencyMs, behindMs };
      return { round: r, latencies, lagMs };
    },
  );

  return subjects.map((s, i) => {
    const passes = rounds[i] ?? [];
    const rs = passes.map((p) => p.round);
    return {
      label: s.label,
      ratePerSecond: plan.ratePerSecond,
      rounds: rs,
      overallMs: summarize(passes.flatMap((p) => p.latencies)),
      medianRoundP50Ms: median(rs.map((r) => r.latencyMs.p50)),
      medianRoundP99Ms: median(rs.map((r) => r.latencyMs.p99)),
      sent: rs.reduce((n, r) => n + r.sent, 0),
      received: rs.reduce((n, r) => n + r.received, 0),
      pacerLagMs: summarize(passes.flatMap((p) => p.lagMs)),
    };
  });
}

async function runRound(
  s: LatencySubject,
  plan: LatencyPlan,
  seconds: number,
): Promise<{
  sent: number;
  received: number;
  latencies: number[];
  lagMs: number[];
  behindMs: number;
}> {
  s.probe.take();
  const before = s.probe.count;
  const result = assertAllAnswered(
    s.label,
    await s.generator.openLoop(plan.ratePerSecond, seconds * 1000, { stamp: true }),
  );
  // Ingest emits before it answers, but delivery to the subscriber can trail the answer.
  await s.probe.waitForCount(before + result.ok, DRAIN_TIMEOUT_MS);
  await s.afterLoad?.(result.ok);
  return {
    sent: result.ok,
    received: s.probe.count - before,
    latencies: s.probe.take(),
    lagMs: result.lagMs,
    behindMs: Math.max(0, result.elapsedMs - seconds * 1000),
  };
}
