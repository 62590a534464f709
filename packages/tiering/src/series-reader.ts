import {
  blocksFor,
  chunkTextHead,
  hasIndex,
  ObjectMissingError,
  parseChunkText,
  StaleIndexError,
  type ColdStore,
  type DataObject,
  type ObjectIndex,
} from '@runstream/cold-store';
import {
  bucketShift,
  BucketBuilder,
  CellAggregator,
  clipSeqRange,
  coarsenCells,
  combineBuckets,
  decodeCellRecord,
  decomposeRange,
  pyramidShifts,
  PYRAMID_BASE_SHIFT,
  seriesBuckets,
  type CellBucket,
  type SeriesBucket,
  StoredDataDamagedError,
  type StoredChunkText,
} from '@runstream/domain';
import { coveringSegment, isMovedError, mergedObject } from './data-objects';
import { damagedObject, isFormatError } from './damaged-data';
import type { RunCatalog } from './run-catalog';
import type { ChunkTextSource } from './chunk-text-source';

export interface SeriesRange {
  fromSeq?: number;
  toSeq?: number;
  points: number;
}

export interface SeriesResult {
  /** The range answered, clipped to the variable's seqs. */
  fromSeq: number;
  toSeq: number;
  /** Grid width of the buckets (a power of two). */
  bucketSeqs: number;
  /** One per grid cell that meets the range, in seq order. */
  buckets: SeriesBucket[];
}

/** A bucket range of the answer, with the partial buckets that make it, in seq order. */
interface Slot {
  lo: number;
  hi: number;
  parts: SeriesBucket[];
}

/** Where the cells of one object come from: its index's blocks, or a pyramid built from its samples. */
interface CellSource {
  levels: number[];
  cell(shift: number, cell: number): Promise<SeriesBucket>;
}

/** Attempts before a read that keeps meeting moved objects falls back to raw samples. */
const ATTEMPTS = 3;

/**
 * Downsampled series of one variable (docs/read-path.md, "Downsampled
 * series"): the range cut on the global grid into at most `points` buckets,
 * each the M4+ summary of its seqs, exactly what a pass over every sample
 * would give, whatever tiers hold them.
 *
 * Below the Redis floor (see TieredHistory) the samples are in S3 objects:
 * each answer bucket's part in an object is composed from the object's
 * pyramid — whole cells of the largest levels that fit — and raw samples
 * only where a part does not start or end on a cell of the finest level
 * (the range's ends, the object's ends). Objects too small for an index get
 * their pyramid built once from their samples, kept in the read cache. From
 * the floor on (Redis, and whatever moved down meanwhile) samples are read
 * raw through TieredHistory and aggregated on the fly.
 *
 * An object merged or compacted away mid-read sends the read round again;
 * after ATTEMPTS, every sample is read raw through TieredHistory, which is
 * exact under any movement. An object (or index) that cannot be read is
 * StoredDataDamagedError for this variable alone.
 */
export class SeriesReader {
  /**
   * `cold`: the object store under `history`, whose object pyramids answer
   * without reading samples. Without it (an app with no cold store), every
   * sample is read raw from `history`.
   */
  constructor(
    private readonly history: ChunkTextSource,
    private readonly catalog: RunCatalog,
    private readonly cold?: ColdStore,
  ) {}

  /** The series, or undefined when nothing of the range exists. */
  async series(
    run: string,
    variable: string,
    query: SeriesRange,
  ): Promise<SeriesResult | undefined> {
    const count = await this.catalog.count(run, variable);
    const range = clipSeqRange(query.fromSeq, query.toSeq, count);
    if (range === undefined) return undefined;
    const { fromSeq, toSeq } = range;
    const bucketSeqs = 2 ** bucketShift(fromSeq, toSeq, query.points);
    const slots = (): Slot[] =>
      seriesBuckets(fromSeq, toSeq, query.points).map(([lo, hi]) => ({ lo, hi, parts: [] }));

    for (let attempt = 0; this.cold !== undefined && attempt < ATTEMPTS; attempt++) {
      const answer = slots();
      try {
        await this.fill(this.cold, run, variable, answer, bucketSeqs);
        return { fromSeq, toSeq, bucketSeqs, buckets: answer.map(combineSlot) };
      } catch (err) {
        // Not what was listed (see isMovedError), or unreadable (an upload in
        // progress, or damage): the next round looks again; past the last,
        // the raw read below answers from the data or says what is damaged.
        if (!isMovedError(err) && !(err instanceof StoredDataDamagedError)) throw err;
      }
    }
    const answer = slots();
    await aggregateRaw(this.history.texts(run, variable, fromSeq), fromSeq, toSeq, answer);
    return { fromSeq, toSeq, bucketSeqs, buckets: answer.map(combineSlot) };
  }

  private async fill(
    cold: ColdStore,
    run: string,
    variable: string,
    slots: Slot[],
    bucketSeqs: number,
  ): Promise<void> {
    const from = (slots[0] as Slot).lo;
    const to = (slots[slots.length - 1] as Slot).hi;
    // Newest tier first, as TieredHistory: below the floor, S3 holds every seq and keeps it.
    const { head, transfers } = await this.catalog.redisHoldings(run, variable);
    const floor = Math.min(transfers[0]?.first ?? Infinity, head ?? Infinity);

    let next = from;
    const s3End = Math.min(to, floor - 1);
    if (next <= s3End) {
      const segments = await cold.listSegments(run, variable);
      while (next <= s3End) {
        const object = coveringSegment(segments, next) ?? (await mergedObject(cold, run, variable));
        if (object === undefined || object.last < next)
          throw new ObjectMissingError('ListObjectsV2', `${run}/${variable} seq ${next}`);
        const end = Math.min(object.last, s3End);
        try {
          await this.fromObject(cold, object, next, end, slots, bucketSeqs);
        } catch (err) {
          if (isFormatError(err)) throw damagedObject(run, variable, object.key, err);
          throw err;
        }
        next = end + 1;
      }
    }
    if (next <= to) await aggregateRaw(this.history.texts(run, variable, next), next, to, slots);
  }

  /** Seqs lo..hi of one S3 object into the slots. */
  private async fromObject(
    cold: ColdStore,
    object: DataObject,
    lo: number,
    hi: number,
    slots: Slot[],
    bucketSeqs: number,
  ): Promise<void> {
    const source =
      bucketSeqs >= 2 ** PYRAMID_BASE_SHIFT ? await this.cellSource(cold, object) : undefined;
    if (source === undefined) {
      // Buckets finer than the pyramid's finest cells (or an object without one): one pass.
      await aggregateRaw(objectTexts(cold, object, lo), lo, hi, slots);
      return;
    }
    for (let i = slotIndexOf(slots, lo); i < slots.length; i++) {
      const slot = slots[i] as Slot;
      if (slot.lo > hi) break;
      const plo = Math.max(slot.lo, lo);
      const phi = Math.min(slot.hi, hi);
      // Cells in parallel (the read cache shares their blocks), then in seq order into the slot.
      const parts = await Promise.all(
        decomposeRange(plo, phi, source.levels).map((part) =>
          part.kind === 'cell'
            ? source.cell(part.shift, part.cell)
            : rawBucket(cold, object, part.lo, part.hi),
        ),
      );
      slot.parts.push(...parts);
    }
  }

  /** The cells of an object: through its index, or built from its samples when it has none. */
  private async cellSource(cold: ColdStore, object: DataObject): Promise<CellSource | undefined> {
    if (hasIndex(object)) {
      const index = await cold.objects.index(object);
      // A legacy object (no index), or one flushed before pyramids: raw.
      if (index === undefined || index.levels.length === 0) return undefined;
      return indexCells(cold, object, index);
    }
    const levels = pyramidShifts(object.first, object.last);
    const pyramid = await cold.cache.get(
      `pyramid|${object.key}|${object.size}`,
      () => buildPyramid(cold, object, levels),
      (cells) => 64 + [...cells.values()].reduce((n, level) => n + level.size * 256, 0),
    );
    return {
      levels,
      cell: (shift, cell) => {
        const found = pyramid.get(shift)?.get(cell);
        if (found === undefined)
          throw new RangeError(`${object.key}: no cell ${cell} of level ${shift}`);
        return Promise.resolve(found);
      },
    };
  }
}

function indexCells(cold: ColdStore, object: DataObject, index: ObjectIndex): CellSource {
  return {
    levels: index.levels.map((l) => l.shift),
    cell: async (shift, cell) => {
      const level = index.levels.find((l) => l.shift === shift);
      const block = level === undefined ? undefined : blocksFor(level, cell, cell)[0];
      if (block === undefined)
        throw new StaleIndexError(`${object.key}: index has no cell ${cell} of level ${shift}`);
      const records = await cold.objects.block(object, block);
      return decodeCellRecord(records[cell - block.firstCell], shift).bucket;
    },
  };
}

/** Every level's cells of a small object, from its samples. */
async function buildPyramid(
  cold: ColdStore,
  object: DataObject,
  levels: number[],
): Promise<Map<number, Map<number, SeriesBucket>>> {
  const base: CellBucket[] = [];
  const aggregator = new CellAggregator(PYRAMID_BASE_SHIFT, (c) => base.push(c));
  let next = object.first;
  for await (const stored of objectTexts(cold, object, object.first)) {
    if (stored.first + stored.count <= next) continue;
    aggregator.addChunk(parseChunkText(stored.text, object.key));
    next = stored.first + stored.count;
  }
  aggregator.finish();
  const out = new Map<number, Map<number, SeriesBucket>>();
  for (const shift of levels) {
    const cells =
      shift === PYRAMID_BASE_SHIFT ? base : coarsenCells(base, PYRAMID_BASE_SHIFT, shift);
    out.set(shift, new Map(cells.map((c) => [c.cell, c.bucket])));
  }
  return out;
}

/** Raw samples lo..hi of one object, as one bucket. */
async function rawBucket(
  cold: ColdStore,
  object: DataObject,
  lo: number,
  hi: number,
): Promise<SeriesBucket> {
  const slot: Slot = { lo, hi, parts: [] };
  await aggregateRaw(objectTexts(cold, object, lo), lo, hi, [slot]);
  return combineSlot(slot);
}

async function* objectTexts(
  cold: ColdStore,
  object: DataObject,
  from: number,
): AsyncGenerator<StoredChunkText> {
  for await (const text of cold.objects.linesFrom(object, from)) {
    const { first, count } = chunkTextHead(text, object.key);
    yield { text, first, count };
  }
}

/**
 * Samples lo..hi from seq-ordered chunk texts (the first may start before
 * lo) into the slots that hold them, one BucketBuilder pass; stops reading
 * past hi. A gap is an error: the caller's source guarantees contiguity.
 */
async function aggregateRaw(
  texts: AsyncIterable<StoredChunkText>,
  lo: number,
  hi: number,
  slots: Slot[],
): Promise<void> {
  const builder = new BucketBuilder();
  let i = slotIndexOf(slots, lo);
  let next = lo;
  for await (const stored of texts) {
    if (stored.first + stored.count <= next) continue;
    if (stored.first > next) throw new Error(`series: seq ${next} missing from the samples read`);
    const chunk = parseChunkText(stored.text);
    while (next <= hi && next < stored.first + stored.count) {
      const slot = slots[i] as Slot;
      const end = Math.min(slot.hi, hi, stored.first + stored.count - 1);
      builder.addChunk(chunk, next - stored.first, end - stored.first + 1);
      next = end + 1;
      if (next > slot.hi || next > hi) {
        slot.parts.push(builder.build());
        i++;
      }
    }
    if (next > hi) return;
  }
  if (next <= hi) throw new Error(`series: samples end at seq ${next - 1}, before ${hi}`);
}

/** The slot holding `seq` (slots are contiguous, in order). */
function slotIndexOf(slots: readonly Slot[], seq: number): number {
  let lo = 0;
  let hi = slots.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((slots[mid] as Slot).lo <= seq) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function combineSlot(slot: Slot): SeriesBucket {
  const [first, ...rest] = slot.parts;
  if (first === undefined) throw new Error(`series: nothing read for seqs ${slot.lo}..${slot.hi}`);
  const bucket = rest.reduce(combineBuckets, first);
  if (bucket.firstSeq !== slot.lo || bucket.lastSeq !== slot.hi)
    throw new Error(
      `series: bucket ${slot.lo}..${slot.hi} was composed of ${bucket.firstSeq}..${bucket.lastSeq}`,
    );
  return bucket;
}
