/**
 * What the read phases share: issue 12's targets and their rows. A round's
 * value of a subject is the median of its requests in that round; a figure
 * is the median over rounds, and a comparison the median of per-round
 * ratios (subject and baseline ran back to back in each round). Pure.
 */
import { fmtTarget as fmtAnyTarget, meets, roundRatio, type Figure, type Target } from './runner';
import { median } from './stats';

/** `1.2 MB`, `35.0 kB`: sizes of answers and objects (decimal units). */
export const fmtBytes = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;

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
 * A read phase's row: a subject's values round by round and their median
 * and, with `vs`, the median of per-round ratios to another subject's
 * values in the same rounds, judged against a target.
 */
export function roundsRow(
  subject: string,
  figure: string,
  perRound: readonly number[],
  vs?: { to: string; baseline: readonly number[]; target?: Target },
): Figure {
  const row: Figure = { subject, figure, perRound: [...perRound], median: median(perRound) };
  if (vs === undefined) return row;
  row.ratio = { to: vs.to, ...roundRatio(perRound, vs.baseline) };
  if (vs.target !== undefined) {
    row.target = fmtTarget(vs.target);
    row.met = meets(row.ratio.median, vs.target);
  }
  return row;
}

/** Many subscribers that started together: the median one's time to its end, and the slowest's. */
export function crowdTimes(doneMs: readonly number[]): { medianMs: number; maxMs: number } {
  if (doneMs.length === 0) throw new RangeError('no subscribers');
  return { medianMs: median(doneMs), maxMs: Math.max(...doneMs) };
}
