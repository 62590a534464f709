/**
 * Figures of the flush and snapshot phases, from timed rounds. Pure. Each
 * round moves the same data (the same samples, bytes and objects) through a
 * subject and its baselines, so rates compare as inverse times.
 */
import { median } from './stats';

/** Bytes per MB in every MB/s figure (decimal, as network and disk rates are quoted). */
export const MB = 1_000_000;

/** The snapshot phase's subject and its raw baselines. */
export type SnapshotSubject = 'tiered' | 'rawGet' | 'rawGunzip' | 'rawParse';

export const SNAPSHOT_SUBJECTS: readonly SnapshotSubject[] = [
  'tiered',
  'rawGet',
  'rawGunzip',
  'rawParse',
];

export const SNAPSHOT_LABELS: Record<SnapshotSubject, string> = {
  tiered: 'TieredHistory.chunks',
  rawGet: 'raw GetObject + LRANGE',
  rawGunzip: 'raw GetObject + gunzip + LRANGE',
  rawParse: 'raw GET + gunzip + JSON.parse + LRANGE',
};

/** What one timed pass moved. The same in every round of a phase. */
export interface Volume {
  samples: number;
  /** Chunk text (uncompressed NDJSON lines / Redis list entries), in bytes. */
  textBytes: number;
  /** Bytes as stored: the gzip'd segment objects (plus, for reads, Redis text). */
  storedBytes: number;
  /** S3 objects written or read. */
  objects: number;
}

/** One timed pass of one subject. */
export interface Timing {
  seconds: number;
  /** Until the first piece came out (first chunk, first byte), in ms; reads only. */
  firstMs?: number;
  /** Share of one core per process during the pass, in percent. */
  cpuPercent: Record<string, number>;
}

/** A subject's medians over rounds. */
export interface RateFigures {
  label: string;
  medianSeconds: number;
  samplesPerSecond: number;
  /** Uncompressed chunk text moved, MB/s (MB = 10^6 bytes). */
  textMBps: number;
  /** Stored (gzip'd) bytes moved, MB/s. */
  storedMBps: number;
  medianFirstMs?: number;
  /** Median per process. */
  cpuPercent: Record<string, number>;
}

/** How a subject compares with a baseline that moved the same data in the same rounds. */
export interface RateRatio {
  /** Median rate of the subject over the baseline's (1.0: as fast). */
  ratio: number;
  /** Median of the per-round ratios (each round's passes ran back to back). */
  medianRoundRatio: number;
}

export function rateFigures(
  label: string,
  timings: readonly Timing[],
  volume: Volume,
): RateFigures {
  if (timings.length === 0) throw new RangeError(`${label}: no rounds`);
  const rate = (bytes: number): number => median(timings.map((t) => bytes / t.seconds));
  const firsts = timings.flatMap((t) => (t.firstMs === undefined ? [] : [t.firstMs]));
  const processes = new Set(timings.flatMap((t) => Object.keys(t.cpuPercent)));
  const cpuPercent: Record<string, number> = {};
  for (const name of processes) {
    const values = timings.flatMap((t) => {
      const v = t.cpuPercent[name];
      return v === undefined ? [] : [v];
    });
    if (values.length > 0) cpuPercent[name] = median(values);
  }
  return {
    label,
    medianSeconds: median(timings.map((t) => t.seconds)),
    samplesPerSecond: rate(volume.samples),
    textMBps: rate(volume.textBytes) / MB,
    storedMBps: rate(volume.storedBytes) / MB,
    ...(firsts.length > 0 ? { medianFirstMs: median(firsts) } : {}),
    cpuPercent,
  };
}

/** `subject` against `baseline`, round i of one against round i of the other. */
export function rateRatio(subject: readonly Timing[], baseline: readonly Timing[]): RateRatio {
  if (subject.length === 0 || subject.length !== baseline.length)
    throw new RangeError(
      `need the same number of rounds, got ${subject.length} and ${baseline.length}`,
    );
  const perRound = subject.map((s, i) => (baseline[i] as Timing).seconds / s.seconds);
  return {
    ratio: median(subject.map((t) => 1 / t.seconds)) / median(baseline.map((t) => 1 / t.seconds)),
    medianRoundRatio: median(perRound),
  };
}

/** How much longer a subject took than a baseline that moved the same bytes (1.0: as long). */
export interface TimeRatio {
  /** Median time of the subject over the baseline's median time. */
  ratio: number;
  /** Median of the per-round time ratios (each round's passes ran back to back). */
  medianRoundRatio: number;
}

/** `subject`'s time over `baseline`'s, round i of one against round i of the other. */
export function timeRatio(subject: readonly Timing[], baseline: readonly Timing[]): TimeRatio {
  if (subject.length === 0 || subject.length !== baseline.length)
    throw new RangeError(
      `need the same number of rounds, got ${subject.length} and ${baseline.length}`,
    );
  return {
    ratio: median(subject.map((t) => t.seconds)) / median(baseline.map((t) => t.seconds)),
    medianRoundRatio: median(subject.map((s, i) => s.seconds / (baseline[i] as Timing).seconds)),
  };
}

/** The first seq, count and last seq of chunks as they stream by; where they stop being 1, 2, 3… */
export class SeqTally {
  next: number;
  chunks = 0;
  samples = 0;
  problem: string | undefined;

  constructor(readonly from = 1) {
    this.next = from;
  }

  /** Adds a chunk of `length` samples whose first seq is `first`. */
  add(first: number, length: number): void {
    this.chunks++;
    this.samples += length;
    if (this.problem === undefined && first !== this.next)
      this.problem = `chunk ${this.chunks} starts at seq ${first}, seq ${this.next} was due`;
    this.next = first + length;
  }

  /** Undefined when exactly `from`..`last` came, each once, in order. */
  check(last: number): string | undefined {
    if (this.problem !== undefined) return this.problem;
    if (this.next !== last + 1 || this.samples !== last - this.from + 1)
      return `${this.samples} samples ending at seq ${this.next - 1}, expected ${this.from}..${last}`;
    return undefined;
  }
}
