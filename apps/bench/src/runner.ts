/**
 * The one schedule every phase runs on, and the figures it yields. A phase
 * declares its subjects (a server under load, a raw baseline, a layout of
 * the same data…); the runner warms each up once, then runs `rounds`
 * rounds, each passing over every subject, the starting subject rotated
 * round by round so that none always goes first and a noisy spell on the
 * machine hits every subject alike. A figure is the median over rounds; a
 * comparison is the median of per-round ratios to the baseline subject
 * (round i of each ran back to back).
 */
import { median } from './stats';

/** One thing a phase measures each round. */
export interface Subject<R> {
  name: string;
  /** The subject the others are compared with (the first one when none says so). */
  baseline?: true;
  /** One measured pass; `round` is 1-based (0 for the warm-up pass). */
  measure: (round: number) => Promise<R>;
  /** The warm-up before round 1: one unmeasured `measure(0)` unless given, none when false. */
  warmUp?: (() => Promise<unknown>) | false;
  /** The progress line of one pass (after the subject's name). */
  describe?: (result: R) => string;
}

/** The subjects' indexes in the order round `round` (1-based) runs them: rotated by one each round. */
export function roundOrder(count: number, round: number): number[] {
  return Array.from({ length: count }, (_, i) => (i + round - 1) % count);
}

/** Each subject's results, round by round, in the order of `subjects`. */
export async function runRounds<R>(
  subjects: readonly Subject<R>[],
  rounds: number,
  log: (line: string) => void,
): Promise<R[][]> {
  const width = Math.max(...subjects.map((s) => s.name.length));
  const line = (label: string, s: Subject<R>, r: R): void =>
    log(`  ${label} ${s.name.padEnd(width)} ${s.describe?.(r) ?? ''}`.trimEnd());
  for (const s of subjects) {
    if (s.warmUp === false) continue;
    if (s.warmUp === undefined) line('warm-up  ', s, await s.measure(0));
    else {
      log(`  warm-up   ${s.name}`);
      await s.warmUp();
    }
  }
  const out = subjects.map((): R[] => []);
  for (let round = 1; round <= rounds; round++)
    for (const i of roundOrder(subjects.length, round)) {
      const s = subjects[i] as Subject<R>;
      const r = await s.measure(round);
      out[i]?.push(r);
      line(`round ${round}/${rounds}`, s, r);
    }
  return out;
}

/** A bound on a figure: rates and shares `atLeast`, times `below` or `atMost`. */
export type Target = { atLeast: number } | { atMost: number } | { below: number };

export function meets(value: number, target: Target): boolean {
  if ('atLeast' in target) return value >= target.atLeast;
  return 'atMost' in target ? value <= target.atMost : value < target.below;
}

/** One row of a phase's table: a subject's figure over the rounds, and how it compares. */
export interface Figure {
  subject: string;
  /** What is measured, with its unit: `samples/s`, `p99 ms`, `s`, `µs/sample`. */
  figure: string;
  perRound: number[];
  median: number;
  /** Median of per-round ratios subject / baseline (same figure, same rounds). */
  ratio?: { to: string; perRound: number[]; median: number };
  /** `≥ 85 %`, `< 10 ms`: what the figure (or its ratio) should be, and whether it is. */
  target?: string;
  met?: boolean;
}

/** The median of per-round ratios of `subject` over `baseline`. */
export function roundRatio(
  subject: readonly number[],
  baseline: readonly number[],
): { perRound: number[]; median: number } {
  if (subject.length === 0 || subject.length !== baseline.length)
    throw new RangeError(
      `need the same number of rounds, got ${subject.length} and ${baseline.length}`,
    );
  const perRound = subject.map((s, i) => s / (baseline[i] as number));
  return { perRound, median: median(perRound) };
}

/** How a target reads in the tables; a ratio target on a rate reads as a share. */
/** `unit`: `share` (a ratio of rates, in %), `times` (a ratio of times), or the figure's own unit. */
export function fmtTarget(target: Target, unit: string): string {
  const [op, x] =
    'atLeast' in target
      ? ['≥', target.atLeast]
      : 'atMost' in target
        ? ['≤', target.atMost]
        : ['<', target.below];
  if (unit === 'share') return `${op} ${(x * 100).toFixed(0)} %`;
  if (unit === 'times') return `${op} ${x}×`;
  return `${op} ${x} ${unit}`;
}

export interface FigureSpec<R> {
  /** Column text: what and unit. */
  figure: string;
  value: (result: R) => number;
  /** Ratios to the baseline subject: omitted where the baseline measures something else. */
  ratios?: boolean;
  /** Targets by subject name; `on: 'ratio'` judges the ratio to the baseline (as a share). */
  targets?: Record<string, { on: 'median' | 'ratio'; target: Target; unit: string }>;
}

/**
 * One figure of every subject from the runner's results: medians over
 * rounds, medians of per-round ratios to the baseline, targets judged.
 */
export function figures<R>(
  subjects: readonly Pick<Subject<R>, 'name' | 'baseline'>[],
  results: readonly R[][],
  spec: FigureSpec<R>,
): Figure[] {
  const values = results.map((rs) => rs.map(spec.value));
  const b = Math.max(
    0,
    subjects.findIndex((s) => s.baseline === true),
  );
  const baseline = subjects[b];
  return subjects.map((s, i) => {
    const perRound = values[i] ?? [];
    const f: Figure = { subject: s.name, figure: spec.figure, perRound, median: median(perRound) };
    if (spec.ratios === true && i !== b && baseline !== undefined)
      f.ratio = { to: baseline.name, ...roundRatio(perRound, values[b] ?? []) };
    const t = spec.targets?.[s.name];
    if (t !== undefined) {
      const judged = t.on === 'ratio' ? f.ratio?.median : f.median;
      f.target = fmtTarget(t.target, t.unit);
      f.met = judged !== undefined && meets(judged, t.target);
    }
    return f;
  });
}

/**
 * `subject`'s row of `rows` compared with another subject's row of the same
 * figure instead of the baseline (e.g. ingest's binary body with its JSON).
 */
export function versus(
  rows: readonly Figure[],
  subject: string,
  to: string,
  target?: { target: Target; unit: string },
): Figure {
  const find = (name: string): Figure => {
    const row = rows.find((r) => r.subject === name);
    if (row === undefined) throw new Error(`no figure of ${name}`);
    return row;
  };
  const s = find(subject);
  const ratio = roundRatio(s.perRound, find(to).perRound);
  return {
    subject: s.subject,
    figure: s.figure,
    perRound: s.perRound,
    median: s.median,
    ratio: { to, ...ratio },
    ...(target === undefined
      ? {}
      : { target: fmtTarget(target.target, target.unit), met: meets(ratio.median, target.target) }),
  };
}
