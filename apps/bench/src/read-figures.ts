/**
 * Figures of the read phases, from timed rounds. Pure. A round's value of a
 * subject is the median of its requests in that round; a figure is the
 * median over rounds, and a comparison the median of per-round ratios
 * (subject and baseline ran back to back in each round, so a noisy spell
 * hits both).
 */
import {
  fmtTarget as fmtAnyTarget,
  meets,
  roundRatio as medianOfRoundRatios,
  type Figure,
  type Target,
} from './runner';
import { median } from './stats';

/** `1.2 MB`, `35.0 kB`: sizes of answers and objects (decimal units). */
export const fmtBytes = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;

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
  const r = medianOfRoundRatios(subject, baseline);
  return { ratio: r.median, perRound: r.perRound };
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

/** `< 150 ms`, `≤ 1.5×`, `≥ 80 %`: how a target reads in the tables. */
export function fmtTarget(target: Target): string {
  return fmtAnyTarget(target, 'below' in target ? 'ms' : 'atMost' in target ? 'times' : 'share');
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

/**
 * A read phase's row: a subject's figure over rounds and, with `vs`, its
 * median of per-round ratios to another subject, judged against a target.
 */
export function roundsRow(
  subject: string,
  figure: string,
  f: RoundsFigure,
  vs?: { to: string; ratio: RoundRatio; target?: Target },
): Figure {
  const row: Figure = { subject, figure, perRound: f.rounds, median: f.median };
  if (vs === undefined) return row;
  row.ratio = { to: vs.to, perRound: vs.ratio.perRound, median: vs.ratio.ratio };
  if (vs.target !== undefined) {
    row.target = fmtTarget(vs.target);
    row.met = meets(vs.ratio.ratio, vs.target);
  }
  return row;
}

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
