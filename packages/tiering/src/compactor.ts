import { PIECE_MAX_SAMPLES, type ColdStore, type SegmentInfo } from '@runstream/cold-store';
import type { HotStore } from '@runstream/hot-store';
import { mapWithConcurrency } from './bounded-concurrency';
import { joinedMembers, ObjectChangedError, planJoin } from './object-join';
import { compactFraction, type CompactProgress } from './progress';
import { segmentChain } from './segment-chain';

/** Why a compaction runs: a flush left a variable of the run with too many segments. */
export type CompactReason = 'segments';

/** Where a crash test may stop a compaction. */
export type CompactPoint = 'mid-upload' | 'after-upload' | 'mid-delete';

export interface CompactOptions {
  reason?: CompactReason;
  /** Segments joined into one (COMPACT_FANIN); also the base of the size classes. */
  fanIn: number;
  /**
   * A variable holding more segments than this (COMPACT_SEGMENTS) after the
   * size-tiered joins has its cheapest runs of `fanIn` joined too.
   */
  maxSegments: number;
  /** Variables compacted at once. */
  concurrency?: number;
  /** Fault injection for crash tests; never set in production. */
  probe?: (point: CompactPoint, variable: string) => Promise<void> | void;
  /** Called after each variable and once at the end. Must not throw; it is not awaited. */
  onProgress?: (progress: CompactProgress) => void;
}

export interface CompactReport {
  reason: CompactReason;
  /** `not-running`: the run is completing or completed (its merge folds the segments), or unknown. */
  outcome: 'compacted' | 'not-running';
  variables: number;
  /** Segments written, each joining `fanIn` others. */
  written: number;
  /** Segments joined into those (and deleted). */
  joined: number;
  /** Segments an earlier compaction cut off had left inside its output, deleted now. */
  covered: number;
  /** Variables left for the next compaction: an input was not as listed (being written). */
  changed: number;
  /** Bytes of the segments written. */
  bytes: number;
}

/** A run of consecutive segments of the chain to join: chain[start..end). */
interface Window {
  start: number;
  end: number;
}

/**
 * Keeps a running variable's segments few (docs/read-path.md,
 * "Compaction"): every flush adds one, and a long run under steady pressure
 * would collect thousands, each one more object to list and open on every
 * read. Size-tiered, as LSM stores compact: `fanIn` neighbouring segments
 * of one size class (⌊log_fanIn(samples / PIECE_MAX_SAMPLES)⌋) are joined
 * into one segment named by their union's range, so a sample is rewritten
 * O(log n) times and a variable holds O(fanIn · log n) segments. Where size
 * classes alternate so that no `fanIn` neighbours share one, and the
 * variable still holds more than `maxSegments`, the `fanIn` neighbours with
 * the fewest bytes are joined.
 *
 * A join copies its inputs' stored bytes (pieces as they are, no
 * decompression) into its output, whose index — pieces shifted, pyramids
 * joined — is written before the output appears, then deletes the inputs.
 * Killed anywhere, it leaves the inputs (and at most an index object
 * without its data object, which nothing reads and a retry overwrites), or
 * the inputs and the output: readers and the merge take at each seq the
 * listed segment that starts there and reaches furthest, so they read the
 * output and pass the inputs over, and the next compaction deletes
 * segments that lie inside another listed one.
 *
 * Beside a merge: a compaction works on running runs only (a completing
 * run's segments are its merge's), checked before each join. One that
 * started before the run began completing may still join while the merge
 * runs; both only copy, the merge takes at each seq the segment reaching
 * furthest, and each deletes only segments that something complete and
 * listed holds (the compaction its inputs, after its output is written; the
 * merge any segment of the run, once its merged object holds 1..count). So
 * nothing is lost: a merge that finds an input gone fails and is retried,
 * and an output written after the merge's last listing stays behind as a
 * redundant segment (its samples are in the merged object too).
 */
export class Compactor {
  constructor(
    private readonly hot: HotStore,
    private readonly cold: ColdStore,
  ) {}

  async compact(run: string, options: CompactOptions): Promise<CompactReport> {
    if (!Number.isInteger(options.fanIn) || options.fanIn < 2)
      throw new RangeError(`fanIn must be an integer >= 2: ${options.fanIn}`);
    const report: CompactReport = {
      reason: options.reason ?? 'segments',
      outcome: 'compacted',
      variables: 0,
      written: 0,
      joined: 0,
      covered: 0,
      changed: 0,
      bytes: 0,
    };
    if (!(await this.running(run))) {
      report.outcome = 'not-running';
      options.onProgress?.(progressOf(report, 0, 0));
      return report;
    }
    const variables = await this.hot.reader.variables(run);
    let done = 0;
    options.onProgress?.(progressOf(report, done, variables.length));
    await mapWithConcurrency(variables, options.concurrency ?? 2, async ({ name }) => {
      await this.compactVariable(run, name, options, report);
      options.onProgress?.(progressOf(report, ++done, variables.length));
    });
    report.variables = variables.length;
    return report;
  }

  private async running(run: string): Promise<boolean> {
    return (await this.hot.runs.get(run))?.status === 'running';
  }

  private async compactVariable(
    run: string,
    variable: string,
    options: CompactOptions,
    report: CompactReport,
  ): Promise<void> {
    // A segment listed with no bytes is one a flush is writing (a filesystem-backed
    // server may list an object before it is whole; S3 never does): not one to join.
    const listed = (await this.cold.listSegments(run, variable)).filter((s) => s.size > 0);
    const { chain, covered } = segmentChain(listed);
    if (covered.length > 0 && (await this.running(run))) {
      // Each lies inside a listed segment, which is complete (S3 shows an object whole).
      await this.cold.deleteDataObjects(covered.map((s) => s.key));
      report.covered += covered.length;
    }
    for (;;) {
      const window = nextWindow(chain, options.fanIn, options.maxSegments);
      if (window === undefined || !(await this.running(run))) return;
      const inputs = chain.slice(window.start, window.end);
      let output: SegmentInfo;
      try {
        output = await this.join(run, variable, inputs, options);
      } catch (err) {
        // Nothing was written (the upload is aborted): the next compaction lists again.
        if (!(err instanceof ObjectChangedError)) throw err;
        report.changed++;
        return;
      }
      chain.splice(window.start, inputs.length, output);
      report.written++;
      report.joined += inputs.length;
      report.bytes += output.size;
    }
  }

  /** Writes the segment joining `inputs` (its index before it appears), then deletes them. */
  private async join(
    run: string,
    variable: string,
    inputs: SegmentInfo[],
    options: CompactOptions,
  ): Promise<SegmentInfo> {
    const plan = planJoin(
      this.cold,
      inputs.map((object) => ({ object })),
    );
    const half = Math.floor(inputs.length / 2);
    const members = joinedMembers(this.cold, plan, async (i) => {
      if (i === half) await options.probe?.('mid-upload', variable);
    });
    const output = await this.cold.putJoinedSegment(
      run,
      variable,
      plan.first,
      plan.last,
      members,
      plan.index,
    );
    await options.probe?.('after-upload', variable);
    const keys = inputs.map((s) => s.key);
    await this.cold.deleteDataObjects(keys.slice(0, half));
    await options.probe?.('mid-delete', variable);
    await this.cold.deleteDataObjects(keys.slice(half));
    return output;
  }
}

function progressOf(report: CompactReport, done: number, variables: number): CompactProgress {
  const { written, joined, covered, bytes } = report;
  return {
    fraction: compactFraction(done, variables),
    variablesCompacted: done,
    variables,
    written,
    joined,
    covered,
    bytes,
  };
}

/**
 * The size class of a segment of `samples` samples: ⌊log_base(samples /
 * PIECE_MAX_SAMPLES)⌋ (negative below one piece), without floating-point
 * logarithms.
 */
export function sizeClass(samples: number, base: number): number {
  let bound = PIECE_MAX_SAMPLES;
  let k = 0;
  if (samples >= bound) {
    while (samples >= bound * base) {
      bound *= base;
      k++;
    }
    return k;
  }
  while (samples < bound) {
    bound /= base;
    k--;
  }
  return k;
}

/**
 * The next segments to join: the oldest `fanIn` neighbours (each starting
 * right after the one before) of one size class; else, while the chain is
 * longer than `maxSegments`, the `fanIn` neighbours with the fewest bytes.
 */
export function nextWindow(
  chain: readonly SegmentInfo[],
  fanIn: number,
  maxSegments: number,
): Window | undefined {
  const adjacent = (i: number): boolean => chain[i]!.last + 1 === chain[i + 1]!.first;
  const classOf = (s: SegmentInfo): number => sizeClass(s.last - s.first + 1, fanIn);
  let cheapest: (Window & { bytes: number }) | undefined;
  let runStart = 0;
  for (let i = 0; i < chain.length; i++) {
    if (i > runStart && !adjacent(i - 1)) runStart = i;
    if (i - runStart + 1 < fanIn) continue;
    const start = i - fanIn + 1;
    const window = chain.slice(start, i + 1);
    const cls = classOf(window[0]!);
    if (window.every((s) => classOf(s) === cls)) return { start, end: i + 1 };
    const bytes = window.reduce((n, s) => n + s.size, 0);
    if (cheapest === undefined || bytes < cheapest.bytes) cheapest = { start, end: i + 1, bytes };
  }
  if (cheapest === undefined || chain.length <= maxSegments) return undefined;
  return { start: cheapest.start, end: cheapest.end };
}
