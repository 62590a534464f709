import {
  chunkTextHead,
  hasIndex,
  runParquet,
  SegmentFormatError,
  type ColdStore,
  type DataObject,
  type ObjectInfo,
  type SegmentInfo,
} from '@runstream/cold-store';
import type {
  CompletionReason,
  ManifestParquet,
  ManifestVariable,
  RunManifest,
  VariableStats,
} from '@runstream/domain';
import type { HotStore } from '@runstream/hot-store';
import { mapWithConcurrency } from './bounded-concurrency';
import { isFormatError } from './damaged-data';
import { damagedObjects } from './damaged-objects';
import type { FlushExecutor } from './flusher';
import { joinedMembers, planJoin, type JoinInput } from './object-join';
import { mergeFraction, type MergePhase, type MergeProgress } from './progress';
import { coveringInputs } from './segment-chain';

/** Where a crash test may stop a merge. */
export type MergePoint = 'mid-upload' | 'after-upload';

export interface MergeOptions {
  /** Why the run is completed; also the reason its merge runs. */
  reason: CompletionReason;
  /** The run's sample count must stay unchanged this long before merging. */
  quiescenceMs: number;
  /** Variables merged at once. */
  concurrency: number;
  /** Fault injection for crash tests; never set in production. */
  probe?: (point: MergePoint, variable: string) => Promise<void> | void;
  now?: () => Date;
  /**
   * Called at each phase and after each variable merged, and once at the end
   * (phase `done`). Must not throw; it is not awaited.
   */
  onProgress?: (progress: MergeProgress) => void;
}

export interface MergeReport {
  outcome: 'merged' | 'already-completed' | 'unknown-run';
  variables: number;
  samples: number;
  /** Segment objects folded into merged objects (and deleted). */
  segments: number;
  /** Bytes of merged objects written. */
  bytes: number;
  /** How long the quiescence check waited. */
  quietWaitMs: number;
  /** Variables left unmerged because objects of theirs are damaged (see Merger), with those objects' keys. */
  damaged: { variable: string; objects: string[] }[];
}

/**
 * How long a merge waits before reading an object that did not read a second
 * time: a filesystem-backed S3 lists an object mid-upload, cut short, and
 * that must not be taken for damage.
 */
const DAMAGE_RECHECK_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Completes a run: waits until its count is quiet, flushes what Redis still
 * holds of it, folds each variable's segments (and an older merged object)
 * into one merged object with its index (pieces and bucket pyramid,
 * written before the object appears: see planJoin), deletes the segments
 * that object covers, writes the run's manifest, and only then marks the
 * run completed — and forgets it in Redis: the manifest is its record from
 * then on.
 *
 * Every step is idempotent and ordered so that a crash anywhere, or two
 * merges at once, leave the same end state: the merged object replaces the
 * old one only when its upload completes (S3 makes an object visible whole),
 * segments go only after the object that holds them exists, and the run is
 * `completed` only after its manifest. A rerun skips what is done: a merged
 * object whose metadata says it holds 1..count is not written again (unless
 * it lacks its index: one written before indexes is written again, as
 * pieces). A compaction still running beside it loses nothing (see Compactor).
 *
 * Damage stays with its variable: when a variable's objects do not read
 * (garbage, truncated, a chunk that does not parse) and a second try a
 * moment later fails the same way, that variable alone is not merged — its segments
 * stay where readers find them, who serve what reads and answer
 * `stored_data_damaged` for the rest — and its manifest entry names the
 * damaged objects (`damagedObjects`). Every other variable is merged and the
 * run completes. Nothing is deleted or moved: the damaged bytes are kept for
 * whoever repairs them, and a move would turn damage into a gap readers
 * could not tell from data still moving down.
 */
export class Merger {
  constructor(
    private readonly hot: HotStore,
    private readonly cold: ColdStore,
    private readonly flusher: FlushExecutor,
  ) {}

  async merge(run: string, options: MergeOptions): Promise<MergeReport> {
    const report = await this.complete(run, options);
    reportPhase(options, 'done', report.variables, report.variables);
    return report;
  }

  private async complete(run: string, options: MergeOptions): Promise<MergeReport> {
    const report: MergeReport = {
      outcome: 'merged',
      variables: 0,
      samples: 0,
      segments: 0,
      bytes: 0,
      quietWaitMs: 0,
      damaged: [],
    };
    // Idempotent: a running run starts completing here (the writes stop now),
    // one already completing or completed stays as it is.
    const status = await this.hot.runs.beginCompletion(run, options.reason);
    if (status === undefined || status === 'completed') {
      // A completed run is forgotten by Redis: its manifest is then the record.
      const manifest = await this.cold.getManifest(run);
      if (manifest !== undefined) {
        if (status === 'completed') await this.hot.runs.forget(run); // a merge cut off before it
        return { ...report, outcome: 'already-completed' };
      }
      if (status === undefined) return { ...report, outcome: 'unknown-run' };
    }

    reportPhase(options, 'quiescence');
    report.quietWaitMs = await this.waitUntilQuiet(run, options.quiescenceMs);
    reportPhase(options, 'flush');
    await this.flushRun(run);

    const variables = await this.hot.reader.variables(run);
    let variablesMerged = 0;
    reportPhase(options, 'merge', variablesMerged, variables.length);
    const merged = await mapWithConcurrency(variables, options.concurrency, async (stats) => {
      const variable = await this.mergeVariable(run, stats, options, report);
      reportPhase(options, 'merge', ++variablesMerged, variables.length);
      return variable;
    });
    report.variables = merged.length;
    reportPhase(options, 'manifest', merged.length, merged.length);
    const parquet = await this.writeParquet(run, merged);

    const record = await this.hot.runs.get(run);
    if (record === undefined) throw new Error(`run '${run}' vanished from Redis during its merge`);
    // One completion time for every merge of the run, even two at once: they
    // write the same manifest, so a reader never sees the completion change.
    const completedAt =
      record.completedAt ??
      (
        await this.hot.runs.claimCompletionTime(run, (options.now ?? (() => new Date()))())
      )?.toISOString();
    if (completedAt === undefined)
      throw new Error(`run '${run}' vanished from Redis during its merge`);
    const manifest: RunManifest = {
      version: 1,
      run: {
        ...record,
        status: 'completed',
        reason: record.reason ?? options.reason,
        completedAt,
      },
      variables: merged,
      parquet,
      writtenAt: completedAt,
    };
    await this.cold.putManifest(manifest);
    await this.hot.runs.endCompletion(run, new Date(completedAt));
    // From here S3 is the run's record: Redis keeps only runs that can change.
    if (!(await this.hot.runs.forget(run)))
      throw new Error(`run '${run}' completed but still holds samples in Redis`);
    return report;
  }

  /**
   * The run's Parquet file, from the merged objects just written (so a
   * rerun writes the same file again): every variable but the damaged ones,
   * which the manifest names as left out. Streamed row group by row group.
   */
  private async writeParquet(
    run: string,
    variables: readonly ManifestVariable[],
  ): Promise<ManifestParquet> {
    const whole = variables.filter((v) => v.damagedObjects === undefined && v.count > 0);
    const omitted = variables.filter((v) => v.damagedObjects !== undefined).map((v) => v.name);
    let rows = 0;
    const bytes = runParquet(
      whole.map((v) => ({ variable: v.name, chunks: this.cold.readObject(v.object) })),
      { metadata: { 'runstream.run': run }, onRows: (n) => (rows += n) },
    );
    const info = await this.cold.putParquet(run, bytes);
    return {
      object: info.key,
      bytes: info.size,
      rows,
      ...(omitted.length > 0 ? { omitted } : {}),
    };
  }

  /**
   * Waits until the run's sample count has not changed for `quietMs`. Once a
   * run is completing, the write script refuses its samples, so the count
   * settles at once; the wait is the guard DESIGN asks for against batches
   * admitted just before the status changed.
   */
  private async waitUntilQuiet(run: string, quietMs: number): Promise<number> {
    const start = Date.now();
    let last = await this.hot.runs.sampleCount(run);
    let quietSince = Date.now();
    while (Date.now() - quietSince < quietMs) {
      await sleep(Math.min(100, quietMs));
      const count = await this.hot.runs.sampleCount(run);
      if (count !== last) {
        last = count;
        quietSince = Date.now();
      }
    }
    return Date.now() - start;
  }

  /** Moves every buffer and transfer key of the run to segments (another flush may be mid-way). */
  private async flushRun(run: string): Promise<void> {
    for (let round = 0; round < 50; round++) {
      await this.flusher.flush({
        reason: 'completion',
        run,
        everything: true,
        lowWater: 0,
        budgetBytes: 0,
      });
      if (await this.redisIsEmpty(run)) return;
      await sleep(50); // a concurrent flush still holds a transfer: it is finished next round
    }
    throw new Error(`run '${run}' still has buffered samples after 50 flush rounds`);
  }

  private async redisIsEmpty(run: string): Promise<boolean> {
    if ((await this.hot.transfers.pendingVariables(run)).length > 0) return false;
    for (const stats of await this.hot.reader.variables(run)) {
      if ((await this.hot.reader.headSeq(run, stats.name)) !== undefined) return false;
    }
    return true;
  }

  private async mergeVariable(
    run: string,
    stats: VariableStats,
    options: MergeOptions,
    report: MergeReport,
  ): Promise<ManifestVariable> {
    try {
      return await this.foldVariable(run, stats, options, report);
    } catch (err) {
      if (!isFormatError(err)) throw err;
    }
    // Read mid-upload or as another merge of the run moved it? A second try, a moment later, tells.
    await sleep(DAMAGE_RECHECK_MS);
    try {
      return await this.foldVariable(run, stats, options, report);
    } catch (err) {
      if (!isFormatError(err)) throw err;
      const damaged = await this.confirmDamage(run, stats.name);
      // Not found again: mid-upload or moved when it was read; the retried merge looks again.
      if (damaged.length === 0) throw err;
      report.damaged.push({ variable: stats.name, objects: damaged });
      return {
        ...stats,
        object: this.cold.keys.merged(run, stats.name),
        bytes: 0,
        damagedObjects: damaged,
      };
    }
  }

  /** The variable's objects (segments, merged) that do not read. */
  private async confirmDamage(run: string, variable: string): Promise<string[]> {
    const merged = await this.cold.mergedInfo(run, variable);
    const segments: DataObject[] = await this.cold.listSegments(run, variable);
    // One written before its metadata named its last seq: read to its end, whatever that is.
    const objects =
      merged === undefined
        ? segments
        : [
            { key: merged.key, size: merged.size, first: 1, last: merged.lastSeq ?? Infinity },
            ...segments,
          ];
    return damagedObjects(this.cold, objects);
  }

  private async foldVariable(
    run: string,
    stats: VariableStats,
    options: MergeOptions,
    report: MergeReport,
  ): Promise<ManifestVariable> {
    const { name, count } = stats;
    let merged = await this.cold.mergedInfo(run, name);

    if (merged?.lastSeq !== count || (await this.lacksIndex(merged, count))) {
      const segments = await this.cold.listSegments(run, name);
      const inputs = await this.inputs(run, name, count, merged, segments);
      // An output of one piece copies its inputs undecoded, damage and all:
      // it is small, so they are read first (a larger one decodes what it
      // does not copy by its index, and its readers confine a damaged piece).
      if (!hasIndex({ first: 1, last: count })) {
        const damaged = await damagedObjects(
          this.cold,
          inputs.map((i) => i.object),
        );
        if (damaged.length > 0) throw new SegmentFormatError(`${damaged.join(', ')}: damaged`);
      }
      const plan = planJoin(this.cold, inputs);
      const half = Math.floor(inputs.length / 2);
      const members = joinedMembers(this.cold, plan, async (i) => {
        if (i === half) await options.probe?.('mid-upload', name);
      });
      merged = await this.cold.putMerged(run, name, members, count, plan.index);
      await options.probe?.('after-upload', name);
    }
    // Only now that the merged object holds them may the segments go: those
    // listed now, which takes in one a compaction wrote meanwhile (see Compactor).
    const left = (await this.cold.listSegments(run, name)).filter((s) => s.last <= count);
    await this.cold.deleteDataObjects(left.map((s) => s.key));
    report.segments += left.length;
    report.samples += count;
    report.bytes += merged.size;
    return { ...stats, object: merged.key, bytes: merged.size };
  }

  /**
   * A complete merged object that should have an index and has none (written
   * before indexes): it is written again, as pieces, with its index.
   */
  private async lacksIndex(merged: ObjectInfo, count: number): Promise<boolean> {
    const object = { key: merged.key, size: merged.size, first: 1, last: count };
    return hasIndex(object) && (await this.cold.objects.index(object)) === undefined;
  }

  /**
   * What the new merged object is made of: the old merged object (1..its
   * last seq), then the segments, in seq order, each seq once — at each seq
   * the segment that starts there and reaches furthest (a compaction may
   * have left its inputs listed beside its output: they are passed over).
   * Whole objects are copied as the bytes they are stored as; only an object
   * that overlaps what comes before it, or a large one without an index, is
   * decoded and encoded again (see planJoin). A gap, or an end short of
   * `count`, fails the merge before anything is uploaded.
   */
  private async inputs(
    run: string,
    variable: string,
    count: number,
    merged: ObjectInfo | undefined,
    segments: readonly SegmentInfo[],
  ): Promise<JoinInput[]> {
    const inputs: JoinInput[] = [];
    let next = 1;
    if (merged !== undefined) {
      // One written before the metadata names its last seq: found by reading it.
      const last = merged.lastSeq ?? (await this.lastSeqOf(merged.key));
      if (last > count)
        throw new Error(`${run}/${variable}: the merged object holds 1..${last}, the run ${count}`);
      const object: DataObject = { key: merged.key, size: merged.size, first: 1, last };
      inputs.push({ object });
      next = last + 1;
    }
    if (next > count) return inputs;
    // Segments past `count` (none should be) are not the merged object's.
    const covering = coveringInputs(segments, next, count);
    inputs.push(...covering.inputs);
    if (covering.next <= count) {
      const where = `${run}/${variable}`;
      if (covering.resumesAt !== undefined)
        throw new Error(
          `${where}: seqs ${covering.next}..${covering.resumesAt - 1} are in no segment`,
        );
      throw new Error(`${where}: S3 holds seqs 1..${covering.next - 1}, the run has ${count}`);
    }
    return inputs;
  }

  /** The last seq of a segment-format object, by reading every line's head. */
  private async lastSeqOf(key: string): Promise<number> {
    let last = 0;
    for await (const line of this.cold.readObjectLines(key)) {
      const head = chunkTextHead(line, key);
      last = head.first + head.count - 1;
    }
    return last;
  }
}

function reportPhase(
  options: MergeOptions,
  phase: MergePhase,
  variablesMerged = 0,
  variables = 0,
): void {
  options.onProgress?.({
    phase,
    fraction: mergeFraction(phase, variablesMerged, variables),
    variablesMerged,
    variables,
  });
}
