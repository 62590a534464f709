import {
  encodePieces,
  formatChunk,
  type ChunkEntry,
  type ColdStore,
  type IndexLevelInput,
  type ObjectIndexInput,
  type ObjectInfo,
  type PieceEntry,
} from '@runstream/cold-store';
import { parseIngestBatch, type RunManifest, type SampleChunk } from '@runstream/domain';
import type { HotStore } from '@runstream/hot-store';
import { mapWithConcurrency } from '../bounded-concurrency';
import { joinPyramids, PyramidBuilder } from '../pyramid';

/**
 * Variables of tens of millions of samples for tests and figures, laid out
 * over the tiers the fastest legitimate way: S3 objects written straight by
 * the cold store's writers (pieces, index, bucket pyramid, as a flush or a
 * merge writes them), Redis seeded as the write path leaves a run whose
 * older samples were flushed, and the newest samples written through the
 * real write script. Samples are computed from their seq (a `Signal`),
 * a chunk at a time: nothing holds the variable.
 */

/** Sample `seq`'s t and value, computed, never stored. */
export interface Signal {
  t(seq: number): number;
  v(seq: number): number;
}

/** What a seeded variable holds: seqs 1..count, and its value range. */
export interface SeededVariable {
  count: number;
  min: number;
  max: number;
}

/** Samples per stored chunk (one producer batch). */
const CHUNK_SAMPLES = 1000;
/** S3 objects generated at once: one is generated while the other compresses and uploads. */
const IN_FLIGHT = 2;
/** Samples per step of a merged object's generation (gzip'd as pieces on the thread pool). */
const MERGED_GROUP_SAMPLES = 1 << 20;

/** Samples first..first+count-1 of `signal` as one chunk. */
export function signalChunk(signal: Signal, first: number, count: number): SampleChunk {
  const t = new Array<number>(count);
  const v = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    t[i] = signal.t(first + i);
    v[i] = signal.v(first + i);
  }
  return { first, t, v };
}

/** Range of finite values, merged over the parts a variable is seeded in. */
class ValueRange {
  min = Infinity;
  max = -Infinity;

  add(values: readonly number[]): void {
    for (const x of values) {
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
    }
  }
}

/** Seqs first..last as stored chunks (texts and what a piece table needs), and their pyramid. */
function generate(
  signal: Signal,
  first: number,
  last: number,
  range: ValueRange,
): { pyramid: PyramidBuilder; chunks: ChunkEntry[] } {
  const pyramid = new PyramidBuilder(first, last);
  const chunks: ChunkEntry[] = [];
  for (let seq = first; seq <= last; seq += CHUNK_SAMPLES) {
    const chunk = signalChunk(signal, seq, Math.min(CHUNK_SAMPLES, last - seq + 1));
    pyramid.add(chunk);
    range.add(chunk.v as number[]);
    chunks.push({
      text: formatChunk(chunk),
      first: seq,
      count: chunk.t.length,
      firstT: chunk.t[0] as number,
    });
  }
  return { pyramid, chunks };
}

/** Cuts 1..samples into spans of `size` (the last may be shorter). */
function spans(from: number, to: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let first = from; first <= to; first += size)
    out.push([first, Math.min(to, first + size - 1)]);
  return out;
}

/**
 * Segments of seqs from..to of `variable`, `segmentSamples` each, written
 * by ColdStore.putSegment with their pyramids, as flushes leave them.
 */
export async function putSignalSegments(
  cold: ColdStore,
  run: string,
  variable: string,
  signal: Signal,
  from: number,
  to: number,
  segmentSamples: number,
  range = new ValueRange(),
): Promise<SeededVariable> {
  await mapWithConcurrency(spans(from, to, segmentSamples), IN_FLIGHT, async ([first, last]) => {
    const { pyramid, chunks } = generate(signal, first, last, range);
    const texts = chunks.map((c) => c.text);
    await cold.putSegment(run, variable, texts, first, last, () => pyramid.build());
  });
  return { count: to, min: range.min, max: range.max };
}

/**
 * The merged object of seqs 1..samples of `variable`, streamed to
 * ColdStore.putMerged a group of pieces at a time, its index (piece table,
 * pyramid joined from the groups' as a merge joins its segments') written
 * before the upload completes, as a merge leaves it.
 */
export async function putSignalMerged(
  cold: ColdStore,
  run: string,
  variable: string,
  signal: Signal,
  samples: number,
): Promise<SeededVariable & ObjectInfo> {
  const range = new ValueRange();
  const groups = spans(1, samples, MERGED_GROUP_SAMPLES);
  const encode = ([first, last]: [number, number]) => {
    const { pyramid, chunks } = generate(signal, first, last, range);
    return { levels: pyramid.build(), encoded: encodePieces(chunks) };
  };
  let settle: { resolve(i: ObjectIndexInput): void; reject(e: unknown): void } | undefined;
  const index = new Promise<ObjectIndexInput>((resolve, reject) => (settle = { resolve, reject }));
  async function* members(): AsyncGenerator<Uint8Array> {
    try {
      const pieces: PieceEntry[] = [];
      const levels: IndexLevelInput[][] = [];
      let offset = 0;
      let next = groups[0] === undefined ? undefined : encode(groups[0]);
      for (let g = 0; next !== undefined; g++) {
        const { body, pieces: own } = await next.encoded;
        levels.push(next.levels);
        // The next group is generated and compressing while this one uploads.
        const after = groups[g + 1];
        next = after === undefined ? undefined : encode(after);
        for (const p of own) pieces.push({ ...p, offset: p.offset + offset });
        offset += body.length;
        yield body;
      }
      settle?.resolve({
        first: 1,
        last: samples,
        dataBytes: offset,
        pieces,
        levels: joinPyramids(levels, 1, samples),
      });
    } catch (err) {
      settle?.reject(err);
      throw err;
    }
  }
  const info = await cold.putMerged(run, variable, members(), samples, index);
  return { ...info, count: samples, min: range.min, max: range.max };
}

/**
 * Creates `run` in Redis as the write path leaves a run whose every buffer
 * was flushed: RunStore.create, then the run's `samples` count, its
 * variable set and each variable's stats hash (`count` = last seq, `min`,
 * `max`, `lastT`, `lastV` as wire JSON, `tOrder`; keys.ts) — through
 * HotKeys, for data whose segments were written some other way. Samples
 * written after it through the write script get the seqs after `count`.
 */
export async function seedFlushedRun(
  hot: HotStore,
  run: string,
  samples: string,
  stats: ReadonlyMap<string, Record<string, string>>,
): Promise<void> {
  await hot.runs.create({ id: run });
  const write = hot.redis.multi();
  write.hset(hot.keys.run(run), 'samples', samples);
  write.sadd(hot.keys.variables(run), ...stats.keys());
  for (const [name, hash] of stats) write.hset(hot.keys.stats(run, name), hash);
  for (const [err] of (await write.exec()) ?? []) if (err) throw err;
}

export interface RunningPlan {
  run: string;
  variable: string;
  signal: Signal;
  samples: number;
  segmentSamples: number;
  /** The newest samples: this many renamed to a transfer key (a flush under way), */
  inTransfer: number;
  /** and after them this many in the Redis buffer. */
  inRedis: number;
}

/**
 * A running variable of `samples` samples spread over the tiers: S3
 * segments (putSignalSegments), then a transfer key and the Redis buffer,
 * written through the write script (TransferStore.begin renames the buffer
 * between the two).
 */
export async function seedRunningVariable(
  hot: HotStore,
  cold: ColdStore,
  plan: RunningPlan,
): Promise<SeededVariable> {
  const { run, variable, signal } = plan;
  const flushed = plan.samples - plan.inTransfer - plan.inRedis;
  const range = new ValueRange();
  await putSignalSegments(cold, run, variable, signal, 1, flushed, plan.segmentSamples, range);
  const last = signalChunk(signal, flushed, 1);
  await seedFlushedRun(
    hot,
    run,
    String(flushed),
    new Map([
      [
        variable,
        {
          count: String(flushed),
          min: String(range.min),
          max: String(range.max),
          lastT: String(last.t[0]),
          lastV: JSON.stringify(last.v[0]),
          tOrder: 'asc',
        },
      ],
    ]),
  );
  const write = async (from: number, count: number): Promise<void> => {
    for (const [first, end] of spans(from, from + count - 1, CHUNK_SAMPLES)) {
      const chunk = signalChunk(signal, first, end - first + 1);
      range.add(chunk.v as number[]);
      const batch = parseIngestBatch({ variables: { [variable]: { t: chunk.t, v: chunk.v } } });
      await hot.writer.write(run, batch);
    }
  };
  await write(flushed + 1, plan.inTransfer);
  if (plan.inTransfer > 0) await hot.transfers.begin(run, variable);
  await write(flushed + plan.inTransfer + 1, plan.inRedis);
  return { count: plan.samples, min: range.min, max: range.max };
}

/**
 * A completed run of one variable as its merge leaves it, Redis never told:
 * the merged object (putSignalMerged) and the run's manifest. Readers serve
 * it from S3 alone, as a run Redis has forgotten.
 */
export async function seedCompletedVariable(
  cold: ColdStore,
  run: string,
  variable: string,
  signal: Signal,
  samples: number,
): Promise<SeededVariable> {
  const merged = await putSignalMerged(cold, run, variable, signal, samples);
  const now = new Date().toISOString();
  const manifest: RunManifest = {
    version: 1,
    run: {
      id: run,
      status: 'completed',
      createdAt: now,
      completedAt: now,
      reason: 'requested',
      samples,
      meta: {},
    },
    variables: [
      {
        name: variable,
        count: samples,
        min: merged.min,
        max: merged.max,
        lastT: signal.t(samples),
        lastV: signal.v(samples),
        tOrdered: true,
        object: merged.key,
        bytes: merged.size,
      },
    ],
    writtenAt: now,
  };
  await cold.putManifest(manifest);
  return merged;
}
