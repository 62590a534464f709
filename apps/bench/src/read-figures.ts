/**
 * Figures of the read phases, from timed rounds. Pure. A round's value of a
 * subject is the median of its requests in that round; a figure is the
 * median over rounds, and a comparison the median of per-round ratios
 * (subject and baseline ran back to back in each round, so a noisy spell
 * hits both).
 */
import { median } from './stats';

/** A subject's value in each round and their median. */
export interface RoundsFigure {
  /** One value per round (ms, or a rate), in round order. */
  rounds: number[];
  median: number;
}

export function roundsFigure(rounds: readonly number[]): RoundsFigure {
  return { rounds: [...rounds], median: median(rounds) };
}

/** Subject over baseline, round by round. */
export interface RoundRatio {
  /** Median of the per-round ratios: the figure targets are about. */
  ratio: number;
  perRound: number[];
}

/** `subject[i] / baseline[i]` for each round i, and their median. */
export function roundRatio(subject: readonly number[], baseline: readonly number[]): RoundRatio {
  if (subject.length === 0 || subject.length !== baseline.length)
    throw new RangeError(
      `need the same number of rounds, got ${subject.length} and ${baseline.length}`,
    );
  const perRound = subject.map((s, i) => s / (baseline[i] as number));
  return { ratio: median(perRound), perRound };
}

/** A round ratio, and whether it meets its target. */
export interface JudgedRatio extends RoundRatio {
  pass: boolean;
}

export function judgedRatio(
  subject: readonly number[],
  baseline: readonly number[],
  target: Target,
): JudgedRatio {
  const r = roundRatio(subject, baseline);
  return { ...r, pass: meets(r.ratio, target) };
}

/** A target on a figure: `below` for times, `atMost` for time ratios, `atLeast` for rate ratios. */
export type Target = { below: number } | { atMost: number } | { atLeast: number };

export function meets(value: number, target: Target): boolean {
  if ('below' in target) return value < target.below;
  return 'atMost' in target ? value <= target.atMost : value >= target.atLeast;
}

/** `< 150 ms`, `≤ 1.5×`, `≥ 80 %`: how a target reads in the tables. */
export function fmtTarget(target: Target): string {
  if ('below' in target) return `< ${target.below} ms`;
  if ('atMost' in target) return `≤ ${target.atMost}×`;
  return `≥ ${(target.atLeast * 100).toFixed(0)} %`;
}

/** Issue 12's targets, one per figure. */
export const READ_TARGETS = {
  /** History page ending at the last seq over the page at seq 1, in each tier. */
  reads: { atMost: 1.5 },
  /** Series of a long completed variable, cold read cache and warm, ms. */
  seriesCompleted: { below: 150 },
  /** …of a running one spread over Redis, a transfer key and segments. */
  seriesRunning: { below: 300 },
  /** A variable flushed many times (compacted) over the same samples in few segments. */
  manyFlushes: { atMost: 1.5 },
  /** The slowest of many subscribers joining at once over one alone. */
  subscribers: { atMost: 3 },
  /** One subscriber's snapshot rate over the raw read's. */
  snapshotRaw: { atLeast: 0.8 },
} as const satisfies Record<string, Target>;

/** `met` or `not met`, as the read phases' tables say it. */
export const metOrNot = (met: boolean): string => (met ? 'met' : 'not met');

/**
 * Many subscribers that started together, each one's time to its end:
 * the median subscriber's and the slowest's.
 */
export interface CrowdTimes {
  medianMs: number;
  maxMs: number;
}

export function crowdTimes(doneMs: readonly number[]): CrowdTimes {
  if (doneMs.length === 0) throw new RangeError('no subscribers');
  return { medianMs: median(doneMs), maxMs: Math.max(...doneMs) };
}
