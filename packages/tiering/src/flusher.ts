import { parseChunkText, type IndexLevelInput } from '@runstream/cold-store';
import {
  fullestOf,
  readMastersMemory,
  readMemory,
  type HotStore,
  type MemoryReading,
  type Transfer,
  type TransferSlice,
} from '@runstream/hot-store';
import { flushFraction, type FlushProgress } from './progress';
import { PyramidBuilder } from './pyramid';
import type { SegmentSink } from './segment-sink';

/**
 * Why a flush runs; carried into its report, and from there into logs and
 * metrics, as Loki names its flushes. What a flush moves depends on its
 * options, not on its reason: the reason says who asked and why.
 * - `pressure`: Redis memory is over FLUSH_THRESHOLD (ingest's memory watch
 *   or the worker's watchdog asked for a flush job);
 * - `drain`: the worker's watchdog flushes by itself at HARD_LIMIT, where
 *   Redis refuses even BullMQ's writes;
 * - `completion`: a merge moves what Redis still holds of its run;
 * - `forced`: asked for by hand (a job added by an operator, a test, the bench);
 * - `age`: the worker's scheduled flush of buffers holding samples older than
 *   allowed (FLUSH_MAX_AGE_S), as Loki's max_age: acknowledged samples do
 *   not stay on Redis's disk alone, however slowly their run writes.
 */
export type FlushReason = 'pressure' | 'drain' | 'completion' | 'forced' | 'age';

/**
 * The steps of one transfer, where a crash test may stop the process:
 * `after-upload` comes after each of its segments (before that slice is
 * trimmed, or the transfer deleted after its last).
 */
export type FlushPoint = 'after-rename' | 'after-upload' | 'before-delete';

/**
 * Text bytes of one segment a flush writes, by default (8 MiB, about 350 000
 * samples): the most of a transfer the worker holds at once (see Flusher).
 */
export const DEFAULT_FLUSH_SEGMENT_BYTES = 8 * 1024 * 1024;

export interface FlusherOptions {
  /**
   * Bytes of chunk text per segment (whole chunks: a segment ends with the
   * chunk that crosses it). Default DEFAULT_FLUSH_SEGMENT_BYTES.
   */
  segmentBytes?: number;
}

/** One segment a flush wrote: a slice of a transfer (all of it, for a small one). */
export interface FlushedSegment {
  run: string;
  variable: string;
  first: number;
  last: number;
  /** Chunk text bytes it holds. */
  bytes: number;
  /** Its place in the transfer's segments (0 for the first this flush wrote of it). */
  index: number;
  /** The transfer's last seq: a segment ending before it leaves more of the transfer to move. */
  transferLast: number;
}

export interface FlushOptions {
  /** Why this flush runs (default `forced`: a direct call outside the app's triggers). */
  reason?: FlushReason;
  /** Stop moving buffers once used/limit is at or below this (e.g. 0.5). */
  lowWater: number;
  /** Memory limit when Redis has no maxmemory (bytes); 0 = none. */
  budgetBytes: number;
  /** Move every buffer regardless of memory (used before a merge). */
  everything?: boolean;
  /**
   * Move, once, every buffer of the runs whose oldest buffered sample was
   * written at least this many ms ago (Redis clock; the run's `dirtySince`),
   * regardless of memory (an age flush).
   */
  olderThanMs?: number;
  /** Only this run's buffers (a merge flushes its own run). */
  run?: string;
  /** Fault injection for crash tests; never set in production. */
  probe?: (point: FlushPoint, transfer: Transfer) => Promise<void> | void;
  /**
   * Called as the flush goes: after each segment it writes, each buffer it
   * moves, and once at the end (fraction 1). Must not throw; it is not awaited.
   */
  onProgress?: (progress: FlushProgress) => void;
  /** Called once each segment is in S3 and dropped from Redis. Must not throw. */
  onSegment?: (segment: FlushedSegment) => void;
}

export interface FlushReport {
  reason: FlushReason;
  /** Transfers left by an earlier, interrupted flush and finished now. */
  resumed: number;
  /** Buffers moved to S3 by this flush. */
  moved: number;
  /** Segments written (a large transfer is written as several). */
  segments: number;
  samples: number;
  bytes: number;
  /** Memory ratio when the flush started and ended. */
  ratioBefore: number;
  ratioAfter: number;
  /** Why it stopped: under the low-water mark, nothing left, or all asked for was done. */
  stoppedBecause: 'low-water' | 'nothing-left' | 'done';
  /**
   * An age flush only: how old the oldest buffered sample it left in Redis
   * is (ms, as it started; 0 when it left none): the runs under its limit.
   */
  oldestKeptMs?: number;
}

/**
 * Runs flushes: the Flusher itself, or one around it that also logs and
 * counts them (the worker's FlushRunner).
 */
export interface FlushExecutor {
  flush(options: FlushOptions): Promise<FlushReport>;
}

/**
 * Moves buffered samples from Redis to S3 segments without stopping writers:
 * for each variable, RENAME its buffer to a fresh transfer key (writers start
 * a new buffer), then, slice by slice from its head (`segmentBytes` of chunk
 * text each), upload the slice as a segment named by its seq range and drop
 * it from the transfer (LTRIM, the transfer's first seq moved past it in the
 * same script); the last slice deletes the transfer key. So the worker holds
 * one slice of a transfer at a time, whatever the variable's size, and
 * Redis frees the transfer as it goes. Transfers an earlier flush left
 * behind are finished first. Each step is idempotent: a slice is trimmed
 * only once its segment is in S3, and a transfer read again (by a retry, or
 * a second flush at once) gives the same slices, so the same segment keys:
 * a flush may be killed anywhere or run twice at once and the data ends up
 * in S3 exactly once.
 */
export class Flusher implements FlushExecutor {
  private readonly segmentBytes: number;

  constructor(
    private readonly hot: HotStore,
    private readonly sink: SegmentSink,
    options: FlusherOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? DEFAULT_FLUSH_SEGMENT_BYTES;
    if (!(this.segmentBytes >= 1)) throw new RangeError('segmentBytes must be at least 1');
  }

  async flush(options: FlushOptions): Promise<FlushReport> {
    const report = await this.move(options);
    options.onProgress?.(progressOf(report, 1));
    return report;
  }

  private async move(options: FlushOptions): Promise<FlushReport> {
    const before = fullestOf(await readMastersMemory(this.hot.redis, options.budgetBytes));
    const report: FlushReport = {
      reason: options.reason ?? 'forced',
      resumed: 0,
      moved: 0,
      segments: 0,
      samples: 0,
      bytes: 0,
      ratioBefore: before.ratio,
      ratioAfter: before.ratio,
      stoppedBecause: 'done',
    };
    const runs = options.run !== undefined ? [options.run] : await this.hot.runs.ids();

    // A progress bar never goes back: memory that writers fill again while
    // this flush runs holds the bar where it was.
    let shown = 0;
    const show = (fraction: number): void => {
      shown = Math.max(shown, fraction);
      options.onProgress?.(progressOf(report, shown));
    };

    for (const run of runs) {
      for (const variable of await this.hot.transfers.pendingVariables(run)) {
        for (const transfer of await this.hot.transfers.transfers(run, variable)) {
          if (await this.finish(transfer, options, report, () => show(shown))) report.resumed++;
        }
      }
    }

    // `everything` (or an age limit) moves what is buffered when the flush
    // starts, once: writers that never stop must not keep a flush running forever.
    const todo = options.everything
      ? await this.allDirty(runs)
      : options.olderThanMs !== undefined
        ? await this.allDirty(await this.agedRuns(runs, options.olderThanMs, report))
        : undefined;
    const total = todo?.length ?? 0;
    /** How far the flush is once `share` (0..1) of the buffer it moves now is in S3. */
    const fractionAt = async (share: number): Promise<number> => {
      if (todo !== undefined)
        return flushFraction({ everything: true, handled: total - todo.length - 1 + share, total });
      // Each slice trimmed frees memory: the reading moves the bar.
      const memory = await readMemory(this.hot.redis, options.budgetBytes);
      report.ratioAfter = memory.ratio;
      return flushFraction({
        everything: false,
        ratioBefore: report.ratioBefore,
        ratio: memory.ratio,
        lowWater: options.lowWater,
      });
    };
    for (;;) {
      const masters = await readMastersMemory(this.hot.redis, options.budgetBytes);
      const memory = fullestOf(masters);
      report.ratioAfter = memory.ratio;
      const fraction =
        todo !== undefined
          ? flushFraction({ everything: true, handled: total - todo.length, total })
          : flushFraction({
              everything: false,
              ratioBefore: report.ratioBefore,
              ratio: memory.ratio,
              lowWater: options.lowWater,
            });
      show(fraction);
      if (todo === undefined && memory.ratio <= options.lowWater) {
        report.stoppedBecause = 'low-water';
        return report;
      }
      const candidate =
        todo !== undefined
          ? todo.shift()
          : await this.largestDirtyOnFullMasters(runs, masters, options.lowWater);
      if (candidate === undefined) {
        report.stoppedBecause = todo !== undefined ? 'done' : 'nothing-left';
        return report;
      }
      const transfer = await this.hot.transfers.begin(candidate.run, candidate.variable);
      if (transfer === undefined) continue; // another flush took it
      await options.probe?.('after-rename', transfer);
      const onSlice = async (share: number): Promise<void> => show(await fractionAt(share));
      if (await this.finish(transfer, options, report, onSlice)) report.moved++;
    }
  }

  /**
   * Uploads one transfer, a segment per slice, trimming each slice once its
   * segment is in S3 and deleting the key after the last; false when it had
   * already gone. `onSlice` is told the share of the transfer done after
   * each slice but the last.
   */
  private async finish(
    transfer: Transfer,
    options: FlushOptions,
    report: FlushReport,
    onSlice: (share: number) => Promise<void> | void,
  ): Promise<boolean> {
    const range = await this.hot.transfers.range(transfer.key);
    if (range === undefined) {
      await this.hot.transfers.end(transfer); // finished by someone else: just tidy the index
      return false;
    }
    const { first, last } = range;
    for (let index = 0; ; index++) {
      const slice = await this.hot.transfers.headSlice(transfer.key, last, this.segmentBytes);
      if (slice === undefined) {
        // Finished by another flush meanwhile (it uploaded the same segments).
        await this.hot.transfers.end(transfer);
        return index > 0;
      }
      await this.sink.putSegment(
        transfer.run,
        transfer.variable,
        slice.texts,
        slice.first,
        slice.last,
        () => pyramidOf(slice, transfer.key),
      );
      await options.probe?.('after-upload', transfer);
      if (slice.more) {
        await this.hot.transfers.trim(transfer, slice);
      } else {
        await options.probe?.('before-delete', transfer);
        await this.hot.transfers.end(transfer);
      }
      report.segments++;
      report.samples += slice.last - slice.first + 1;
      report.bytes += slice.bytes;
      const { run, variable } = transfer;
      options.onSegment?.({
        run,
        variable,
        first: slice.first,
        last: slice.last,
        bytes: slice.bytes,
        index,
        transferLast: last,
      });
      if (!slice.more) return true;
      await onSlice((slice.last - first + 1) / (last - first + 1));
    }
  }

  /** The runs with a buffered sample at least `olderThanMs` old; notes the oldest it leaves. */
  private async agedRuns(
    runs: string[],
    olderThanMs: number,
    report: FlushReport,
  ): Promise<string[]> {
    const now = await this.hot.runs.nowMs();
    const aged: string[] = [];
    report.oldestKeptMs = 0;
    for (const state of await this.hot.runs.states(runs)) {
      if (state.dirtySinceMs === undefined) continue;
      const age = now - state.dirtySinceMs;
      if (age >= olderThanMs) aged.push(state.id);
      else report.oldestKeptMs = Math.max(report.oldestKeptMs, age);
    }
    return aged;
  }

  /**
   * The largest dirty buffer on the fullest master that has one, among the
   * masters over the low-water mark: a flush frees the master that refuses
   * writes first (on a single node, the largest buffer of all).
   */
  private async largestDirtyOnFullMasters(
    runs: string[],
    masters: MemoryReading[],
    lowWater: number,
  ): Promise<{ run: string; variable: string } | undefined> {
    if (masters.length <= 1) return this.largestDirty(runs);
    const full = masters.filter((m) => m.ratio > lowWater).sort((a, b) => b.ratio - a.ratio);
    for (const master of full) {
      const candidate = await this.largestDirty(
        runs.filter((run) => this.hot.masterOf(run) === master.node),
      );
      if (candidate !== undefined) return candidate;
    }
    return undefined;
  }

  private async largestDirty(
    runs: string[],
  ): Promise<{ run: string; variable: string } | undefined> {
    let best: { run: string; variable: string; bytes: number } | undefined;
    for (const run of runs) {
      const top = await this.hot.transfers.largestDirty(run);
      if (top !== undefined && (best === undefined || top.bytes > best.bytes))
        best = { run, ...top };
    }
    return best;
  }

  private async allDirty(runs: string[]): Promise<{ run: string; variable: string }[]> {
    const all: { run: string; variable: string }[] = [];
    for (const run of runs) {
      for (const d of await this.hot.transfers.dirtyVariables(run))
        all.push({ run, variable: d.variable });
    }
    return all;
  }
}

/**
 * The bucket pyramid of a segment, for its index (the sink asks only for a
 * segment large enough to get one). The texts are in memory already:
 * parsing them is most of the cost, which the sink overlaps with gzip.
 */
function pyramidOf(slice: TransferSlice, label: string): IndexLevelInput[] {
  const builder = new PyramidBuilder(slice.first, slice.last);
  slice.texts.forEach((text, i) => builder.add(parseChunkText(text, `${label}: chunk ${i + 1}`)));
  return builder.build();
}

function progressOf(report: FlushReport, fraction: number): FlushProgress {
  const { resumed, moved, segments, samples, bytes, ratioAfter } = report;
  return { fraction, resumed, moved, segments, samples, bytes, ratio: ratioAfter };
}
