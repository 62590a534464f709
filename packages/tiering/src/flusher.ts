import { parseChunkText, type IndexLevelInput } from '@runstream/cold-store';
import {
  fullestOf,
  readMastersMemory,
  type HotStore,
  type MemoryReading,
  type Transfer,
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

/** The steps of one transfer, where a crash test may stop the process. */
export type FlushPoint = 'after-rename' | 'after-upload' | 'before-delete';

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
   * Called as the flush goes: after each buffer it moves and once at the end
   * (fraction 1). Must not throw; it is not awaited.
   */
  onProgress?: (progress: FlushProgress) => void;
}

export interface FlushReport {
  reason: FlushReason;
  /** Transfers left by an earlier, interrupted flush and finished now. */
  resumed: number;
  /** Buffers moved to S3 by this flush. */
  moved: number;
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
 * a new buffer), read it, upload it as a segment named by its seq range, then
 * delete the transfer key. Transfers an earlier flush left behind are finished
 * first. Each step is idempotent, so a flush may be killed anywhere or run
 * twice at once and the data ends up in S3 exactly once.
 */
export class Flusher implements FlushExecutor {
  constructor(
    private readonly hot: HotStore,
    private readonly sink: SegmentSink,
  ) {}

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
      samples: 0,
      bytes: 0,
      ratioBefore: before.ratio,
      ratioAfter: before.ratio,
      stoppedBecause: 'done',
    };
    const runs = options.run !== undefined ? [options.run] : await this.hot.runs.ids();

    for (const run of runs) {
      for (const variable of await this.hot.transfers.pendingVariables(run)) {
        for (const transfer of await this.hot.transfers.transfers(run, variable)) {
          if (await this.finish(transfer, options, report)) report.resumed++;
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
    // A progress bar never goes back: memory that writers fill again while
    // this flush runs holds the bar where it was.
    let shown = 0;
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
      shown = Math.max(shown, fraction);
      options.onProgress?.(progressOf(report, shown));
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
      if (await this.finish(transfer, options, report)) report.moved++;
    }
  }

  /** Uploads one transfer and deletes it; false when it had already gone. */
  private async finish(
    transfer: Transfer,
    options: FlushOptions,
    report: FlushReport,
  ): Promise<boolean> {
    const texts: string[] = [];
    for await (const page of this.hot.transfers.chunkTexts(transfer.key)) texts.push(...page);
    if (texts.length === 0) {
      await this.hot.transfers.end(transfer); // finished by someone else: just tidy the index
      return false;
    }
    const range = await this.hot.transfers.range(transfer.key);
    if (range === undefined) return false;
    await this.sink.putSegment(
      transfer.run,
      transfer.variable,
      texts,
      range.first,
      range.last,
      () => pyramidOf(texts, range, transfer.key),
    );
    await options.probe?.('after-upload', transfer);
    await options.probe?.('before-delete', transfer);
    await this.hot.transfers.end(transfer);
    report.samples += range.last - range.first + 1;
    for (const t of texts) report.bytes += t.length;
    return true;
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
function pyramidOf(
  texts: readonly string[],
  range: { first: number; last: number },
  label: string,
): IndexLevelInput[] {
  const builder = new PyramidBuilder(range.first, range.last);
  texts.forEach((text, i) => builder.add(parseChunkText(text, `${label}: chunk ${i + 1}`)));
  return builder.build();
}

function progressOf(report: FlushReport, fraction: number): FlushProgress {
  const { resumed, moved, samples, bytes, ratioAfter } = report;
  return { fraction, resumed, moved, samples, bytes, ratio: ratioAfter };
}
